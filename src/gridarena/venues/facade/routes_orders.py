"""Signed order routes: new, query, cancel, open orders, cancel-all, all orders, user trades."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response

from gridarena.domain.orders import OrderRequest, OrderStatus, OrderType, TimeInForce
from gridarena.domain.types import Side
from gridarena.venues.errors import VenueError
from gridarena.venues.facade.errors import BinanceError, from_venue
from gridarena.venues.facade.params import Params
from gridarena.venues.facade.state import Auth, Venue, VenueState
from gridarena.venues.facade.wire import (
    ZERO,
    ack_json,
    order_json,
    reply,
    trade_id,
    trade_json,
)
from gridarena.venues.sim.book import SimOrder
from gridarena.venues.sim.market import SimMarket

router = APIRouter()

_STOP_TYPES = (OrderType.STOP_MARKET, OrderType.TAKE_PROFIT_MARKET)
_UNKNOWN_CANCEL = (-2011, "Unknown order sent.")
_UNKNOWN_QUERY = (-2013, "Order does not exist.")


def _not_required(name: str) -> BinanceError:
    return BinanceError(-1106, f"Parameter '{name}' sent when not required.")


def build_request(p: Params, market: SimMarket) -> OrderRequest:
    """Validate ``POST /fapi/v1/order`` parameters the way Binance does and build the request."""
    side = p.choice("side", Side, -1117, "Invalid side.")
    kind = p.choice("type", OrderType, -1116, "Invalid orderType.")
    if side is None:
        raise BinanceError(-1102, _mandatory("side"))
    if kind is None:
        raise BinanceError(-1102, _mandatory("type"))
    position_side = p.opt("positionSide")
    if position_side not in (None, "BOTH"):
        raise BinanceError(-4061, "Order's position side does not match user's setting.")
    close = p.boolean("closePosition")
    reduce_only = p.boolean("reduceOnly")
    qty = p.decimal("quantity")
    price = p.decimal("price")
    stop = p.decimal("stopPrice")
    tif = p.choice("timeInForce", TimeInForce, -1115, "Invalid timeInForce.")
    if close:
        if kind not in _STOP_TYPES:
            raise _not_required("closePosition")
        if qty is not None:
            raise BinanceError(-4137, "Quantity must be zero with closePosition equals true.")
        if reduce_only:
            raise _not_required("reduceOnly")
    elif qty is None:
        raise BinanceError(-1102, _mandatory("quantity"))
    if kind is OrderType.LIMIT:
        if price is None:
            raise BinanceError(-1102, _mandatory("price"))
        if tif is None:
            raise BinanceError(-1102, _mandatory("timeInForce"))
    elif price is not None:
        raise _not_required("price")
    if kind in _STOP_TYPES and stop is None:
        raise BinanceError(-1102, _mandatory("stopPrice"))
    return OrderRequest(
        symbol=market.symbol,
        side=side,
        type=kind,
        qty=qty if qty is not None else ZERO,
        client_id=p.client_id("newClientOrderId") or f"sim{uuid.uuid4().hex[:19]}",
        price=price,
        time_in_force=tif or TimeInForce.GTC,
        reduce_only=reduce_only,
        stop_price=stop if kind in _STOP_TYPES else None,
        close_position=close,
    )


def _mandatory(name: str) -> str:
    return f"Mandatory parameter '{name}' was not sent, was empty/null, or malformed."


def place(venue: VenueState, account: str, req: OrderRequest) -> SimOrder:
    """Place ``req``; expire the rest of an IOC/FOK limit that did not fill at once."""
    market = venue.exchange.markets[req.symbol]
    try:
        venue.exchange.place(account, req)
    except VenueError as exc:
        raise from_venue(exc, market.instrument.min_notional) from exc
    order = venue.exchange.orders[account][req.client_id]
    venue.remember_order(account, order)
    immediate = req.time_in_force in (TimeInForce.IOC, TimeInForce.FOK)
    if req.type is OrderType.LIMIT and immediate and order.status is OrderStatus.NEW:
        venue.exchange.cancel(account, req.symbol, req.client_id)
        order.status = OrderStatus.EXPIRED
    return order


@router.post("/fapi/v1/order")
async def new_order(venue: Venue, auth: Auth) -> Response:
    """Send a new order."""
    market = venue.market(auth.params.opt("symbol"))
    resp_type = auth.params.opt("newOrderRespType") or "ACK"
    if resp_type not in ("ACK", "RESULT"):
        raise BinanceError(-1136, "Invalid newOrderRespType")
    order = place(venue, auth.account, build_request(auth.params, market))
    f = venue.formats[market.symbol]
    if resp_type == "ACK":
        return reply(ack_json(order, f))
    return reply(order_json(order, f, with_time=False, with_cum_qty=True))


@router.get("/fapi/v1/order")
async def query_order(venue: Venue, auth: Auth) -> Response:
    """Return one order by ``orderId`` or ``origClientOrderId``."""
    market = venue.market(auth.params.opt("symbol"))
    order = venue.find_order(auth.account, market.symbol, auth.params, unknown=_UNKNOWN_QUERY)
    return reply(
        order_json(order, venue.formats[market.symbol], with_time=True, with_cum_qty=False)
    )


@router.delete("/fapi/v1/order")
async def cancel_order(venue: Venue, auth: Auth) -> Response:
    """Cancel an open order (-2011 when unknown or already closed)."""
    market = venue.market(auth.params.opt("symbol"))
    order = venue.find_order(auth.account, market.symbol, auth.params, unknown=_UNKNOWN_CANCEL)
    if not order.status.is_open:
        raise BinanceError(*_UNKNOWN_CANCEL)
    venue.exchange.cancel(auth.account, market.symbol, order.request.client_id)
    f = venue.formats[market.symbol]
    return reply(order_json(order, f, with_time=False, with_cum_qty=True))


@router.get("/fapi/v1/openOrders")
async def open_orders(venue: Venue, auth: Auth) -> Response:
    """Return open orders of one symbol, or of all symbols."""
    symbol = auth.params.opt("symbol")
    if symbol is not None:
        venue.market(symbol)
    rows = [
        order_json(o, venue.formats[o.request.symbol], with_time=True, with_cum_qty=False)
        for o in venue.exchange.orders[auth.account].values()
        if o.status.is_open and (symbol is None or o.request.symbol == symbol)
    ]
    return reply(rows)


@router.delete("/fapi/v1/allOpenOrders")
async def cancel_all(venue: Venue, auth: Auth) -> Response:
    """Cancel every open order of a symbol."""
    market = venue.market(auth.params.opt("symbol"))
    venue.exchange.cancel_all(auth.account, market.symbol)
    return reply({"code": 200, "msg": "The operation of cancel all open order is done."})


def _window(p: Params, items: list[tuple[int, int]], limit: int) -> list[int]:
    """Pick indexes of (id, time) pairs by fromId / orderId, startTime/endTime, then limit."""
    from_id = p.integer("fromId")
    if from_id is None:
        from_id = p.integer("orderId")
    start, end = p.integer("startTime"), p.integer("endTime")
    picked = [
        k
        for k, (ident, ts) in enumerate(items)
        if (from_id is None or ident >= from_id)
        and (start is None or ts >= start)
        and (end is None or ts <= end)
    ]
    if from_id is not None or start is not None:
        return picked[:limit]
    return picked[-limit:]


def _limit(p: Params, default: int, cap: int) -> int:
    limit = p.integer("limit", default) or default
    if not 1 <= limit <= cap:
        raise BinanceError(-1130, "Data sent for parameter 'limit' is not valid.")
    return limit


@router.get("/fapi/v1/allOrders")
async def all_orders(venue: Venue, auth: Auth) -> Response:
    """Return every order of a symbol (open and closed), oldest first."""
    market = venue.market(auth.params.opt("symbol"))
    orders = sorted(
        (
            o
            for o in venue.exchange.orders[auth.account].values()
            if o.request.symbol == market.symbol
        ),
        key=lambda o: o.seq,
    )
    keep = _window(
        auth.params, [(o.seq, o.created_ms) for o in orders], _limit(auth.params, 500, 1000)
    )
    f = venue.formats[market.symbol]
    return reply([order_json(orders[k], f, with_time=True, with_cum_qty=False) for k in keep])


@router.get("/fapi/v1/userTrades")
async def user_trades(venue: Venue, auth: Auth) -> Response:
    """Return the account's fills on a symbol."""
    p = auth.params
    market = venue.market(p.opt("symbol"))
    fills = [f for f in venue.exchange.fills[auth.account] if f.symbol == market.symbol]
    order_id = p.integer("orderId")
    if order_id is not None:
        fills = [f for f in fills if int(f.venue_order_id) == order_id]
        p = Params({k: v for k, v in p.values.items() if k != "orderId"})
    keep = _window(p, [(trade_id(f), f.ts_ms) for f in fills], _limit(p, 500, 1000))
    fmt = venue.formats[market.symbol]
    return reply([trade_json(fills[k], fmt) for k in keep])
