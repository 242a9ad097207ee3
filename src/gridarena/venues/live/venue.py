"""`CcxtVenue`: the `Venue` protocol over a ccxt async client, for one account.

Shared logic lives here; what differs per venue is in its `VenueProfile`. Every ccxt call goes
through `_read` or `_mutate`, which translate errors at the edge: a mutating call that got no
answer (timeout, dropped connection, HTTP 5xx) raises `OutcomeUnknown`, and the caller resolves
it with `get_order` by client id before sending again (DESIGN.md §2.2).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
from functools import partial
from typing import Any, TypeVar

from gridarena.domain.instrument import Instrument
from gridarena.domain.orders import (
    Balance,
    BookTop,
    Fill,
    MarginMode,
    Order,
    OrderBook,
    OrderRequest,
    OrderType,
    Position,
)
from gridarena.domain.types import Side
from gridarena.marketdata.candles import Candles
from gridarena.venues.base import Capability, VenueEvent
from gridarena.venues.errors import (
    OrderNotFound,
    OrderRejected,
    OutcomeUnknown,
    VenueError,
    VenueUnavailable,
)
from gridarena.venues.live.errormap import translate
from gridarena.venues.live.ids import OrderIds
from gridarena.venues.live.markets import Markets, book_from, candles_from
from gridarena.venues.live.poller import Poller
from gridarena.venues.live.profile import Raw, VenueProfile

log = logging.getLogger(__name__)
T = TypeVar("T")
_TRIGGER_TYPES = (OrderType.STOP_MARKET, OrderType.TAKE_PROFIT_MARKET)


class CcxtVenue:
    """One account on a ccxt venue (Binance USD-M, Orderly/WOOFi Pro, Hyperliquid)."""

    def __init__(
        self,
        profile: VenueProfile,
        exchange: Any,
        *,
        symbols: Iterable[str] = (),
        poll_interval_s: float = 1.0,
    ) -> None:
        self.profile = profile
        self.exchange = exchange
        self.name = profile.name
        self.capabilities: Mapping[Capability, bool] = profile.capabilities
        self.poll_interval_s = poll_interval_s
        self._markets: Markets | None = None
        self._lock = asyncio.Lock()
        self._wanted_symbols = tuple(symbols)
        self.symbols: set[str] = set()  # ours: where fills are looked for when none is named
        self.ids = OrderIds(profile)

    # -- plumbing ---------------------------------------------------------------------------

    async def _call(self, call: Callable[[], Awaitable[T]], *, mutating: bool) -> T:
        try:
            return await call()
        except VenueError:
            raise
        except Exception as exc:
            raise translate(exc, self.profile.errors, mutating=mutating) from exc

    async def _read(self, call: Callable[[], Awaitable[T]]) -> T:
        return await self._call(call, mutating=False)

    async def _mutate(self, call: Callable[[], Awaitable[T]]) -> T:
        return await self._call(call, mutating=True)

    async def markets(self) -> Markets:
        """Load the venue's markets once."""
        async with self._lock:
            if self._markets is None:
                loaded = await self._read(self.exchange.load_markets)
                self._markets = Markets.build(self.profile, loaded)
                self.symbols.update(self._markets.resolve(s) for s in self._wanted_symbols)
        return self._markets

    @property
    def known(self) -> dict[str, Order]:
        """Return the last known state of every order this adapter placed or saw."""
        return self.ids.known

    def remember_client_ids(self, client_ids: Iterable[str]) -> None:
        """Teach the adapter client ids placed by an earlier run (Hyperliquid hashes them)."""
        self.ids.learn(client_ids)

    def _order(self, markets: Markets, raw: Raw, client_id: str | None = None) -> Order:
        symbol = markets.from_ccxt(raw.get("symbol"))
        cid = client_id or self.ids.client_id(raw)
        return self.ids.remember(self.profile.parse_order(raw, symbol, cid))

    # -- protocol ---------------------------------------------------------------------------

    async def close(self) -> None:
        """Close the HTTP session."""
        await self.exchange.close()

    async def instruments(self) -> dict[str, Instrument]:
        """Return the venue's linear perpetuals with filters from ccxt's market data."""
        return (await self.markets()).instruments(self.profile)

    async def place_order(self, request: OrderRequest) -> Order:
        """Send an order carrying our client id; no answer means `OutcomeUnknown`."""
        markets = await self.markets()
        symbol = markets.resolve(request.symbol)
        market = markets.market(symbol)
        if request.type in _TRIGGER_TYPES and not self.capabilities.get(Capability.STOP_ORDERS):
            raise OrderRejected(f"{self.name} adapter does not support {request.type} orders")
        reference = None
        if self.profile.needs_reference_price(request):  # bounds a market order's slippage
            top = await self.book_top(symbol)
            reference = top.ask if request.side is Side.BUY else top.bid
        args = self.profile.order_args(request, reference)
        self.ids.learn([request.client_id])
        self.symbols.add(symbol)
        if request.type in _TRIGGER_TYPES:
            self.ids.triggers.add(request.client_id)
        log.info("placing %s on %s: %s", request.client_id, self.name, args)
        raw = await self._mutate(
            lambda: self.exchange.create_order(
                market["symbol"], args.type, args.side, args.amount, args.price, args.params
            )
        )
        return self.ids.remember(self.profile.parse_placed(raw, request, symbol))

    async def _by_client_id(
        self, client_id: str, call: Callable[[dict[str, Any]], Awaitable[T]]
    ) -> T:
        # A stop order placed by an earlier run may live under the trigger routes.
        known_trigger = client_id in self.ids.triggers
        attempts = [True] if known_trigger else [False]
        if self.profile.separate_trigger_orders and not known_trigger:
            attempts.append(True)
        for trigger in attempts[:-1]:
            try:
                return await call(self.profile.lookup_params(client_id, trigger=trigger))
            except OrderNotFound:
                continue
        return await call(self.profile.lookup_params(client_id, trigger=attempts[-1]))

    async def cancel_order(self, symbol: str, client_id: str) -> Order:
        """Cancel by client id; the venue's final word on the order is returned."""
        markets = await self.markets()
        unified = markets.unified(symbol)
        raw = await self._by_client_id(
            client_id,
            lambda params: self._mutate(lambda: self.exchange.cancel_order(None, unified, params)),
        )
        order = self.profile.parse_cancel(raw, markets.resolve(symbol), client_id)
        if order is not None:
            return self.ids.remember(order)
        try:
            return await self.get_order(symbol, client_id)
        except VenueError as exc:
            if exc.retryable:  # the cancel was accepted; only its result is unknown
                raise OutcomeUnknown(f"cancel of {client_id} sent, state unknown: {exc}") from exc
            raise

    async def get_order(self, symbol: str, client_id: str) -> Order:
        """Return an order by client id; `OrderNotFound` when the venue has none."""
        markets = await self.markets()
        unified = markets.unified(symbol)
        raw = await self._by_client_id(
            client_id,
            lambda params: self._read(lambda: self.exchange.fetch_order(None, unified, params)),
        )
        self.ids.learn([client_id])
        return self._order(markets, raw, client_id)

    async def open_orders(self, symbol: str | None = None) -> list[Order]:
        """Return open orders (stop orders included), of one symbol or all."""
        markets = await self.markets()
        unified = markets.unified(symbol) if symbol is not None else None
        calls: list[dict[str, Any]] = [{}]
        if self.profile.separate_trigger_orders:
            calls.append({"trigger": True})
        rows: list[Raw] = []
        for params in calls:
            rows += await self._read(
                partial(self.exchange.fetch_open_orders, unified, None, None, params)
            )
        orders: dict[str, Order] = {}
        for raw in rows:
            order = self._order(markets, raw)
            orders.setdefault(order.client_id or order.venue_id, order)
        return list(orders.values())

    async def _client_of_venue_order(self, venue_id: str, unified: str, resolve: bool) -> str:
        ids = self.ids
        if venue_id in ids.by_venue_id or not resolve or venue_id in ids.unresolved:
            return ids.by_venue_id.get(venue_id, "")
        try:  # an order of an earlier run: the venue tells its client id, once
            raw = await self._read(lambda: self.exchange.fetch_order(venue_id, unified))
        except VenueError:
            ids.unresolved.add(venue_id)
            return ""
        return self._order(await self.markets(), raw).client_id

    async def fills_since(self, since_ms: int, symbol: str | None = None) -> list[Fill]:
        """Return fills at or after ``since_ms``, oldest first."""
        return await self.read_fills(since_ms, symbol)

    async def read_fills(
        self, since_ms: int, symbol: str | None = None, *, resolve: bool = True
    ) -> list[Fill]:
        """Return fills; ``resolve=False`` leaves client ids of unknown orders empty (cheap)."""
        markets = await self.markets()
        if symbol is not None:
            targets: list[str | None] = [markets.unified(symbol)]
        elif self.profile.trades_need_symbol:
            targets = [markets.unified(s) for s in sorted(self.symbols)]
        else:
            targets = [None]
        fills: list[Fill] = []
        since = since_ms if since_ms > 0 else None  # 0: the venue's default recent window
        for unified in targets:
            rows = await self._read(partial(self.exchange.fetch_my_trades, unified, since))
            for raw in rows:
                venue_id, unified_symbol = str(raw.get("order")), raw["symbol"]
                cid = await self._client_of_venue_order(venue_id, unified_symbol, resolve)
                fill = self.profile.parse_fill(raw, markets.from_ccxt(unified_symbol), cid)
                if fill.ts_ms >= since_ms:
                    fills.append(fill)
        return sorted(fills, key=lambda f: (f.ts_ms, f.trade_id))

    async def positions(self) -> list[Position]:
        """Return non-flat positions."""
        markets = await self.markets()
        return await self._read(lambda: self.profile.positions(self.exchange, markets.ours))

    async def balance(self) -> Balance:
        """Return the balance in the settlement asset."""
        await self.markets()
        return await self._read(lambda: self.profile.balance(self.exchange))

    async def set_leverage(
        self, symbol: str, leverage: int, margin_mode: MarginMode | None = None
    ) -> None:
        """Set leverage (and margin mode where supported) for a symbol."""
        unified = (await self.markets()).unified(symbol)
        if margin_mode is MarginMode.ISOLATED and not self.capabilities.get(
            Capability.ISOLATED_MARGIN
        ):
            raise OrderRejected(f"{self.name} adapter does not support isolated margin")
        await self._mutate(
            lambda: self.profile.set_leverage(self.exchange, unified, leverage, margin_mode)
        )

    async def candles(
        self, symbol: str, timeframe: str = "1m", *, since_ms: int | None = None, limit: int = 500
    ) -> Candles:
        """Return candles from the venue (floats: they feed numeric kernels)."""
        markets = await self.markets()
        unified = markets.unified(symbol)
        rows = await self._read(
            lambda: self.exchange.fetch_ohlcv(unified, timeframe, since_ms, limit)
        )
        return candles_from(markets.resolve(symbol), timeframe, rows)

    async def depth(self, symbol: str, limit: int = 20) -> OrderBook:
        """Return book levels, best first."""
        markets = await self.markets()
        unified = markets.unified(symbol)
        book = await self._read(
            lambda: self.exchange.fetch_order_book(unified, self.profile.book_limit(limit))
        )
        return book_from(markets.resolve(symbol), book, limit)

    async def book_top(self, symbol: str) -> BookTop:
        """Return the best bid and ask."""
        book = await self.depth(symbol, 1)
        if not book.bids or not book.asks:
            raise VenueUnavailable(f"{self.name} book of {symbol} is empty on one side")
        (bid, bid_qty), (ask, ask_qty) = book.bids[0], book.asks[0]
        return BookTop(book.symbol, bid, bid_qty, ask, ask_qty, book.ts_ms)

    def events(self) -> AsyncIterator[VenueEvent]:
        """Poll fills and order states; yield new fills and status changes."""
        return Poller(self, self.poll_interval_s).stream()
