"""A replayed market: candles walked one path segment (tick) at a time (DESIGN.md §3).

Each candle is four ticks: previous close → open (the gap), open → nearer extreme, → farther
extreme, → close (or the fixed OHLC / OLHC orders). The simulated venue matches orders on each
tick, and the engine reacts between ticks, which is what lets a counter order fill later in the
same candle exactly when the backtest kernel says it would.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np

from gridarena.domain.instrument import Instrument
from gridarena.marketdata.candles import Candles, Funding

PHASES = 4


@dataclass(slots=True)
class SimMarket:
    """One symbol's replay cursor: candle ``i``, next phase, current price."""

    instrument: Instrument
    candles: Candles
    funding: Funding | None = None
    path: str = "nearest"
    i: int = 0
    phase: int = 0
    price: float = field(init=False)
    funding_next: int = field(init=False, default=0)
    _ts: int = field(init=False, default=0)
    _n: int = field(init=False, default=0)
    _step_ms: int = field(init=False, default=0)
    _dec_of: float = field(init=False, default=float("nan"))
    _dec: Decimal = field(init=False, default=Decimal(0))

    def __post_init__(self) -> None:
        if len(self.candles) == 0:
            raise ValueError(f"{self.symbol}: no candles to replay")
        self.price = float(self.candles.open[0])
        self._n = len(self.candles)
        self._step_ms = self.candles.timeframe_ms // PHASES
        self._ts = self._tick_ts()
        if self.funding is not None:
            # Funding before the first candle belongs to history, not to this replay.
            self.funding_next = int(np.searchsorted(self.funding.ts_ms, self.candles.ts_ms[0]))

    @property
    def symbol(self) -> str:
        """Return the instrument's symbol."""
        return self.instrument.symbol

    @property
    def done(self) -> bool:
        """Tell whether every candle has been replayed."""
        return self.i >= self._n

    @property
    def price_decimal(self) -> Decimal:
        """Return the current price as an exact decimal (candle prices are tick multiples)."""
        if self.price != self._dec_of:
            self._dec_of = self.price
            self._dec = Decimal(repr(self.price))
        return self._dec

    def ts_ms(self) -> int:
        """Return the timestamp of the current tick inside its candle."""
        return self._ts

    def _tick_ts(self) -> int:
        if self.i >= self._n:
            return int(self.candles.ts_ms[self._n - 1]) + (PHASES - 1) * self._step_ms
        return int(self.candles.ts_ms[self.i]) + self.phase * self._step_ms

    def segment(self) -> tuple[float, float, bool]:
        """Return (from, to, is_gap) of the next tick without moving."""
        c = self.candles
        i = self.i
        o, h, lo = float(c.open[i]), float(c.high[i]), float(c.low[i])
        if self.phase == 0:
            return self.price, o, True
        if self.path == "ohlc":
            high_first = True
        elif self.path == "olhc":
            high_first = False
        else:
            high_first = (h - o) < (o - lo)
        first, second = (h, lo) if high_first else (lo, h)
        if self.phase == 1:
            return self.price, first, False
        if self.phase == 2:
            return self.price, second, False
        return self.price, float(c.close[i]), False

    def due_funding(self) -> list[tuple[float, int]]:
        """Pop the funding events due at the current candle's open: (rate, ts_ms) pairs."""
        out: list[tuple[float, int]] = []
        f = self.funding
        if f is None or self.phase != 0:
            return out
        ts = int(self.candles.ts_ms[self.i])
        while self.funding_next < len(f) and int(f.ts_ms[self.funding_next]) <= ts:
            out.append((float(f.rate[self.funding_next]), int(f.ts_ms[self.funding_next])))
            self.funding_next += 1
        return out

    def finish_tick(self, price: float) -> None:
        """Record where the tick ended and move the cursor to the next one."""
        self.price = price
        self.phase += 1
        if self.phase == PHASES:
            self.phase = 0
            self.i += 1
        self._ts = self._tick_ts()
