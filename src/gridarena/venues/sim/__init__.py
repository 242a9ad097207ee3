"""The simulated perpetual-futures venue."""
