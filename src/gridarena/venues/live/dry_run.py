"""`DryRunVenue`: real reads, no writes — the default way to point the engine at a live venue.

Orders, cancels and leverage changes are logged and answered locally (a synthetic NEW order,
then CANCELED on cancel); everything else is read from the wrapped venue. Synthetic orders never
fill: nothing reached the venue's book.
"""

from __future__ import annotations

import logging
import time
from dataclasses import replace
from itertools import count

from gridarena.domain.orders import (
    MarginMode,
    Order,
    OrderRequest,
    OrderStatus,
)
from gridarena.venues.base import Venue
from gridarena.venues.errors import DuplicateClientOrderId, OrderNotFound
from gridarena.venues.proxy import VenueProxy

log = logging.getLogger(__name__)


class DryRunVenue(VenueProxy):
    """Wrap a venue so that no mutating call is ever sent to it."""

    dry_run = True

    def __init__(self, inner: Venue) -> None:
        super().__init__(inner)
        self.orders: dict[str, Order] = {}  # client id → synthetic order
        self.requests: list[OrderRequest] = []  # what would have been sent, in order
        self._ids = count(1)

    async def place_order(self, request: OrderRequest) -> Order:
        """Log the order and return it as NEW without sending it."""
        if request.client_id in self.orders:
            raise DuplicateClientOrderId(f"dry run: client id {request.client_id} already used")
        now = int(time.time() * 1000)
        order = Order(
            symbol=request.symbol,
            client_id=request.client_id,
            venue_id=f"dry-{next(self._ids)}",
            side=request.side,
            type=request.type,
            qty=request.qty,
            price=request.price,
            status=OrderStatus.NEW,
            time_in_force=request.time_in_force,
            reduce_only=request.reduce_only,
            stop_price=request.stop_price,
            created_ms=now,
            updated_ms=now,
        )
        self.orders[request.client_id] = order
        self.requests.append(request)
        log.info(
            "DRY RUN: not sending %s %s %s %s @ %s (%s) to %s",
            request.client_id, request.type, request.side, request.qty, request.price,
            request.symbol, self.name,
        )  # fmt: skip
        return order

    async def cancel_order(self, symbol: str, client_id: str) -> Order:  # noqa: ARG002
        """Mark a synthetic order CANCELED; real orders are never touched."""
        order = self.orders.get(client_id)
        if order is None:
            raise OrderNotFound(f"dry run: no order {client_id} was placed in this dry run")
        if order.status.is_open:
            order = replace(order, status=OrderStatus.CANCELED, updated_ms=int(time.time() * 1000))
            self.orders[client_id] = order
            log.info("DRY RUN: not cancelling %s on %s", client_id, self.name)
        return order

    async def get_order(self, symbol: str, client_id: str) -> Order:
        """Return a synthetic order, or the venue's order with that client id."""
        if client_id in self.orders:
            return self.orders[client_id]
        return await self.inner.get_order(symbol, client_id)

    async def open_orders(self, symbol: str | None = None) -> list[Order]:
        """Return the venue's open orders and the open synthetic ones."""
        mine = [
            o
            for o in self.orders.values()
            if o.status.is_open and (symbol is None or o.symbol == symbol)
        ]
        return [*await self.inner.open_orders(symbol), *mine]

    async def set_leverage(
        self, symbol: str, leverage: int, margin_mode: MarginMode | None = None
    ) -> None:
        """Log the change without sending it."""
        log.info(
            "DRY RUN: not setting %s leverage %s (%s) on %s",
            symbol,
            leverage,
            margin_mode,
            self.name,
        )

    async def close(self) -> None:
        """Close the wrapped venue when it can be closed."""
        closer = getattr(self.inner, "close", None)
        if closer is not None:
            await closer()
