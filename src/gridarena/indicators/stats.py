"""Realized volatility and rolling correlation of log returns (TA-Lib rolling sums)."""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
from numpy.typing import NDArray

from gridarena.indicators._common import check_period, same_length, series

__all__ = ["correlation", "log_returns", "periods_per_year", "realized_vol"]

_YEAR_MS = 365 * 86_400_000  # crypto trades every day of the year


def periods_per_year(timeframe_ms: int) -> float:
    """Return how many bars of ``timeframe_ms`` fit in a 365-day year."""
    if timeframe_ms <= 0:
        raise ValueError(f"timeframe_ms must be > 0, got {timeframe_ms}")
    return _YEAR_MS / timeframe_ms


def log_returns(close: npt.ArrayLike) -> NDArray[np.float64]:
    """Return ``ln(Cₜ / Cₜ₋₁)`` per bar; the first value (no previous close) is NaN."""
    c = series(close, "close")
    if np.any(c <= 0.0):
        raise ValueError("prices must be > 0 to take log returns")
    out = np.empty_like(c)
    out[:1] = np.nan
    np.log(c[1:] / c[:-1], out=out[1:])
    return out


def realized_vol(
    close: npt.ArrayLike,
    window: int,
    *,
    periods_per_year: float | None = None,
    ddof: int = 1,
) -> NDArray[np.float64]:
    """Return the rolling standard deviation of log returns over ``window`` returns.

    The value at bar t uses the returns of bars t − window + 1 … t, so the first ``window``
    values are NaN. ``ddof=1`` gives the sample deviation, ``ddof=0`` the population one.
    With ``periods_per_year`` (e.g. 525,600 for 1m bars) the result is annualised by
    ``√periods_per_year``.
    """
    check_period(window, "window", minimum=ddof + 1)
    if ddof not in (0, 1):
        raise ValueError(f"ddof must be 0 or 1, got {ddof}")
    if periods_per_year is not None and not (
        math.isfinite(periods_per_year) and periods_per_year > 0
    ):
        raise ValueError(f"periods_per_year must be a finite number > 0, got {periods_per_year}")
    import talib  # imported on use: talib pulls in pandas

    r = log_returns(close)
    if r.shape[0] <= window:
        return np.full(r.shape, np.nan)
    var = np.asarray(talib.VAR(r, timeperiod=window), dtype=np.float64)
    if ddof:
        var *= window / (window - ddof)
    # Rolling sums can leave −1e-20 where the true variance is 0.
    vol = np.sqrt(np.maximum(var, 0.0), where=~np.isnan(var), out=np.full_like(var, np.nan))
    if periods_per_year is not None:
        vol *= math.sqrt(periods_per_year)
    return vol


def correlation(a: npt.ArrayLike, b: npt.ArrayLike, window: int) -> NDArray[np.float64]:
    """Return the rolling Pearson correlation of the log returns of two price series.

    The value at bar t uses the returns of bars t − window + 1 … t (first ``window`` values
    NaN). A window where either series did not move reads 0 (TA-Lib's convention).
    """
    check_period(window, "window", minimum=2)
    ra, rb = log_returns(series(a, "a")), log_returns(series(b, "b"))
    same_length(a=ra, b=rb)
    if ra.shape[0] <= window:
        return np.full(ra.shape, np.nan)
    import talib

    return np.asarray(talib.CORREL(ra, rb, timeperiod=window), dtype=np.float64)
