"""Input checks and the integer state codes shared by the indicator modules.

Classifiers (trend, overbought/oversold, crosses) return int8 arrays so that a whole series is
classified in one vectorised pass; the labels shown to providers come from the tables below.
"""

from __future__ import annotations

from typing import Any, Final, Literal

import numpy as np
import numpy.typing as npt
from numpy.typing import NDArray

Zone = Literal["OVERBOUGHT", "OVERSOLD", "NEUTRAL"]
Cross = Literal["GOLDEN", "DEATH", "NONE"]
TrendLabel = Literal["BULLISH", "BEARISH", "NEUTRAL"]

# Trend codes (macd_trend, trend).
BULLISH: Final = 1
BEARISH: Final = -1
NEUTRAL: Final = 0
# Zone codes (rsi_state, kdj_state).
OVERBOUGHT: Final = 1
OVERSOLD: Final = -1
# Cross codes (kdj_cross): K crossing above D is golden, below is death.
GOLDEN: Final = 1
DEATH: Final = -1
NO_CROSS: Final = 0

TREND_LABELS: Final[dict[int, TrendLabel]] = {1: "BULLISH", -1: "BEARISH", 0: "NEUTRAL"}
ZONE_LABELS: Final[dict[int, Zone]] = {1: "OVERBOUGHT", -1: "OVERSOLD", 0: "NEUTRAL"}
CROSS_LABELS: Final[dict[int, Cross]] = {1: "GOLDEN", -1: "DEATH", 0: "NONE"}


def series(values: npt.ArrayLike, name: str = "values") -> NDArray[np.float64]:
    """Return ``values`` as a C-contiguous 1-D float64 array (TA-Lib and numba need that)."""
    arr = np.ascontiguousarray(values, dtype=np.float64)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be a 1-D array, got shape {arr.shape}")
    return arr


def same_length(**arrays: NDArray[Any]) -> int:
    """Return the common length of ``arrays`` or raise naming each length."""
    lengths = {name: int(arr.shape[0]) for name, arr in arrays.items()}
    if len(set(lengths.values())) > 1:
        shown = ", ".join(f"{name}={n}" for name, n in lengths.items())
        raise ValueError(f"arrays must have equal length, got {shown}")
    return next(iter(lengths.values()), 0)


def check_period(value: int, name: str = "period", minimum: int = 1) -> int:
    """Return ``value`` when it is an integer ``>= minimum``; raise ValueError otherwise."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def zone_codes(values: NDArray[np.float64], overbought: float, oversold: float) -> NDArray[np.int8]:
    """Return +1 above ``overbought``, -1 below ``oversold``, 0 otherwise (and for NaN)."""
    if not oversold < overbought:
        raise ValueError(f"oversold ({oversold}) must be below overbought ({overbought})")
    out = np.zeros(values.shape, dtype=np.int8)
    out[values > overbought] = OVERBOUGHT
    out[values < oversold] = OVERSOLD
    return out
