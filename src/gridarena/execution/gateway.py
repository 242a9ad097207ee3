"""How a grid session sends orders: straight to the venue, or through the order tracker."""

from __future__ import annotations

import contextlib
from typing import Protocol

from gridarena.domain.orders import Order, OrderRequest
from gridarena.venues.base import Venue
from gridarena.venues.errors import OrderNotFound


class OrderGateway(Protocol):
    """Place and cancel orders on behalf of a session."""

    async def place(
        self, request: OrderRequest, *, session_id: str, slot: int | None, cycle: int | None
    ) -> Order | None:
        """Place ``request``; None when the outcome is still unknown."""
        ...

    async def cancel(self, symbol: str, client_id: str) -> Order | None:
        """Cancel an order; None when it was already gone."""
        ...


class DirectGateway:
    """Send orders straight to an in-process venue (paper replay: nothing to lose)."""

    def __init__(self, venue: Venue) -> None:
        self.venue = venue

    async def place(
        self, request: OrderRequest, *, session_id: str, slot: int | None, cycle: int | None
    ) -> Order | None:
        """Place ``request`` on the venue."""
        del session_id, slot, cycle  # the direct path keeps no record of its own
        return await self.venue.place_order(request)

    async def cancel(self, symbol: str, client_id: str) -> Order | None:
        """Cancel; an order that already filled or vanished is not an error here."""
        with contextlib.suppress(OrderNotFound):
            return await self.venue.cancel_order(symbol, client_id)
        return None
