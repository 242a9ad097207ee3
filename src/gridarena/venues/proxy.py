"""A venue that forwards every call to another: the base of wrappers that change a few calls
(fault injection, dry run) so the pass-through code exists once.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping

from gridarena.domain.instrument import Instrument
from gridarena.domain.orders import (
    Balance,
    BookTop,
    Fill,
    MarginMode,
    Order,
    OrderBook,
    OrderRequest,
    Position,
)
from gridarena.marketdata.candles import Candles
from gridarena.venues.base import Capability, Venue, VenueEvent


class VenueProxy:
    """Forward the whole `Venue` protocol to ``inner``; subclasses override what they change."""

    def __init__(self, inner: Venue) -> None:
        self.inner = inner
        self.name = inner.name
        self.capabilities: Mapping[Capability, bool] = inner.capabilities

    async def instruments(self) -> dict[str, Instrument]:
        """Forward."""
        return await self.inner.instruments()

    async def place_order(self, request: OrderRequest) -> Order:
        """Forward."""
        return await self.inner.place_order(request)

    async def cancel_order(self, symbol: str, client_id: str) -> Order:
        """Forward."""
        return await self.inner.cancel_order(symbol, client_id)

    async def get_order(self, symbol: str, client_id: str) -> Order:
        """Forward."""
        return await self.inner.get_order(symbol, client_id)

    async def open_orders(self, symbol: str | None = None) -> list[Order]:
        """Forward."""
        return await self.inner.open_orders(symbol)

    async def fills_since(self, since_ms: int, symbol: str | None = None) -> list[Fill]:
        """Forward."""
        return await self.inner.fills_since(since_ms, symbol)

    async def positions(self) -> list[Position]:
        """Forward."""
        return await self.inner.positions()

    async def balance(self) -> Balance:
        """Forward."""
        return await self.inner.balance()

    async def set_leverage(
        self, symbol: str, leverage: int, margin_mode: MarginMode | None = None
    ) -> None:
        """Forward."""
        await self.inner.set_leverage(symbol, leverage, margin_mode)

    async def candles(
        self, symbol: str, timeframe: str = "1m", *, since_ms: int | None = None, limit: int = 500
    ) -> Candles:
        """Forward."""
        return await self.inner.candles(symbol, timeframe, since_ms=since_ms, limit=limit)

    async def book_top(self, symbol: str) -> BookTop:
        """Forward."""
        return await self.inner.book_top(symbol)

    async def depth(self, symbol: str, limit: int = 20) -> OrderBook:
        """Forward."""
        return await self.inner.depth(symbol, limit)

    def events(self) -> AsyncIterator[VenueEvent]:
        """Forward."""
        return self.inner.events()
