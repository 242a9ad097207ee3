"""`AsterVenue`: the `Venue` protocol over Aster's REST API, for either signing scheme.

V1 and V3 share routes' semantics and JSON shapes and differ in paths and signing only, so one
class speaks both; `AsterV1Venue` and `AsterV3Venue` choose the paths and the signer.
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Mapping
from decimal import Decimal
from types import TracebackType
from typing import Any, Self

from gridarena.domain.instrument import Instrument, normalize_symbol
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
from gridarena.marketdata.candles import Candles
from gridarena.marketdata.timeframes import parse_timeframe
from gridarena.venues.aster.config import AsterHttpConfig, AsterPaths
from gridarena.venues.aster.errors import UNCERTAIN, resolve
from gridarena.venues.aster.http import AsterHttp, RateState
from gridarena.venues.aster.signing import Pairs
from gridarena.venues.aster.trades import trades_since, venue_now_ms
from gridarena.venues.aster.wire import (
    BalanceWire,
    BookTickerWire,
    DepthWire,
    OrderWire,
    PositionWire,
    SymbolWire,
    to_candles,
)
from gridarena.venues.base import Capability, VenueEvent
from gridarena.venues.errors import OrderNotFound, OrderRejected, VenueError

log = logging.getLogger(__name__)

ASTER_CAPABILITIES: Mapping[Capability, bool] = {
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
    Capability.EVENT_STREAM: False,  # the user-data websocket is not implemented
    Capability.SUB_ACCOUNTS: False,
    Capability.CANDLES: True,
}

# Aster: newClientOrderId must match ^[\.A-Z\:/a-z0-9_-]{1,36}$ (New Order, both versions).
CLIENT_ID = re.compile(r"^[\.A-Z\:/a-z0-9_-]{1,36}$")
_STOP_TYPES = (OrderType.STOP_MARKET, OrderType.TAKE_PROFIT_MARKET)
_DEPTH_LIMITS = (5, 10, 20, 50, 100, 500, 1000)
_NO_CHANGE_MARGIN_TYPE = -4046


def wire_decimal(value: Decimal) -> str:
    """Format a decimal as the venue expects: plain digits, no exponent, no trailing zeros."""
    return f"{value.normalize():f}"


def order_params(req: OrderRequest) -> Pairs:
    """Return ``POST order`` parameters; refuse locally what the venue would refuse."""
    if not CLIENT_ID.match(req.client_id):
        raise OrderRejected("client id must be 1-36 characters of [.A-Z:/a-z0-9_-]", code=-4015)
    params: Pairs = [
        ("symbol", normalize_symbol(req.symbol)),
        ("side", req.side.value),
        ("type", req.type.value),
    ]
    if req.close_position:
        params.append(("closePosition", "true"))
    else:
        params.append(("quantity", wire_decimal(req.qty)))
        if req.reduce_only:
            params.append(("reduceOnly", "true"))
    if req.type is OrderType.LIMIT:
        if req.price is None:
            raise OrderRejected("a LIMIT order needs a price", code=-1102)
        params += [("price", wire_decimal(req.price)), ("timeInForce", req.time_in_force.value)]
    if req.type in _STOP_TYPES:
        if req.stop_price is None:
            raise OrderRejected(f"a {req.type.value} order needs a stop price", code=-1102)
        params.append(("stopPrice", wire_decimal(req.stop_price)))
    params += [("newClientOrderId", req.client_id), ("newOrderRespType", "RESULT")]
    return params


class AsterVenue:
    """One Aster account: orders by our client ids, positions, balance and market data."""

    name = "aster"
    capabilities = ASTER_CAPABILITIES

    def __init__(self, http: AsterHttp, paths: AsterPaths, config: AsterHttpConfig) -> None:
        self._http = http
        self._paths = paths
        self._asset = config.settle_asset
        self._client_ids: dict[tuple[str, int], str] = {}
        self._traded: set[str] = set()

    @property
    def base_url(self) -> str:
        """Return the venue's base URL."""
        return self._http.base_url

    @property
    def rate_state(self) -> RateState:
        """Return the limits the venue reported on its latest answers."""
        return self._http.rate_state

    async def aclose(self) -> None:
        """Close the HTTP client."""
        await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    def _order(self, data: Any, what: str = "", *, mutating: bool = False) -> Order:
        """Convert an order answer; for a named call an unreadable one is an unknown outcome."""
        try:
            order = OrderWire.model_validate(data).to_order()
        except ValueError as exc:
            if not what:
                raise
            cls = resolve(UNCERTAIN, mutating=mutating)
            raise cls(f"{what}: unreadable order in the answer") from exc
        self._client_ids[(order.symbol, int(order.venue_id))] = order.client_id
        return order

    async def instruments(self) -> dict[str, Instrument]:
        """Return trading symbols and their filters from ``exchangeInfo``."""
        data = await self._http.public(self._paths.exchange_info, [])
        out: dict[str, Instrument] = {}
        for row in data.get("symbols", []):
            wire = SymbolWire.model_validate(row)
            if wire.status != "TRADING":
                continue
            try:
                out[wire.symbol] = wire.to_instrument()
            except ValueError as exc:
                log.warning("aster: skipping %s: %s", wire.symbol, exc)
        return out

    async def place_order(self, request: OrderRequest) -> Order:
        """Place an order under our client id; unknown outcomes raise `OutcomeUnknown`."""
        params = order_params(request)
        self._traded.add(normalize_symbol(request.symbol))
        data = await self._http.signed("POST", self._paths.order, params, mutating=True)
        return self._order(data, f"POST {self._paths.order}", mutating=True)

    async def cancel_order(self, symbol: str, client_id: str) -> Order:
        """Cancel an open order by client id (`OrderNotFound` when unknown or closed)."""
        params = [("symbol", normalize_symbol(symbol)), ("origClientOrderId", client_id)]
        data = await self._http.signed("DELETE", self._paths.order, params, mutating=True)
        return self._order(data, f"DELETE {self._paths.order}", mutating=True)

    async def get_order(self, symbol: str, client_id: str) -> Order:
        """Return an order by client id (`OrderNotFound` when the venue has none)."""
        params = [("symbol", normalize_symbol(symbol)), ("origClientOrderId", client_id)]
        data = await self._http.signed("GET", self._paths.order, params, mutating=False)
        return self._order(data, f"GET {self._paths.order}")

    async def open_orders(self, symbol: str | None = None) -> list[Order]:
        """Return open orders; orders of types we do not model are skipped with a warning."""
        params = [("symbol", normalize_symbol(symbol))] if symbol else []
        rows = await self._http.signed("GET", self._paths.open_orders, params, mutating=False)
        out: list[Order] = []
        for row in rows:
            try:
                out.append(self._order(row))
            except ValueError:
                log.warning("aster: skipping an open order of an unsupported type or status")
        return out

    async def _client_id(self, symbol: str, order_id: int) -> str:
        """Return the client id of a venue order id, asking the venue once if unknown."""
        known = self._client_ids.get((symbol, order_id))
        if known is not None:
            return known
        params = [("symbol", symbol), ("orderId", str(order_id))]
        try:
            data = await self._http.signed("GET", self._paths.order, params, mutating=False)
        except OrderNotFound:
            log.warning("aster: order %s of a fill is unknown to the venue", order_id)
            return ""
        cid = str(data.get("clientOrderId", ""))
        self._client_ids[(symbol, order_id)] = cid
        return cid

    async def fills_since(self, since_ms: int, symbol: str | None = None) -> list[Fill]:
        """Return fills at or after ``since_ms``, oldest first.

        The venue lists trades per symbol; without ``symbol`` this asks for every symbol
        traded through this object, held in a position or with an open order. Trades older
        than the venue keeps (six months) are gone.
        """
        if symbol is not None:
            symbols = [normalize_symbol(symbol)]
        else:
            held = {p.symbol for p in await self.positions()}
            resting = {o.symbol for o in await self.open_orders()}
            symbols = sorted(self._traded | held | resting)
        if not symbols:
            return []
        wall_ms = self._http.now_us() // 1_000
        now_ms = await venue_now_ms(self._http, self._paths, wall_ms, since_ms)
        fills: list[Fill] = []
        for sym in symbols:
            for trade in await trades_since(self._http, self._paths, sym, since_ms, now_ms):
                fills.append(trade.to_fill(await self._client_id(sym, trade.orderId)))
        fills.sort(key=lambda f: (f.ts_ms, f.symbol, int(f.trade_id)))
        return fills

    async def positions(self) -> list[Position]:
        """Return non-flat positions."""
        rows = await self._http.signed("GET", self._paths.position_risk, [], mutating=False)
        wires = [PositionWire.model_validate(row) for row in rows]
        return [w.to_position() for w in wires if w.positionAmt != 0]

    async def balance(self) -> Balance:
        """Return the settlement asset's balance (zero when the account has none)."""
        rows = await self._http.signed("GET", self._paths.balance, [], mutating=False)
        for row in rows:
            wire = BalanceWire.model_validate(row)
            if wire.asset == self._asset:
                return wire.to_balance()
        zero = Decimal(0)
        return Balance(self._asset, zero, zero, zero)

    async def set_leverage(
        self, symbol: str, leverage: int, margin_mode: MarginMode | None = None
    ) -> None:
        """Set the margin mode (when given) and the leverage of a symbol."""
        sym = normalize_symbol(symbol)
        if margin_mode is not None:
            kind = "ISOLATED" if margin_mode is MarginMode.ISOLATED else "CROSSED"
            params = [("symbol", sym), ("marginType", kind)]
            try:
                await self._http.signed("POST", self._paths.margin_type, params, mutating=True)
            except VenueError as exc:
                if exc.code != _NO_CHANGE_MARGIN_TYPE:
                    raise
        params = [("symbol", sym), ("leverage", str(leverage))]
        await self._http.signed("POST", self._paths.leverage, params, mutating=True)

    async def candles(
        self, symbol: str, timeframe: str = "1m", *, since_ms: int | None = None, limit: int = 500
    ) -> Candles:
        """Return up to ``limit`` (at most 1500) candles, from ``since_ms`` when given."""
        sym = normalize_symbol(symbol)
        params = [("symbol", sym), ("interval", timeframe), ("limit", str(min(limit, 1500)))]
        if since_ms is not None:
            params.append(("startTime", str(since_ms)))
        rows = await self._http.public(self._paths.klines, params)
        return to_candles(sym, parse_timeframe(timeframe), rows)

    async def book_top(self, symbol: str) -> BookTop:
        """Return the best bid and ask."""
        data = await self._http.public(
            self._paths.book_ticker, [("symbol", normalize_symbol(symbol))]
        )
        return BookTickerWire.model_validate(data).to_book_top()

    async def depth(self, symbol: str, limit: int = 20) -> OrderBook:
        """Return ``limit`` levels a side (asked for in the next size the venue allows)."""
        sym = normalize_symbol(symbol)
        size = next((n for n in _DEPTH_LIMITS if n >= limit), _DEPTH_LIMITS[-1])
        data = await self._http.public(self._paths.depth, [("symbol", sym), ("limit", str(size))])
        return DepthWire.model_validate(data).to_book(sym, limit)

    def events(self) -> AsyncIterator[VenueEvent]:
        """Refuse: the user-data stream is not implemented (``EVENT_STREAM`` is False)."""
        raise NotImplementedError("aster: no event stream; poll open_orders and fills_since")
