"""Volatility circuit breaker per symbol: pause on an ATR shock, gap or spike; resume when calm.

Seed 004: "pauses grids if ATR changes >30 % in one candle; auto-resumes when volatility
normalises". Resuming needs `calm_candles` consecutive calm candles, judged by thresholds
stricter than the trip thresholds, so a series hovering at the trip level cannot flap.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from gridarena.config.trading import RiskSettings
from gridarena.risk.types import ReasonCode

__all__ = [
    "BreakerAction",
    "BreakerCandle",
    "BreakerConfig",
    "BreakerEvent",
    "CandleArrays",
    "CircuitBreaker",
]


class BreakerAction(StrEnum):
    """What the breaker asks of the symbol's grids."""

    PAUSE = "PAUSE"
    RESUME = "RESUME"


@dataclass(frozen=True, slots=True)
class BreakerCandle:
    """One closed candle with the previous close and the ATR including this candle."""

    ts_ms: int
    open: float
    high: float
    low: float
    close: float
    prev_close: float | None
    atr: float | None


@dataclass(frozen=True, slots=True)
class BreakerEvent:
    """The breaker tripped (PAUSE) or volatility normalised (RESUME); `detail` has figures."""

    symbol: str
    kind: BreakerAction
    reason: ReasonCode
    at_ms: int
    triggers: tuple[str, ...] = ()
    detail: dict[str, float] = field(default_factory=dict)


def _check_fraction(name: str, value: float | None) -> None:
    if value is not None and (not math.isfinite(value) or value <= 0):
        raise ValueError(f"{name} must be a positive finite number, got {value}")


@dataclass(frozen=True, slots=True)
class BreakerConfig:
    """Trip and resume thresholds; `None` switches a criterion off.

    Trip when the ATR changes by more than `atr_change` (0.30 = 30 %) in one candle, when
    `|open − prev_close| / prev_close > gap_pct` (a fraction too: 0.02 = 2 %), or when the
    candle's `(high − low) / ATR > spike_multiple`. A candle is calm when it trips nothing
    and either its ATR is within `resume_ratio` of the pre-trip ATR (|ATR / ATR₀ − 1|) or its
    one-candle ATR change is below `resume_atr_change`.
    """

    atr_change: float | None = 0.30
    gap_pct: float | None = None
    spike_multiple: float | None = None
    resume_ratio: float | None = 0.15
    resume_atr_change: float | None = 0.10
    calm_candles: int = 3

    def __post_init__(self) -> None:
        for name in (
            "atr_change",
            "gap_pct",
            "spike_multiple",
            "resume_ratio",
            "resume_atr_change",
        ):
            _check_fraction(name, getattr(self, name))
        if self.atr_change is None and self.gap_pct is None and self.spike_multiple is None:
            raise ValueError("enable at least one of atr_change, gap_pct, spike_multiple")
        if self.resume_ratio is None and self.resume_atr_change is None:
            raise ValueError("enable at least one of resume_ratio, resume_atr_change")
        if (
            self.atr_change is not None
            and self.resume_atr_change is not None
            and self.resume_atr_change >= self.atr_change
        ):
            raise ValueError("resume_atr_change must be below atr_change (hysteresis)")
        if self.calm_candles < 1:
            raise ValueError(f"calm_candles must be >= 1, got {self.calm_candles}")

    @classmethod
    def from_settings(cls, risk: RiskSettings, **overrides: Any) -> BreakerConfig:
        """Build the config with `atr_change = risk.atr_spike_circuit_breaker`."""
        values: dict[str, Any] = {"atr_change": float(risk.atr_spike_circuit_breaker)}
        values.update(overrides)
        return cls(**values)


class CandleArrays(Protocol):
    """Parallel candle arrays (e.g. `gridarena.marketdata.Candles`)."""

    @property
    def ts_ms(self) -> NDArray[np.int64]: ...
    @property
    def open(self) -> NDArray[np.float64]: ...
    @property
    def high(self) -> NDArray[np.float64]: ...
    @property
    def low(self) -> NDArray[np.float64]: ...
    @property
    def close(self) -> NDArray[np.float64]: ...


def _positive(value: float | None) -> float | None:
    if value is None or not math.isfinite(value) or value <= 0:
        return None
    return float(value)


