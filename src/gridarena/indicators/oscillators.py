"""RSI (TA-Lib, Wilder smoothing) and KDJ (compiled; TA-Lib has no KDJ), with their states.

TA-Lib's RSI: the first value (index ``period``) uses the plain means of the gains and losses
over the first ``period`` changes, then ``avgₜ = (avgₜ₋₁ · (period − 1) + xₜ) / period``;
``RSI = 100 · avg_gain / (avg_gain + avg_loss)``, and 0 when both averages are 0 (a flat
market reads as 0, not 50: TA-Lib's choice, kept so the streaming version matches it).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from numpy.typing import NDArray

from gridarena.indicators._common import (
    DEATH,
    GOLDEN,
    check_period,
    same_length,
    series,
    zone_codes,
)

__all__ = ["kdj", "kdj_cross", "kdj_state", "rsi", "rsi_state"]


def rsi(close: npt.ArrayLike, period: int = 14) -> NDArray[np.float64]:
    """Return TA-Lib's RSI of ``close``; the first ``period`` values are NaN."""
    check_period(period, minimum=2)  # TA-Lib rejects 1
    import talib  # imported on use: talib pulls in pandas

    return np.asarray(talib.RSI(series(close, "close"), timeperiod=period), dtype=np.float64)


def rsi_state(
    values: npt.ArrayLike, overbought: float = 70.0, oversold: float = 30.0
) -> NDArray[np.int8]:
    """Return +1 where RSI > ``overbought``, -1 where RSI < ``oversold``, else 0 (NaN too)."""
    return zone_codes(np.asarray(values, dtype=np.float64), overbought, oversold)


def kdj(
    high: npt.ArrayLike,
    low: npt.ArrayLike,
    close: npt.ArrayLike,
    n: int = 9,
    m1: int = 3,
    m2: int = 3,
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Return the KDJ lines ``(k, d, j)``; NaN before index ``n − 1``.

    ``RSV = 100 · (C − lowest low) / (highest high − lowest low)`` over the last ``n`` bars,
    ``Kₜ = (m1 − 1)/m1 · Kₜ₋₁ + RSVₜ/m1`` and ``Dₜ = (m2 − 1)/m2 · Dₜ₋₁ + Kₜ/m2``, both
    starting from 50, and ``J = 3K − 2D``. A window with no range (highest = lowest) leaves
    K unchanged.
    """
    check_period(n, "n")
    check_period(m1, "m1")
    check_period(m2, "m2")
    h, lo, c = series(high, "high"), series(low, "low"), series(close, "close")
    same_length(high=h, low=lo, close=c)
    from gridarena.indicators._kernels import kdj_kernel  # numba loads on first use

    k, d, j = kdj_kernel(h, lo, c, n, m1, m2)
    return k, d, j


def kdj_state(
    k: npt.ArrayLike, overbought: float = 80.0, oversold: float = 20.0
) -> NDArray[np.int8]:
    """Return +1 where K > ``overbought``, -1 where K < ``oversold``, else 0 (NaN too)."""
    return zone_codes(np.asarray(k, dtype=np.float64), overbought, oversold)


def kdj_cross(k: npt.ArrayLike, d: npt.ArrayLike) -> NDArray[np.int8]:
    """Return +1 where K crosses above D on this bar (golden), -1 below (death), else 0.

    A cross at bar t means ``K ≤ D`` at t − 1 and ``K > D`` at t (golden), or the reverse.
    """
    kk, dd = np.asarray(k, dtype=np.float64), np.asarray(d, dtype=np.float64)
    if kk.ndim != 1 or kk.shape != dd.shape:
        raise ValueError(f"k and d must be 1-D arrays of equal length, got {kk.shape, dd.shape}")
    out = np.zeros(kk.shape, dtype=np.int8)
    prev_k, prev_d, cur_k, cur_d = kk[:-1], dd[:-1], kk[1:], dd[1:]
    out[1:][(prev_k <= prev_d) & (cur_k > cur_d)] = GOLDEN
    out[1:][(prev_k >= prev_d) & (cur_k < cur_d)] = DEATH
    return out
