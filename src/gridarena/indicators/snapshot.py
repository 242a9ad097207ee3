"""The market snapshot: what every provider is shown for one decision cycle and symbol.

One snapshot is built per cycle and symbol, hashed (SHA-256 of its canonical JSON), stored,
and handed identically to every provider (same-snapshot fairness). Fields are plain floats
and strings so the snapshot serialises to the same bytes everywhere.
"""

from __future__ import annotations

import hashlib
from typing import Literal

from pydantic import BaseModel, ConfigDict

__all__ = [
    "DepthStats",
    "IndicatorValues",
    "MarketSnapshot",
    "Pressure",
    "PriceStats",
    "Trend",
]

Trend = Literal["BULLISH", "BEARISH", "NEUTRAL"]
Pressure = Literal["BUYING", "SELLING", "NEUTRAL"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class PriceStats(_Frozen):
    """Price change over a rolling window (3 minutes by default)."""

    window_s: int
    change_pct: float
    change_abs: float
    high: float
    low: float
    volatility: float
    trend: Trend


class IndicatorValues(_Frozen):
    """Indicator values at the snapshot's candle; None while an indicator warms up."""

    ema_fast: float | None = None
    ema_slow: float | None = None
    macd: float | None = None
    macd_signal: float | None = None
    macd_hist: float | None = None
    macd_trend: Trend = "NEUTRAL"
    rsi: float | None = None
    rsi_state: Literal["OVERBOUGHT", "OVERSOLD", "NEUTRAL"] = "NEUTRAL"
    kdj_k: float | None = None
    kdj_d: float | None = None
    kdj_j: float | None = None
    kdj_state: Literal["OVERBOUGHT", "OVERSOLD", "NEUTRAL"] = "NEUTRAL"
    kdj_cross: Literal["GOLDEN", "DEATH", "NONE"] = "NONE"
    atr: float | None = None
    realized_vol: float | None = None
    trend: Trend = "NEUTRAL"


class DepthStats(_Frozen):
    """Order-book depth within ``levels`` levels (or ``bps`` of the mid when set)."""

    levels: int
    bps: float | None = None
    bid_volume: float
    ask_volume: float
    ratio: float
    pressure: Pressure


class MarketSnapshot(_Frozen):
    """Everything a provider sees of one symbol at one decision time."""

    symbol: str
    ts_ms: int
    timeframe_ms: int
    price: float
    bid: float | None = None
    ask: float | None = None
    stats: PriceStats
    indicators: IndicatorValues
    depth: DepthStats | None = None
    closes: tuple[float, ...] = ()
    highs: tuple[float, ...] = ()
    lows: tuple[float, ...] = ()

    def canonical_json(self) -> str:
        """Return the snapshot as compact JSON with sorted keys (the hashed bytes)."""
        import json

        return json.dumps(self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))

    def digest(self) -> str:
        """Return the SHA-256 hex digest of the canonical JSON."""
        return hashlib.sha256(self.canonical_json().encode()).hexdigest()
