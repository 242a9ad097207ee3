"""The one venue protocol every adapter implements, its capability map and its events.

A `Venue` is bound to one account (one API key, or one sub-account of the simulator). Shared
code asks ``venue.capabilities`` what a venue can do instead of testing its name.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Protocol, runtime_checkable

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


class Capability(StrEnum):
    """What a venue supports."""

    LIMIT_ORDERS = "limit_orders"
    MARKET_ORDERS = "market_orders"
    POST_ONLY = "post_only"
    REDUCE_ONLY = "reduce_only"
    STOP_ORDERS = "stop_orders"
    CLIENT_ORDER_ID = "client_order_id"
    SET_LEVERAGE = "set_leverage"
    ISOLATED_MARGIN = "isolated_margin"
    FUNDING = "funding"
    ORDER_BOOK = "order_book"
    EVENT_STREAM = "event_stream"
    SUB_ACCOUNTS = "sub_accounts"
    CANDLES = "candles"


@dataclass(frozen=True, slots=True)
class OrderUpdate:
    """An order changed status (placed, filled, cancelled, expired, rejected)."""

    order: Order
    ts_ms: int


@dataclass(frozen=True, slots=True)
class FillEvent:
    """An order filled, fully or partly."""

    fill: Fill


@dataclass(frozen=True, slots=True)
class MarketTick:
    """The simulated or live market moved; ``candle``/``phase`` locate it in a replay."""

    symbol: str
    price: Decimal
    ts_ms: int
    candle: int = -1
    phase: int = -1


@dataclass(frozen=True, slots=True)
class FundingPaid:
    """Funding was paid (amount < 0) or received on a position."""

    symbol: str
    amount: Decimal
    rate: Decimal
    ts_ms: int


@dataclass(frozen=True, slots=True)
class Liquidated:
    """The venue liquidated a position."""

    symbol: str
    price: Decimal
    qty: Decimal
    ts_ms: int


VenueEvent = OrderUpdate | FillEvent | MarketTick | FundingPaid | Liquidated


@runtime_checkable
class Venue(Protocol):
    """An exchange account: orders, positions, balance and market data, all async."""

    name: str
    capabilities: Mapping[Capability, bool]

    async def instruments(self) -> dict[str, Instrument]:
        """Return tradable instruments and their filters by symbol."""
        ...

    async def place_order(self, request: OrderRequest) -> Order:
        """Place an order; the client id must be unique on the account."""
        ...

    async def cancel_order(self, symbol: str, client_id: str) -> Order:
        """Cancel an open order by client id."""
        ...

    async def get_order(self, symbol: str, client_id: str) -> Order:
        """Return an order by client id; raise `OrderNotFound` when the venue has none."""
        ...

    async def open_orders(self, symbol: str | None = None) -> list[Order]:
        """Return open orders, of one symbol or all."""
        ...

    async def fills_since(self, since_ms: int, symbol: str | None = None) -> list[Fill]:
        """Return fills at or after ``since_ms``, oldest first."""
        ...

    async def positions(self) -> list[Position]:
        """Return non-flat positions."""
        ...

    async def balance(self) -> Balance:
        """Return the account balance in the settlement asset."""
        ...

    async def set_leverage(
        self, symbol: str, leverage: int, margin_mode: MarginMode | None = None
    ) -> None:
        """Set leverage (and margin mode) for a symbol."""
        ...

    async def candles(
        self, symbol: str, timeframe: str = "1m", *, since_ms: int | None = None, limit: int = 500
    ) -> Candles:
        """Return recent candles."""
        ...

    async def book_top(self, symbol: str) -> BookTop:
        """Return the best bid and ask."""
        ...

    async def depth(self, symbol: str, limit: int = 20) -> OrderBook:
        """Return book levels, best first."""
        ...

    def events(self) -> AsyncIterator[VenueEvent]:
        """Stream order, fill and market events for this account."""
        ...
