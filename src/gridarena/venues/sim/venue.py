"""`SimVenue`: the `Venue` protocol over one sub-account of an in-process `SimExchange`."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping

import numpy as np

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
from gridarena.marketdata.timeframes import parse_timeframe
from gridarena.venues.base import Capability, VenueEvent
from gridarena.venues.sim.exchange import SimExchange

SIM_CAPABILITIES: Mapping[Capability, bool] = {
    Capability.LIMIT_ORDERS: True,
    Capability.MARKET_ORDERS: True,
    Capability.POST_ONLY: True,
    Capability.REDUCE_ONLY: True,
    Capability.STOP_ORDERS: True,
    Capability.CLIENT_ORDER_ID: True,
    Capability.SET_LEVERAGE: True,
    Capability.ISOLATED_MARGIN: True,
    Capability.FUNDING: True,
    Capability.ORDER_BOOK: True,
    Capability.EVENT_STREAM: True,
    Capability.SUB_ACCOUNTS: True,
    Capability.CANDLES: True,
}


class SimVenue:
    """One account of the simulator, seen through the async venue protocol.

    Calls complete without suspending (the exchange is in process), so the engine's reaction to
    a tick is finished before the replay moves on: runs are deterministic.
    """

    name = "sim"
    capabilities = SIM_CAPABILITIES

    def __init__(self, exchange: SimExchange, account: str) -> None:
        self.exchange = exchange
        self.account = account
        self._queue: asyncio.Queue[VenueEvent] | None = None

    async def instruments(self) -> dict[str, Instrument]:
        """Return the replayed instruments."""
        return {s: m.instrument for s, m in self.exchange.markets.items()}

    async def place_order(self, request: OrderRequest) -> Order:
        """Place an order on the simulated account."""
        return self.exchange.place(self.account, request)

    async def cancel_order(self, symbol: str, client_id: str) -> Order:
        """Cancel an open order by client id."""
        return self.exchange.cancel(self.account, symbol, client_id)

    async def get_order(self, symbol: str, client_id: str) -> Order:
        """Return an order by client id."""
        return self.exchange.get(self.account, client_id, symbol)

    async def open_orders(self, symbol: str | None = None) -> list[Order]:
        """Return open orders."""
        return self.exchange.open_orders(self.account, symbol)

    async def fills_since(self, since_ms: int, symbol: str | None = None) -> list[Fill]:
        """Return fills at or after ``since_ms``."""
        return self.exchange.fills_since(self.account, since_ms, symbol)

    async def positions(self) -> list[Position]:
        """Return non-flat positions."""
        return self.exchange.positions(self.account)

    async def balance(self) -> Balance:
        """Return the account balance."""
        return self.exchange.balance(self.account)

    async def set_leverage(
        self, symbol: str, leverage: int, margin_mode: MarginMode | None = None
    ) -> None:
        """Set leverage and margin mode for a symbol."""
        self.exchange.set_leverage(self.account, symbol, leverage, margin_mode)

    async def candles(
        self, symbol: str, timeframe: str = "1m", *, since_ms: int | None = None, limit: int = 500
    ) -> Candles:
        """Return replayed candles up to the current one (never the future)."""
        market = self.exchange.markets[symbol]
        if parse_timeframe(timeframe) != market.candles.timeframe_ms:
            raise ValueError(f"the simulator replays {symbol} in its own timeframe only")
        stop = market.i if market.phase == 0 else market.i + 1
        start = max(0, stop - limit)
        if since_ms is not None:
            start = max(start, int(np.searchsorted(market.candles.ts_ms[:stop], since_ms)))
        return market.candles.slice(start, stop)

    async def book_top(self, symbol: str) -> BookTop:
        """Return a one-tick-wide book around the last price."""
        market = self.exchange.markets[symbol]
        tick = market.instrument.tick_size
        px = market.price_decimal
        qty = market.instrument.min_qty * 1000
        return BookTop(symbol, px - tick, qty, px + tick, qty, market.ts_ms())

    async def depth(self, symbol: str, limit: int = 20) -> OrderBook:
        """Return a synthetic book of ``limit`` levels a tick apart around the last price."""
        market = self.exchange.markets[symbol]
        tick = market.instrument.tick_size
        px = market.price_decimal
        qty = market.instrument.min_qty * 1000
        bids = [(px - tick * (i + 1), qty) for i in range(limit)]
        asks = [(px + tick * (i + 1), qty) for i in range(limit)]
        return OrderBook(symbol, bids, asks, market.ts_ms())

    def events(self) -> AsyncIterator[VenueEvent]:
        """Stream this account's events (subscribes on first call)."""
        if self._queue is None:
            queue: asyncio.Queue[VenueEvent] = asyncio.Queue()
            self.exchange.subscribe(self.account, queue.put_nowait)
            self._queue = queue
        return self._drain(self._queue)

    @staticmethod
    async def _drain(queue: asyncio.Queue[VenueEvent]) -> AsyncIterator[VenueEvent]:
        while True:
            yield await queue.get()
