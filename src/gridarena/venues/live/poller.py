"""The polled event stream of a ccxt venue (no websockets here): new fills and order changes.

Each round asks for fills since a cursor and yields those whose trade id is new, then compares
open orders with the last state it saw and yields an `OrderUpdate` for every change; an order
that left the open list is queried once by client id for its final state. The first round
yields only fills of orders this adapter knows (placed or seen this session), so an account's
old history is not replayed. A retryable error skips a round; a permanent one ends the stream.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import TYPE_CHECKING

from gridarena.domain.orders import Order, OrderStatus
from gridarena.venues.base import FillEvent, OrderUpdate, VenueEvent
from gridarena.venues.errors import OrderNotFound, VenueError

if TYPE_CHECKING:
    from gridarena.venues.live.venue import CcxtVenue

log = logging.getLogger(__name__)

_SEEN_MAX = 10_000
_OVERLAP_MS = 60_000  # re-read this much history each round: trades may land late


def _state(order: Order) -> tuple[int, Decimal, str]:
    # Orders only move forward: NEW < PARTIALLY_FILLED < final, filled quantity never shrinks.
    rank = 0 if order.status is OrderStatus.NEW else 1 if order.status.is_open else 2
    return (rank, order.filled_qty, order.status.value)


class Poller:
    """Turn repeated reads of one venue account into a stream of events."""

    def __init__(self, venue: CcxtVenue, interval_s: float) -> None:
        self.venue = venue
        self.interval_s = interval_s
        self.cursor_ms = 0
        self.primed = False
        self._seen: set[str] = set()
        self._seen_order: deque[str] = deque()
        self._states: dict[str, tuple[int, Decimal, str]] = {
            cid: _state(o) for cid, o in venue.known.items()
        }
        self._open: set[tuple[str, str]] = {
            (o.symbol, cid) for cid, o in venue.known.items() if o.status.is_open
        }

    def _mark(self, trade_id: str) -> None:
        self._seen.add(trade_id)
        self._seen_order.append(trade_id)
        if len(self._seen_order) > _SEEN_MAX:
            self._seen.discard(self._seen_order.popleft())

    async def _fills(self) -> list[VenueEvent]:
        since = max(0, self.cursor_ms - _OVERLAP_MS)
        events: list[VenueEvent] = []
        # The first round only marks history as seen: no need to look up unknown orders.
        for fill in await self.venue.read_fills(since, resolve=self.primed):
            if fill.trade_id in self._seen:
                continue
            self._mark(fill.trade_id)
            self.cursor_ms = max(self.cursor_ms, fill.ts_ms)
            if self.primed or fill.client_id in self.venue.known:
                events.append(FillEvent(fill))
        return events

    def _changed(self, order: Order) -> bool:
        # A stale answer (an older copy of the state) must not read as a change backwards.
        state, last = _state(order), self._states.get(order.client_id)
        if last is not None and state[:2] <= last[:2]:
            return False
        self._states[order.client_id] = state
        return True

    async def _orders(self) -> list[VenueEvent]:
        now = int(time.time() * 1000)
        current = {o.client_id: o for o in await self.venue.open_orders() if o.client_id}
        # Orders the adapter placed since the last round count as open too.
        tracked = self._open | {
            (o.symbol, cid) for cid, o in self.venue.known.items() if o.status.is_open
        }
        events: list[VenueEvent] = [
            OrderUpdate(o, now) for o in current.values() if self._changed(o)
        ]
        for symbol, cid in sorted(tracked):
            if cid in current:
                continue
            try:
                final = await self.venue.get_order(symbol, cid)
            except OrderNotFound:
                self._states.pop(cid, None)
                continue
            if self._changed(final):
                events.append(OrderUpdate(final, now))
        self._open = {(o.symbol, cid) for cid, o in current.items()}
        return events

    async def poll(self) -> list[VenueEvent]:
        """Run one round and return its events (fills first)."""
        events = await self._fills()
        events += await self._orders()
        self.primed = True
        return events

    async def stream(self) -> AsyncIterator[VenueEvent]:
        """Yield events forever, one round every ``interval_s``."""
        while True:
            try:
                events = await self.poll()
            except VenueError as exc:
                if not exc.retryable:
                    raise
                log.warning("%s event poll skipped: %s", self.venue.name, exc)
                events = []
            for event in events:
                yield event
            await asyncio.sleep(self.interval_s)
