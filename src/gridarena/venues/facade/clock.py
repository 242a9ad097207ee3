"""The venue's clock: the market moves on request (manual) or in the background (replay).

One tick is one candle-path segment (four per candle). In replay mode a tick lasts
``timeframe / 4 / speed`` of wall time; speed 0 replays as fast as the event loop allows while
still serving requests between ticks.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from gridarena.venues.facade.config import ClockMode
from gridarena.venues.sim.exchange import SimExchange
from gridarena.venues.sim.market import PHASES

_FAST_BATCH = 16  # ticks per loop turn at speed 0: requests still get served in between
_MAX_NAP_S = 0.02


@dataclass(slots=True)
class SimClock:
    """Advance a `SimExchange` tick by tick, by hand or at a multiple of real time."""

    exchange: SimExchange
    mode: ClockMode = "manual"
    speed: float = 1.0
    monotonic: Callable[[], float] = time.monotonic
    ticks: int = 0
    _task: asyncio.Task[None] | None = field(default=None, repr=False)

    @property
    def tick_ms(self) -> int:
        """Return the market time one tick covers."""
        frames = [m.candles.timeframe_ms for m in self.exchange.markets.values()]
        return max(1, min(frames) // PHASES) if frames else 1

    def now_ms(self) -> int:
        """Return the venue time: the latest market's current tick."""
        return max((m.ts_ms() for m in self.exchange.markets.values()), default=0)

    def advance(self, ticks: int) -> int:
        """Step up to ``ticks`` ticks (fewer when the replay ends); return how many ran."""
        done = 0
        while done < ticks and not self.exchange.done:
            self.exchange.step()
            done += 1
        self.ticks += done
        return done

    @property
    def running(self) -> bool:
        """Tell whether the background replay is running."""
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        """Start the background replay (replay mode only; call inside the event loop)."""
        if self.mode == "replay" and not self.running:
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        """Stop the background replay."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self) -> None:
        if self.speed == 0:
            while not self.exchange.done:
                self.advance(_FAST_BATCH)
                await asyncio.sleep(0)
            return
        tick_s = self.tick_ms / 1000.0 / self.speed
        start = self.monotonic()
        stepped = 0
        while not self.exchange.done:
            due = int((self.monotonic() - start) / tick_s)
            if due > stepped:
                stepped += self.advance(due - stepped)
            wait = start + (stepped + 1) * tick_s - self.monotonic()
            # Short naps keep the replay on time even when the clock source jumps.
            await asyncio.sleep(min(max(0.0, wait), _MAX_NAP_S))

    def state(self) -> dict[str, object]:
        """Return the clock for ``/sim/state``."""
        return {
            "mode": self.mode,
            "speed": self.speed,
            "running": self.running,
            "ticks": self.ticks,
            "tick_ms": self.tick_ms,
            "time": self.now_ms(),
            "done": self.exchange.done,
        }
