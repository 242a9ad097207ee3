"""What a client may see of a replayed market: candles up to the cursor, never the future.

Candles before the cursor are complete; the current one is partial — its high and low are the
path points reached so far and its close is the current price — exactly as a live venue shows
the candle that is still open.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from gridarena.venues.facade.errors import BinanceError
from gridarena.venues.sim.market import SimMarket

WEEK_OFFSET_MS = 4 * 86_400_000  # Binance's weeks open on Monday; the epoch was a Thursday
INTERVALS_MS: dict[str, int] = {
    "1m": 60_000,
    "3m": 180_000,
    "5m": 300_000,
    "15m": 900_000,
    "30m": 1_800_000,
    "1h": 3_600_000,
    "2h": 7_200_000,
    "4h": 14_400_000,
    "6h": 21_600_000,
    "8h": 28_800_000,
    "12h": 43_200_000,
    "1d": 86_400_000,
    "3d": 259_200_000,
    "1w": 604_800_000,
}


@dataclass(frozen=True, slots=True)
class Bars:
    """Column arrays of aggregated candles."""

    ts: NDArray[np.int64]
    open: NDArray[np.float64]
    high: NDArray[np.float64]
    low: NDArray[np.float64]
    close: NDArray[np.float64]
    volume: NDArray[np.float64]

    def __len__(self) -> int:
        return int(self.ts.shape[0])


def visible_count(market: SimMarket) -> int:
    """Return how many candles a client can see (the partial current one included)."""
    n = len(market.candles)
    if market.done:
        return n
    return market.i + (1 if market.phase > 0 else 0)


def _partial(market: SimMarket) -> tuple[float, float, float, float]:
    """Return (high, low, close, volume share) of the current, unfinished candle."""
    c, i = market.candles, market.i
    o, h, lo = float(c.open[i]), float(c.high[i]), float(c.low[i])
    if market.path == "ohlc":
        high_first = True
    elif market.path == "olhc":
        high_first = False
    else:
        high_first = (h - o) < (o - lo)
    points = [o, *((h, lo) if high_first else (lo, h))][: market.phase]
    points.append(market.price)
    return max(points), min(points), market.price, (market.phase - 1) / 3


def _window(market: SimMarket, lo: int, hi: int) -> Bars:
    c = market.candles
    bars = Bars(
        c.ts_ms[lo:hi].copy(),
        c.open[lo:hi].copy(),
        c.high[lo:hi].copy(),
        c.low[lo:hi].copy(),
        c.close[lo:hi].copy(),
        c.volume[lo:hi].copy(),
    )
    if hi > lo and not market.done and market.phase > 0 and hi - 1 == market.i:
        high, low, close, share = _partial(market)
        bars.high[-1], bars.low[-1], bars.close[-1] = high, low, close
        bars.volume[-1] *= share
    return bars


def interval_ms(interval: str, base_ms: int) -> int:
    """Return an interval's length; -1120 when unknown or finer than the replayed candles."""
    size = INTERVALS_MS.get(interval)
    if size is None or size < base_ms or size % base_ms:
        raise BinanceError(-1120, "Invalid interval.")
    return size


def klines(market: SimMarket, size: int, start: int | None, end: int | None, limit: int) -> Bars:
    """Return up to ``limit`` bars of ``size`` ms opening in [start, end], oldest first.

    With no ``start`` the most recent bars are returned, as Binance does.
    """
    c = market.candles
    ts = c.ts_ms[: visible_count(market)]
    offset = WEEK_OFFSET_MS if size == INTERVALS_MS["1w"] else 0
    ratio = size // c.timeframe_ms
    hi = len(ts) if end is None else int(np.searchsorted(ts, end, "right"))
    if start is not None:
        first = -((offset - start) // size) * size + offset  # first bar opening at/after start
        lo = int(np.searchsorted(ts, first, "left"))
        hi = min(hi, lo + limit * ratio)
    else:
        lo = max(0, hi - limit * ratio)
        if lo < hi:
            aligned = (int(ts[lo]) - offset) // size * size + offset
            lo = int(np.searchsorted(ts, aligned, "left"))
    if hi <= lo:
        empty_i = np.empty(0, np.int64)
        empty_f = np.empty(0, np.float64)
        return Bars(empty_i, empty_f, empty_f, empty_f, empty_f, empty_f)
    w = _window(market, lo, hi)
    if ratio == 1:
        bars = w
    else:
        bucket = (w.ts - offset) // size
        starts = np.flatnonzero(np.r_[True, bucket[1:] != bucket[:-1]])
        ends = np.r_[starts[1:], len(w)] - 1
        bars = Bars(
            bucket[starts] * size + offset,
            w.open[starts],
            np.maximum.reduceat(w.high, starts),
            np.minimum.reduceat(w.low, starts),
            w.close[ends],
            np.add.reduceat(w.volume, starts),
        )
    if len(bars) > limit:
        keep = slice(0, limit) if start is not None else slice(len(bars) - limit, None)
        bars = Bars(*(getattr(bars, name)[keep] for name in Bars.__slots__))
    return bars


def day_stats(market: SimMarket, now_ms: int) -> Bars | None:
    """Return the candles of the last 24 hours up to now (None before the first candle)."""
    n = visible_count(market)
    if n == 0:
        return None
    ts = market.candles.ts_ms[:n]
    lo = int(np.searchsorted(ts, now_ms - 86_400_000, "right"))
    return _window(market, min(lo, n - 1), n)
