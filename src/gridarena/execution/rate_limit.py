"""Per-venue, per-key rate limiting: request weight and order counts in rolling windows,
pauses after 429 (Retry-After) and bans after 418, and one lane for signed calls.
"""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass, field

from gridarena.engine.clock import Clock, RealClock


@dataclass(frozen=True, slots=True)
class Limits:
    """A venue's published limits (Binance USD-M defaults)."""

    weight_per_minute: int = 2400
    orders_per_10s: int = 300
    orders_per_minute: int = 1200
    ban_seconds: float = 120.0  # how long to stay away after a 418 without Retry-After


@dataclass
class _Window:
    span: float
    limit: int
    events: deque[tuple[float, int]] = field(default_factory=deque)
    used: int = 0

    def trim(self, now: float) -> None:
        while self.events and self.events[0][0] <= now - self.span:
            self.used -= self.events.popleft()[1]

    def wait(self, now: float, cost: int) -> float:
        """Return how long until ``cost`` more fits (0 when it fits now)."""
        self.trim(now)
        if self.used + cost <= self.limit or not self.events:
            return 0.0
        over = self.used + cost - self.limit
        freed = 0
        for t, c in self.events:
            freed += c
            if freed >= over:
                return t + self.span - now
        return self.span

    def add(self, now: float, cost: int) -> None:
        self.events.append((now, cost))
        self.used += cost


class RateLimiter:
    """Pace one API key's calls so the venue never has to refuse them."""

    def __init__(self, limits: Limits = Limits(), *, clock: Clock | None = None) -> None:
        self.limits = limits
        self.clock = clock or RealClock()
        self._weight = _Window(60.0, limits.weight_per_minute)
        self._orders_10s = _Window(10.0, limits.orders_per_10s)
        self._orders_1m = _Window(60.0, limits.orders_per_minute)
        self._paused_until = 0.0
        self._lock = asyncio.Lock()
        self.signed = asyncio.Lock()  # hold around signed calls whose nonce must increase
        self.waited = 0.0

    async def acquire(self, *, weight: int = 1, orders: int = 0) -> None:
        """Wait until a call of ``weight`` placing ``orders`` orders fits every window."""
        async with self._lock:
            while True:
                now = self.clock.now()
                wait = max(
                    self._paused_until - now,
                    self._weight.wait(now, weight),
                    self._orders_10s.wait(now, orders) if orders else 0.0,
                    self._orders_1m.wait(now, orders) if orders else 0.0,
                )
                if wait <= 0:
                    break
                self.waited += wait
                await self.clock.sleep(wait)
            now = self.clock.now()
            self._weight.add(now, weight)
            if orders:
                self._orders_10s.add(now, orders)
                self._orders_1m.add(now, orders)

    def back_off(self, retry_after: float | None, *, banned: bool = False) -> None:
        """Pause every call after a 429 (``retry_after``) or a 418 ban."""
        if retry_after is None:
            retry_after = self.limits.ban_seconds if banned else 1.0
        self._paused_until = max(self._paused_until, self.clock.now() + retry_after)

    def observe(self, used_weight: int | None) -> None:
        """Align with the venue's own count (``X-MBX-USED-WEIGHT-1M``) when it reports one."""
        if used_weight is None:
            return
        now = self.clock.now()
        self._weight.trim(now)
        extra = used_weight - self._weight.used
        if extra > 0:
            self._weight.add(now, extra)
