"""gridarena: grid-trading engine and AI strategy arena."""

__version__ = "0.1.0"
