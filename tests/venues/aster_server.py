"""A small local Aster V3 server: EIP-712 agent auth (`aster_v3_auth`) over a `SimExchange`.

It serves the signed routes `AsterV3Venue` trades through — order (new, query, cancel by client
id), openOrders, userTrades, positionRisk, balance, leverage and time — plus ``POST
/sim/advance`` to move the market and ``GET /sim/orders`` for the venue's truth. Orders and
fills are the simulator's and use the facade's Binance JSON, so answers look like Aster's.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from aster_v3_auth import Authority
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from gridarena.domain.orders import MarginMode
from gridarena.venues.errors import VenueError
from gridarena.venues.facade.errors import BinanceError, from_venue
from gridarena.venues.facade.params import Params
from gridarena.venues.facade.routes_orders import build_request
from gridarena.venues.facade.wire import Formats, money, order_json, trade_json
from gridarena.venues.sim.exchange import SimExchange
from gridarena.venues.sim.market import PHASES


def _wall_us() -> int:
    return time.time_ns() // 1_000


class AsterV3Server:
    """The venue state behind the app: exchange, agents, formats and the clock."""

    def __init__(
        self, exchange: SimExchange, auth: Authority, wall_us: Callable[[], int] = _wall_us
    ) -> None:
        self.exchange = exchange
        self.auth = auth
        self.wall_us = wall_us
        self.formats = {s: Formats(m.instrument) for s, m in exchange.markets.items()}
        self.refused: list[int] = []  # codes of refused signed requests, oldest first

    async def signed(self, request: Request) -> tuple[str, Params]:
        """Verify the request over the exact string sent (query, or form body for POST)."""
        query = request.scope.get("query_string", b"").decode("latin-1")
        raw = query or (await request.body()).decode("utf-8", "replace")
        try:
            account, params = self.auth.verify(raw, self.wall_us())
        except BinanceError as exc:
            self.refused.append(exc.code)
            raise
        return account, Params(params)

    def market_symbol(self, p: Params) -> str:
        """Return the symbol parameter, or -1121."""
        symbol = p.req("symbol")
        if symbol not in self.exchange.markets:
            raise BinanceError(-1121, "Invalid symbol.")
        return symbol

    def order(self, account: str, p: Params, unknown: tuple[int, str]) -> Any:
        """Return the simulator order a request names by client id or order id."""
        symbol = self.market_symbol(p)
        orders = self.exchange.orders[account]
        cid = p.opt("origClientOrderId")
        if cid is None and (oid := p.integer("orderId")) is not None:
            cid = next((c for c, o in orders.items() if int(o.venue_id) == oid), None)
        found = orders.get(cid or "")
        if found is None or found.request.symbol != symbol:
            raise BinanceError(*unknown)
        return found


def _json(data: object) -> Response:
    return JSONResponse(data)


def create_v3_app(server: AsterV3Server) -> FastAPI:
    """Return the FastAPI app serving ``server``."""
    app = FastAPI()
    ex = server.exchange

    @app.exception_handler(BinanceError)
    async def _binance(_: Request, exc: Exception) -> Response:
        assert isinstance(exc, BinanceError)
        return JSONResponse(exc.body(), status_code=exc.status)

    @app.exception_handler(VenueError)
    async def _venue(_: Request, exc: Exception) -> Response:
        assert isinstance(exc, VenueError)
        err = from_venue(exc)
        return JSONResponse(err.body(), status_code=err.status)

    def fmt(order: Any, *, with_time: bool) -> Any:
        f = server.formats[order.request.symbol]
        return order_json(order, f, with_time=with_time, with_cum_qty=not with_time)

    @app.post("/fapi/v3/order")
    async def new_order(request: Request) -> Response:
        account, p = await server.signed(request)
        req = build_request(p, ex.markets[server.market_symbol(p)])
        ex.place(account, req)
        return _json(fmt(ex.orders[account][req.client_id], with_time=False))

    @app.get("/fapi/v3/order")
    async def query_order(request: Request) -> Response:
        account, p = await server.signed(request)
        order = server.order(account, p, (-2013, "Order does not exist."))
        return _json(fmt(order, with_time=True))

    @app.delete("/fapi/v3/order")
    async def cancel_order(request: Request) -> Response:
        account, p = await server.signed(request)
        order = server.order(account, p, (-2011, "Unknown order sent."))
        if not order.status.is_open:
            raise BinanceError(-2011, "Unknown order sent.")
        ex.cancel(account, order.request.symbol, order.request.client_id)
        return _json(fmt(order, with_time=False))

    @app.get("/fapi/v3/openOrders")
    async def open_orders(request: Request) -> Response:
        account, p = await server.signed(request)
        symbol = p.opt("symbol")
        rows = [
            fmt(o, with_time=True)
            for o in ex.orders[account].values()
            if o.status.is_open and symbol in (None, o.request.symbol)
        ]
        return _json(rows)

    @app.get("/fapi/v3/userTrades")
    async def user_trades(request: Request) -> Response:
        account, p = await server.signed(request)
        symbol = server.market_symbol(p)
        start, from_id = p.integer("startTime") or 0, p.integer("fromId") or 0
        fills = [
            trade_json(f, server.formats[symbol])
            for f in ex.fills[account]
            if f.symbol == symbol and f.ts_ms >= start
        ]
        rows = [r for r in fills if int(str(r["id"])) >= from_id]
        return _json(rows[: p.integer("limit", 500) or 500])

    @app.get("/fapi/v3/positionRisk")
    async def position_risk(request: Request) -> Response:
        account, _ = await server.signed(request)
        rows = []
        for pos in ex.positions(account):
            f = server.formats[pos.symbol]
            isolated = pos.margin_mode is MarginMode.ISOLATED
            rows.append(
                {
                    "symbol": pos.symbol,
                    "positionSide": "BOTH",
                    "positionAmt": f.qty(pos.qty),
                    "entryPrice": f.price(pos.entry_price),
                    "markPrice": f.price(pos.mark_price),
                    "unRealizedProfit": money(pos.unrealized_pnl),
                    "liquidationPrice": f.price(pos.liquidation_price or Decimal(0)),
                    "leverage": str(pos.leverage),
                    "marginType": "isolated" if isolated else "cross",
                    "isolatedMargin": money(pos.isolated_margin),
                }
            )
        return _json(rows)

    @app.get("/fapi/v3/balance")
    async def balance(request: Request) -> Response:
        account, _ = await server.signed(request)
        b = ex.balance(account)
        row = {
            "accountAlias": "SimV3",
            "asset": b.asset,
            "balance": money(b.wallet),
            "crossWalletBalance": money(b.wallet),
            "crossUnPnl": money(b.unrealized_pnl),
            "availableBalance": money(b.available),
        }
        return _json([row])

    @app.post("/fapi/v3/leverage")
    async def leverage(request: Request) -> Response:
        account, p = await server.signed(request)
        symbol, lev = server.market_symbol(p), p.integer("leverage") or 1
        ex.set_leverage(account, symbol, lev)
        return _json({"symbol": symbol, "leverage": lev, "maxNotionalValue": "1000000"})

    @app.get("/fapi/v3/time")
    async def server_time() -> Response:
        return _json({"serverTime": max(m.ts_ms() for m in ex.markets.values())})

    @app.post("/sim/advance")
    async def advance(candles: int = 1) -> Response:
        for _ in range(candles * PHASES):
            ex.step()
        return _json({"ok": True})

    @app.get("/sim/orders")
    async def truth(account: str) -> Response:
        return _json({cid: o.status.value for cid, o in ex.orders[account].items()})

    return app
