"""Synthetic perpetual funding: events every few hours, driven by the recent trend."""

from __future__ import annotations

import math

import numpy as np
from numpy.random import PCG64, Generator
from numpy.typing import NDArray

from gridarena.marketdata._pathsim import ar1
from gridarena.marketdata.candles import Candles, Funding

HOUR_MS = 3_600_000
BASE_RATE = 0.0001  # Binance's default 0.01 % per 8 h (interest component, flat premium)
TREND_SENSITIVITY = 0.005  # a +10 % day adds +0.05 % per event: longs pay up in rallies
NOISE_STD = 0.00004
RATE_CAP = 0.003


def generate_funding(
    candles: Candles, *, seed: int = 42, interval_h: int = 8, lookback_h: int = 24
) -> Funding:
    """Generate funding events at every UTC multiple of ``interval_h`` within the candles.

    ``rate = 0.0001 + 0.005 * (log return over the last lookback_h hours) + AR(1) noise``,
    clipped to +-0.3 %; deterministic for a given seed. Returns no events for empty candles.
    """
    if interval_h <= 0:
        raise ValueError(f"interval_h must be positive, got {interval_h}")
    step = interval_h * HOUR_MS
    if len(candles) == 0:
        return Funding(ts_ms=np.empty(0, np.int64), rate=np.empty(0, np.float64))
    first = int(candles.ts_ms[0])
    end = int(candles.ts_ms[-1]) + max(candles.timeframe_ms, 1)
    ts = np.arange(-(-first // step) * step, end, step, dtype=np.int64)
    if ts.size == 0:
        return Funding(ts_ms=ts, rate=np.empty(0, np.float64))
    # Price known at an event = close of the last candle that closed at or before it.
    close_ts = candles.ts_ms + candles.timeframe_ms
    log_close = np.log(candles.close)

    def price_at(t: NDArray[np.int64]) -> NDArray[np.float64]:
        idx = np.searchsorted(close_ts, t, side="right") - 1
        return np.where(idx >= 0, log_close[np.maximum(idx, 0)], math.log(candles.open[0]))

    trend = price_at(ts) - price_at(ts - lookback_h * HOUR_MS)
    rng = Generator(PCG64(seed))
    # Premiums persist between events: the noise is an AR(1), not white.
    smooth = ar1(rng.standard_normal(ts.size) * NOISE_STD, 0.6)
    rate = np.clip(BASE_RATE + TREND_SENSITIVITY * trend + 0.8 * smooth, -RATE_CAP, RATE_CAP)
    return Funding(ts_ms=ts, rate=np.round(rate, 8))
