"""Exponential moving averages, MACD and trend classification (TA-Lib for the averages).

TA-Lib conventions, which the streaming classes reproduce exactly:

* ``EMA(p)`` is seeded with the simple mean of the first ``p`` values (index ``p − 1``), then
  ``EMAₜ = (xₜ − EMAₜ₋₁)·k + EMAₜ₋₁`` with ``k = 2 / (p + 1)``.
* ``MACD`` seeds BOTH averages at index ``slow − 1``: the slow one with the mean of the first
  ``slow`` values, the fast one with the mean of the ``fast`` values ending there. Its fast
  line therefore differs from a standalone ``EMA(fast)`` (which starts earlier). The signal
  is an EMA of the MACD line seeded the same way, and all three outputs are NaN before index
  ``slow + signal − 2``.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from numpy.typing import NDArray

from gridarena.indicators._common import BEARISH, BULLISH, check_period, series

__all__ = ["ema", "macd", "macd_trend", "trend"]


def ema(close: npt.ArrayLike, period: int) -> NDArray[np.float64]:
    """Return TA-Lib's EMA of ``close``; the first ``period − 1`` values are NaN."""
    check_period(period)
    import talib  # imported on use: talib pulls in pandas, ~0.4 s of start-up

    return np.asarray(talib.EMA(series(close, "close"), timeperiod=period), dtype=np.float64)


def macd(
    close: npt.ArrayLike, fast: int = 12, slow: int = 26, signal: int = 9
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Return TA-Lib's ``(macd, signal, hist)``; NaN before index ``slow + signal − 2``."""
    check_period(fast, "fast", minimum=2)  # TA-Lib's own lower bounds
    check_period(slow, "slow", minimum=2)
    check_period(signal, "signal")
    if fast >= slow:
        # TA-Lib would silently swap them; a swapped config is a mistake worth reporting.
        raise ValueError(f"fast ({fast}) must be shorter than slow ({slow})")
    import talib

    line, sig, hist = talib.MACD(
        series(close, "close"), fastperiod=fast, slowperiod=slow, signalperiod=signal
    )
    f64 = np.float64
    return np.asarray(line, f64), np.asarray(sig, f64), np.asarray(hist, f64)


def macd_trend(
    macd_line: npt.ArrayLike, signal_line: npt.ArrayLike, hist: npt.ArrayLike
) -> NDArray[np.int8]:
    """Classify each bar: +1 (bullish) when macd > signal and hist > 0, -1 when both are
    below, 0 otherwise (including warm-up NaN)."""
    m, s, h = (np.asarray(a, dtype=np.float64) for a in (macd_line, signal_line, hist))
    if not m.shape == s.shape == h.shape:
        raise ValueError(f"macd, signal, hist must have equal shapes: {m.shape, s.shape, h.shape}")
    out = np.zeros(m.shape, dtype=np.int8)
    out[(m > s) & (h > 0.0)] = BULLISH
    out[(m < s) & (h < 0.0)] = BEARISH
    return out


def trend(
    close: npt.ArrayLike,
    fast: int = 12,
    slow: int = 26,
    *,
    slope_bars: int = 3,
    threshold: float = 0.0,
) -> NDArray[np.int8]:
    """Classify each bar from ``EMA(fast)`` against ``EMA(slow)`` and the slow EMA's slope.

    +1 (bullish) when ``EMA_fast > EMA_slow · (1 + threshold)`` and the slow EMA rose over the
    last ``slope_bars`` bars; -1 (bearish) when the fast EMA is below ``EMA_slow · (1 −
    threshold)`` and the slow EMA fell; 0 otherwise, and until ``slow − 1 + slope_bars``.
    """
    check_period(fast, "fast")
    check_period(slow, "slow")
    check_period(slope_bars, "slope_bars")
    if fast >= slow:
        raise ValueError(f"fast ({fast}) must be shorter than slow ({slow})")
    if not threshold >= 0.0:
        raise ValueError(f"threshold must be >= 0, got {threshold}")
    c = series(close, "close")
    ef, es = ema(c, fast), ema(c, slow)
    slope = np.full(c.shape, np.nan)
    slope[slope_bars:] = es[slope_bars:] - es[:-slope_bars]
    out = np.zeros(c.shape, dtype=np.int8)
    out[(ef > es * (1.0 + threshold)) & (slope > 0.0)] = BULLISH
    out[(ef < es * (1.0 - threshold)) & (slope < 0.0)] = BEARISH
    return out
