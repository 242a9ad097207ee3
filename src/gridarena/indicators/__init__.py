"""Numeric indicators over float64 arrays (pure, no I/O)."""

from gridarena.indicators.atr import atr, true_range

__all__ = ["atr", "true_range"]
