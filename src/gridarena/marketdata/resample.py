"""Aggregate candles to a coarser timeframe with numpy reductions (no per-row Python loop)."""

from __future__ import annotations

import numpy as np

from gridarena.marketdata.candles import Candles
from gridarena.marketdata.timeframes import format_timeframe, parse_timeframe

__all__ = ["parse_timeframe", "resample"]

_WEEK_MS = 604_800_000
# The epoch (1970-01-01) is a Thursday; weekly buckets start on Monday like exchange candles.
_MONDAY_OFFSET_MS = 4 * 86_400_000


def resample(c: Candles, timeframe: str | int) -> Candles:
    """Aggregate ``c`` into ``timeframe`` buckets aligned to the UTC epoch.

    open = first, high = max, low = min, close = last, volume = sum. Buckets without
    source candles are absent (no forward fill); edge buckets may be partial. Weekly
    buckets start on Monday 00:00 UTC. The source must be sorted and the target a whole
    multiple of the source timeframe.
    """
    target = parse_timeframe(timeframe)
    source = c.timeframe_ms
    if source > 0 and (target < source or target % source != 0):
        raise ValueError(
            f"cannot resample {format_timeframe(source)} candles to "
            f"{format_timeframe(target)}: target must be a whole multiple of the source"
        )
    if len(c) == 0:
        return Candles(c.symbol, target, c.ts_ms, c.open, c.high, c.low, c.close, c.volume)
    if np.any(np.diff(c.ts_ms) <= 0):
        raise ValueError("cannot resample: timestamps are not strictly increasing")
    offset = _MONDAY_OFFSET_MS if target % _WEEK_MS == 0 else 0
    bucket = (c.ts_ms - offset) // target * target + offset
    starts = np.flatnonzero(np.r_[True, bucket[1:] != bucket[:-1]])
    ends = np.r_[starts[1:], len(c)] - 1
    return Candles(
        symbol=c.symbol,
        timeframe_ms=target,
        ts_ms=bucket[starts],
        open=c.open[starts],
        high=np.maximum.reduceat(c.high, starts),
        low=np.minimum.reduceat(c.low, starts),
        close=c.close[ends],
        volume=np.add.reduceat(c.volume, starts),
    )
