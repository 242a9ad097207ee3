"""Price change over a rolling time window (3 minutes by default, seed 001)."""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
from numpy.typing import NDArray

from gridarena.indicators._common import TREND_LABELS, same_length, series
from gridarena.indicators.snapshot import PriceStats

__all__ = ["price_stats"]


def check_window(window_s: float, trend_pct: float) -> int:
    """Return the window in ms after checking both arguments."""
    if not (math.isfinite(window_s) and window_s > 0):
        raise ValueError(f"window_s must be a finite number of seconds > 0, got {window_s}")
    if not (math.isfinite(trend_pct) and trend_pct >= 0):
        raise ValueError(f"trend_pct must be a finite percentage >= 0, got {trend_pct}")
    return max(1, round(window_s * 1000))


def window_prices(
    ts: NDArray[np.int64],
    close: NDArray[np.float64],
    high: NDArray[np.float64],
    low: NDArray[np.float64],
    now: NDArray[np.int64],
    window_ms: int,
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Return ``(reference, current, high, low)`` of the window ending at each ``now``."""
    if ts.shape[0] == 0 or (now.shape[0] and int(now.min()) < int(ts[0])):
        raise ValueError(f"no price observed at or before now_ms={int(now.min())}")
    if ts.shape[0] > 1 and bool(np.any(ts[1:] < ts[:-1])):
        raise ValueError("ts_ms must be sorted in ascending order")
    from gridarena.indicators._kernels import window_kernel  # numba loads on first use

    ref, cur, hi, lo = window_kernel(ts, close, high, low, now, window_ms)
    return ref, cur, hi, lo


def stats_from(
    window_s: int, ref: float, cur: float, high: float, low: float, trend_pct: float
) -> PriceStats:
    """Build :class:`PriceStats` from a window's reference, current, high and low prices."""
    change = cur - ref
    pct = change / ref * 100.0
    code = 1 if pct > trend_pct else (-1 if pct < -trend_pct else 0)
    return PriceStats(
        window_s=window_s,
        change_pct=pct,
        change_abs=change,
        high=high,
        low=low,
        volatility=(high - low) / ref * 100.0,
        trend=TREND_LABELS[code],
    )


def price_stats(
    ts_ms: npt.ArrayLike,
    close: npt.ArrayLike,
    high: npt.ArrayLike,
    low: npt.ArrayLike,
    now_ms: int,
    window_s: float = 180,
    *,
    trend_pct: float = 0.05,
) -> PriceStats:
    """Summarise the prices observed in the window ``(now_ms − window_s, now_ms]``.

    ``ts_ms[i]`` is when ``close[i]`` was observed (for candles: the close time, open +
    timeframe) and ``high[i]``/``low[i]`` are the extremes of the interval ending there;
    ``ts_ms`` must be sorted. Samples after ``now_ms`` are ignored (no look-ahead).

    * change: last close at or before ``now_ms`` minus the reference close, the last one at
      or before the window start (the first close when the data starts inside the window);
      ``change_pct`` is in % of the reference.
    * high / low: extremes of the samples inside the window (the current price if none).
    * volatility: ``100 · (high − low) / reference`` — the window's range in %.
    * trend: BULLISH above ``+trend_pct`` %, BEARISH below ``−trend_pct`` %, else NEUTRAL.
    """
    window_ms = check_window(window_s, trend_pct)
    ts = np.ascontiguousarray(ts_ms, dtype=np.int64)
    if ts.ndim != 1:
        raise ValueError(f"ts_ms must be a 1-D array, got shape {ts.shape}")
    c, h, lo = series(close, "close"), series(high, "high"), series(low, "low")
    same_length(ts_ms=ts, close=c, high=h, low=lo)
    now = np.array([now_ms], dtype=np.int64)
    ref, cur, hi, low_ = window_prices(ts, c, h, lo, now, window_ms)
    return stats_from(
        round(window_ms / 1000),
        float(ref[0]),
        float(cur[0]),
        float(hi[0]),
        float(low_[0]),
        trend_pct,
    )
