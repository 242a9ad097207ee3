"""A venue wrapper that injects the faults real venues produce, for tests and fault drills.

Kinds: ``after_accept`` (the venue took the order, the reply is lost: timeout / 503 "execution
status unknown"), ``before_accept`` (nothing reached the venue, but the client cannot know),
``unavailable`` (connection refused), ``rate_limited`` (429 with Retry-After) and
``stale_absent`` (a read claims an existing order does not exist, as a lagging replica can).
Faults come from a script (deterministic) or a seeded rate.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterable

from gridarena.domain.orders import (
    Order,
    OrderRequest,
)
from gridarena.venues.base import Venue
from gridarena.venues.errors import OrderNotFound, OutcomeUnknown, RateLimited, VenueUnavailable
from gridarena.venues.proxy import VenueProxy

WRITE_KINDS = ("after_accept", "before_accept", "unavailable", "rate_limited")
READ_KINDS = ("unavailable", "stale_absent")


class FaultyVenue(VenueProxy):
    """Wrap ``inner`` and fail some calls the way networks and venues do."""

    def __init__(
        self,
        inner: Venue,
        *,
        script: Iterable[str | None] = (),
        rate: float = 0.0,
        kinds: Iterable[str] = WRITE_KINDS,
        read_rate: float = 0.0,
        seed: int = 0,
    ) -> None:
        super().__init__(inner)
        self.name = f"faulty-{inner.name}"
        self._script = list(script)
        self.rate = rate
        self.kinds = tuple(kinds)
        self.read_rate = read_rate
        self._rng = random.Random(seed)
        self.injected: Counter[str] = Counter()

    def _next_write_fault(self) -> str | None:
        if self._script:
            return self._script.pop(0)
        if self.rate and self._rng.random() < self.rate:
            return self._rng.choice(self.kinds)
        return None

    def _next_read_fault(self) -> str | None:
        if self.read_rate and self._rng.random() < self.read_rate:
            return self._rng.choice(READ_KINDS)
        return None

    async def _write(self, kind: str | None, call: object) -> Order:
        if kind is not None:
            self.injected[kind] += 1
        if kind == "before_accept":
            raise OutcomeUnknown("timed out before the venue answered")
        if kind == "unavailable":
            raise VenueUnavailable("connection refused")
        if kind == "rate_limited":
            raise RateLimited("Too many requests.", code=-1003, retry_after=0.01)
        order: Order = await call  # type: ignore[misc]
        if kind == "after_accept":
            raise OutcomeUnknown("503 Unknown error: execution status unknown")
        return order

    async def place_order(self, request: OrderRequest) -> Order:
        """Place an order, maybe failing around it."""
        kind = self._next_write_fault()
        if kind in ("before_accept", "unavailable", "rate_limited"):
            return await self._write(kind, None)
        return await self._write(kind, self.inner.place_order(request))

    async def cancel_order(self, symbol: str, client_id: str) -> Order:
        """Cancel an order, maybe failing around it."""
        kind = self._next_write_fault()
        if kind in ("before_accept", "unavailable", "rate_limited"):
            return await self._write(kind, None)
        return await self._write(kind, self.inner.cancel_order(symbol, client_id))

    async def get_order(self, symbol: str, client_id: str) -> Order:
        """Query an order, maybe failing or answering from a stale replica."""
        kind = self._next_read_fault()
        if kind == "unavailable":
            self.injected["read_unavailable"] += 1
            raise VenueUnavailable("connection reset")
        if kind == "stale_absent":
            self.injected["stale_absent"] += 1
            raise OrderNotFound("Order does not exist.", code=-2013)
        return await self.inner.get_order(symbol, client_id)
