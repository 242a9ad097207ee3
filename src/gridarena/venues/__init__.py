"""Venues: the protocol, the simulator and live adapters."""
