"""Binance's algo-order routes for conditional orders (what ccxt 4.5 uses for stop orders).

``POST /fapi/v1/algoOrder`` with ``algoType=CONDITIONAL`` and ``type`` STOP_MARKET or
TAKE_PROFIT_MARKET places the same simulator stop order ``POST /fapi/v1/order`` would; the
client algo id is the simulator's client order id, so one namespace covers both routes.
"""

from __future__ import annotations

from fastapi import APIRouter, Response

from gridarena.domain.orders import OrderStatus, OrderType
from gridarena.venues.facade.errors import BinanceError
from gridarena.venues.facade.params import Params
from gridarena.venues.facade.routes_orders import build_request, place
from gridarena.venues.facade.state import Auth, Venue, VenueState
from gridarena.venues.facade.wire import JSON, Formats, money, reply
from gridarena.venues.sim.book import SimOrder

router = APIRouter()

_ALGO_STATUS = {
    OrderStatus.NEW: "NEW",
    OrderStatus.PARTIALLY_FILLED: "TRIGGERED",
    OrderStatus.FILLED: "FINISHED",
    OrderStatus.CANCELED: "CANCELED",
    OrderStatus.REJECTED: "REJECTED",
    OrderStatus.EXPIRED: "EXPIRED",
}
_CONDITIONAL = (OrderType.STOP_MARKET, OrderType.TAKE_PROFIT_MARKET)
_CONDITIONAL_NAMES = frozenset(t.value for t in _CONDITIONAL)


def algo_json(order: SimOrder, f: Formats) -> JSON:
    """Return a conditional order as the algo routes do."""
    r = order.request
    fired = order.status is OrderStatus.FILLED
    return {
        "algoId": int(order.venue_id),
        "clientAlgoId": r.client_id,
        "algoType": "CONDITIONAL",
        "orderType": r.type.value,
        "symbol": r.symbol,
        "side": r.side.value,
        "positionSide": "BOTH",
        "timeInForce": r.time_in_force.value,
        "quantity": f.qty(r.qty),
        "algoStatus": _ALGO_STATUS[order.status],
        "triggerPrice": f.price(r.stop_price),
        "price": f.price(None),
        "workingType": "CONTRACT_PRICE",
        "priceMatch": "NONE",
        "selfTradePreventionMode": "NONE",
        "closePosition": r.close_position,
        "priceProtect": False,
        "reduceOnly": r.reduce_only or r.close_position,
        "activatePrice": "",
        "callbackRate": "",
        "createTime": order.created_ms,
        "updateTime": order.updated_ms or order.created_ms,
        "triggerTime": order.updated_ms if fired else 0,
        "goodTillDate": 0,
        "actualOrderId": order.venue_id if fired else "",
        "executedQty": f.qty(order.filled),
        "avgPrice": money(order.avg_price),
    }


def _find(venue: VenueState, account: str, p: Params) -> SimOrder:
    algo_id = p.integer("algoId")
    client_id = p.opt("clientAlgoId")
    if algo_id is None and client_id is None:
        raise BinanceError(
            -1102, "Param 'clientAlgoId' or 'algoId' must be sent, but both were empty/null!"
        )
    if client_id is None and algo_id is not None:
        client_id = venue.order_ids.get(account, {}).get(algo_id)
    order = venue.exchange.orders.get(account, {}).get(client_id or "")
    if order is None or order.request.type not in _CONDITIONAL:
        raise BinanceError(-2013, "Order does not exist.")
    if algo_id is not None and int(order.venue_id) != algo_id:
        raise BinanceError(-2013, "Order does not exist.")
    return order


@router.post("/fapi/v1/algoOrder")
async def new_algo_order(venue: Venue, auth: Auth) -> Response:
    """Place a conditional (stop or take-profit market) order."""
    p = auth.params
    if p.req("algoType") != "CONDITIONAL":
        raise BinanceError(-1130, "Data sent for parameter 'algoType' is not valid.")
    market = venue.market(p.opt("symbol"))
    if p.opt("type") not in _CONDITIONAL_NAMES:
        raise BinanceError(-1116, "Invalid orderType.")
    values = {k: v for k, v in p.values.items() if k not in ("triggerPrice", "clientAlgoId")}
    values["stopPrice"] = p.req("triggerPrice")
    if p.opt("clientAlgoId") is not None:
        values["newClientOrderId"] = p.opt("clientAlgoId") or ""
    order = place(venue, auth.account, build_request(Params(values), market))
    return reply(algo_json(order, venue.formats[market.symbol]))


@router.get("/fapi/v1/algoOrder")
async def query_algo_order(venue: Venue, auth: Auth) -> Response:
    """Return a conditional order by ``algoId`` or ``clientAlgoId``."""
    order = _find(venue, auth.account, auth.params)
    return reply(algo_json(order, venue.formats[order.request.symbol]))


@router.delete("/fapi/v1/algoOrder")
async def cancel_algo_order(venue: Venue, auth: Auth) -> Response:
    """Cancel an untriggered conditional order."""
    order = _find(venue, auth.account, auth.params)
    if not order.status.is_open:
        raise BinanceError(-2011, "Unknown order sent.")
    venue.exchange.cancel(auth.account, order.request.symbol, order.request.client_id)
    return reply(
        {
            "algoId": int(order.venue_id),
            "clientAlgoId": order.request.client_id,
            "code": "200",
            "msg": "success",
        }
    )


@router.get("/fapi/v1/openAlgoOrders")
async def open_algo_orders(venue: Venue, auth: Auth) -> Response:
    """Return untriggered conditional orders (of one symbol, or all)."""
    symbol = auth.params.opt("symbol")
    if symbol is not None:
        venue.market(symbol)
    return reply(
        [
            algo_json(o, venue.formats[o.request.symbol])
            for o in venue.exchange.orders[auth.account].values()
            if o.status.is_open
            and o.request.type in _CONDITIONAL
            and (symbol is None or o.request.symbol == symbol)
        ]
    )
