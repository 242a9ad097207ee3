"""True range and Wilder's Average True Range (TA-Lib)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from numpy.typing import NDArray


def _hlc(
    high: npt.ArrayLike, low: npt.ArrayLike, close: npt.ArrayLike
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    # TA-Lib needs contiguous float64 buffers of equal length.
    h, lo, c = (np.ascontiguousarray(x, dtype=np.float64) for x in (high, low, close))
    if h.ndim != 1 or h.shape != lo.shape or h.shape != c.shape:
        shapes = (h.shape, lo.shape, c.shape)
        raise ValueError(f"high, low, close must be 1-D arrays of equal length, got {shapes}")
    return h, lo, c


def true_range(
    high: npt.ArrayLike, low: npt.ArrayLike, close: npt.ArrayLike
) -> NDArray[np.float64]:
    """Return max(H − L, |H − C₋₁|, |L − C₋₁|) per bar; the first bar (no C₋₁) is NaN."""
    import talib  # imported on use: talib pulls in pandas, ~0.4 s of CLI start-up

    h, lo, c = _hlc(high, low, close)
    return np.asarray(talib.TRANGE(h, lo, c), dtype=np.float64)


def atr(
    high: npt.ArrayLike, low: npt.ArrayLike, close: npt.ArrayLike, period: int = 14
) -> NDArray[np.float64]:
    """Return Wilder's ATR; the first `period` values are NaN.

    The first value (index `period`) is the mean of true ranges 1..period, then
    ATRₜ = (ATRₜ₋₁ · (period − 1) + TRₜ) / period.
    """
    if period < 1:
        raise ValueError(f"period must be >= 1, got {period}")
    import talib

    h, lo, c = _hlc(high, low, close)
    return np.asarray(talib.ATR(h, lo, c, timeperiod=period), dtype=np.float64)