class CircuitBreaker:
    """Pause one symbol's grids on a volatility shock and resume them once it has passed."""

    def __init__(self, config: BreakerConfig | None = None, *, symbol: str = "") -> None:
        self.config = config or BreakerConfig()
        self.symbol = symbol
        self.paused = False
        self.paused_since_ms: int | None = None
        self.pre_trip_atr: float | None = None
        self.calm = 0
        self._prev_atr: float | None = None
        self._last_ts: int | None = None
        self._series: CandleArrays | None = None
        self._atr: NDArray[np.float64] | None = None

    @classmethod
    def from_settings(
        cls, risk: RiskSettings, *, symbol: str = "", **overrides: Any
    ) -> CircuitBreaker:
        """Build a breaker that trips on `risk.atr_spike_circuit_breaker` ATR changes."""
        return cls(BreakerConfig.from_settings(risk, **overrides), symbol=symbol)

    def update(self, candle: BreakerCandle) -> BreakerEvent | None:
        """Feed one closed candle; return PAUSE or RESUME when the state changes.

        A candle not newer than the last one fed is ignored, so a repeated call is harmless.
        """
        if self._last_ts is not None and candle.ts_ms <= self._last_ts:
            return None
        self._last_ts = candle.ts_ms
        cfg = self.config
        atr, prev_atr = _positive(candle.atr), self._prev_atr
        if atr is not None:
            self._prev_atr = atr
        figures: dict[str, float] = {}
        triggers: list[str] = []
        change = None
        if atr is not None and prev_atr is not None:
            change = abs(atr - prev_atr) / prev_atr
            figures.update(atr=atr, prev_atr=prev_atr, atr_change=change)
            if cfg.atr_change is not None and change > cfg.atr_change:
                triggers.append("atr_change")
        prev_close = _positive(candle.prev_close)
        if cfg.gap_pct is not None and prev_close is not None:
            gap = abs(candle.open - prev_close) / prev_close
            figures["gap"] = gap
            if gap > cfg.gap_pct:
                triggers.append("gap")
        if cfg.spike_multiple is not None and atr is not None:
            spike = (candle.high - candle.low) / atr
            figures["range_atr"] = spike
            if spike > cfg.spike_multiple:
                triggers.append("spike")

        if not self.paused:
            if not triggers:
                return None
            self.paused, self.paused_since_ms, self.calm = True, candle.ts_ms, 0
            self.pre_trip_atr = prev_atr if prev_atr is not None else atr
            return self._event(BreakerAction.PAUSE, candle.ts_ms, triggers, figures)

        calm = not triggers and self._is_calm(atr, change)
        self.calm = self.calm + 1 if calm else 0
        if self.calm < cfg.calm_candles:
            return None
        self.paused, self.paused_since_ms, self.calm = False, None, 0
        figures["calm_candles"] = float(cfg.calm_candles)
        if self.pre_trip_atr is not None:
            figures["pre_trip_atr"] = self.pre_trip_atr
        self.pre_trip_atr = None
        return self._event(BreakerAction.RESUME, candle.ts_ms, [], figures)

    def _is_calm(self, atr: float | None, change: float | None) -> bool:
        cfg, base = self.config, self.pre_trip_atr
        near_base = (
            cfg.resume_ratio is not None
            and atr is not None
            and base is not None
            and abs(atr / base - 1) <= cfg.resume_ratio
        )
        steady = (
            cfg.resume_atr_change is not None
            and change is not None
            and change < cfg.resume_atr_change
        )
        return near_base or steady

    def _event(
        self, kind: BreakerAction, ts_ms: int, triggers: list[str], figures: dict[str, float]
    ) -> BreakerEvent:
        reason = (
            ReasonCode.CIRCUIT_BREAKER if kind == BreakerAction.PAUSE else ReasonCode.CIRCUIT_RESET
        )
        return BreakerEvent(self.symbol, kind, reason, ts_ms, tuple(triggers), figures)

    # -- candle arrays (engine and backtests) ----------------------------------------------

    def bind(self, candles: CandleArrays, *, atr_period: int = 14) -> CircuitBreaker:
        """Attach candle arrays so `update_index(i)` can feed candle `i`; compute their ATR."""
        from gridarena.indicators.atr import atr

        self._series = candles
        self._atr = atr(candles.high, candles.low, candles.close, atr_period)
        return self

    def update_index(self, i: int) -> BreakerEvent | None:
        """Feed closed candle `i` of the bound arrays (see `bind`)."""
        series, atrs = self._series, self._atr
        if series is None or atrs is None:
            raise RuntimeError("bind() candle arrays before calling update_index()")
        if not 0 <= i < len(atrs):
            raise IndexError(f"candle index {i} out of range 0..{len(atrs) - 1}")
        candle = BreakerCandle(
            ts_ms=int(series.ts_ms[i]),
            open=float(series.open[i]),
            high=float(series.high[i]),
            low=float(series.low[i]),
            close=float(series.close[i]),
            prev_close=float(series.close[i - 1]) if i > 0 else None,
            atr=float(atrs[i]),
        )
        return self.update(candle)

    # -- persistence -----------------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        """Return the breaker's state as a JSON-able dict."""
        return {
            "symbol": self.symbol,
            "paused": self.paused,
            "paused_since_ms": self.paused_since_ms,
            "pre_trip_atr": self.pre_trip_atr,
            "calm": self.calm,
            "prev_atr": self._prev_atr,
            "last_ts": self._last_ts,
        }

    def restore(self, data: Mapping[str, Any]) -> None:
        """Replace the breaker's state with one produced by `snapshot`."""
        self.symbol = str(data.get("symbol", self.symbol))
        self.paused = bool(data["paused"])
        self.paused_since_ms = data.get("paused_since_ms")
        self.pre_trip_atr = data.get("pre_trip_atr")
        self.calm = int(data.get("calm", 0))
        self._prev_atr = data.get("prev_atr")
        self._last_ts = data.get("last_ts")
