"""A local Orderly Network REST server: the endpoints ccxt's ``woofipro`` calls, nothing more.

Private routes check Orderly's ed25519 request signature: the ``orderly-signature`` header is
the base64url signature of ``timestamp + method + path[?query] + body`` by the key named in
``orderly-key`` (``ed25519:<base58 public key>``), registered for ``orderly-account-id``.
Orders rest on the server's book until a test fills them (`OrderlyServer.fill`).
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import unquote

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from servers.ledger import Ledger, Order, now_ms
from servers.wirecodec import b58decode

MARKETS = {  # symbol: (quote_tick, base_tick, min_notional, mid)
    "PERP_BTC_USDC": ("0.1", "0.0001", "10", "60000"),
    "PERP_ETH_USDC": ("0.01", "0.001", "10", "3000"),
}
STATUS = {"open": "NEW", "filled": "FILLED", "canceled": "CANCELLED", "rejected": "REJECTED"}
Query = dict[str, str]


class OrderlyError(Exception):
    """An Orderly error answer."""

    def __init__(self, code: int, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


def num(value: Decimal | None) -> float | None:
    """Return a JSON number, as Orderly answers them."""
    return None if value is None else float(value)


def _ledger() -> Ledger:
    return Ledger(
        {s: Decimal(m[3]) for s, m in MARKETS.items()},
        {s: Decimal(m[0]) for s, m in MARKETS.items()},
    )


@dataclass
class OrderlyServer:
    """One Orderly account (``account_id`` signing with ``public_key``)."""

    account_id: str
    public_key: bytes
    ledger: Ledger = field(default_factory=_ledger)
    requests: list[dict[str, Any]] = field(default_factory=list)
    faults: list[tuple[str, int, dict[str, Any], dict[str, str]]] = field(default_factory=list)

    def fail_next(self, route: str, status: int, code: int, **headers: str) -> None:
        """Answer the next request to ``route`` ("POST /v1/order") with an error."""
        body = {"success": False, "code": code, "message": f"injected {status}"}
        self.faults.append((route, status, body, headers))

    def fill(self, client_order_id: str, qty: str | None = None) -> None:
        """Fill a resting order at its limit price (maker)."""
        order = self.ledger.by_client(client_order_id)
        assert order is not None
        assert order.price is not None
        assert order.status == "open"
        self.ledger.fill(order, Decimal(qty) if qty else order.qty - order.filled, order.price)

    def verify(self, request: Request, body: bytes) -> None:
        """Check Orderly's signature headers, or raise -1001/-1002 (HTTP 401)."""
        h = request.headers
        key, ts, sig = h.get("orderly-key"), h.get("orderly-timestamp"), h.get("orderly-signature")
        if h.get("orderly-account-id") != self.account_id or not key or not ts or not sig:
            raise OrderlyError(-1002, "API key or account is invalid.", 401)
        if abs(now_ms() - int(ts)) > 300_000:
            raise OrderlyError(-1001, "Timestamp expired.", 401)
        if b58decode(key.removeprefix("ed25519:")) != self.public_key:
            raise OrderlyError(-1002, "Orderly key is not registered.", 401)
        path = request.url.path + (f"?{unquote(request.url.query)}" if request.url.query else "")
        message = ts.encode() + request.method.encode() + path.encode() + body
        try:
            signature = base64.urlsafe_b64decode(sig + "=" * (-len(sig) % 4))
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(signature, message)
        except (InvalidSignature, ValueError):
            raise OrderlyError(-1001, "Signature verification failed.", 401) from None

    def row(self, o: Order) -> dict[str, Any]:
        """Return an order as ``GET /v1/order`` answers it."""
        return {
            "order_id": o.oid, "user_id": 1, "symbol": o.symbol, "side": o.side,
            "type": o.kind, "price": num(o.price), "quantity": num(o.qty), "amount": None,
            "executed": num(o.filled), "total_executed_quantity": num(o.filled),
            "status": STATUS[o.status], "average_executed_price": num(o.avg) if o.filled else None,
            "total_fee": 0, "fee_asset": "USDC", "client_order_id": o.client_id,
            "reduce_only": o.reduce_only, "created_time": o.created, "updated_time": o.updated,
        }  # fmt: skip

    def order_by(self, *, oid: int | None = None, cid: str | None = None) -> Order:
        """Return an order, or raise -1006."""
        led = self.ledger
        order = led.orders.get(oid) if oid is not None else led.by_client(cid or "")
        if order is None:
            raise OrderlyError(-1006, "The data is not found in server.")
        return order

    def place(self, p: dict[str, Any]) -> dict[str, Any]:
        """Handle ``POST /v1/order``."""
        symbol, kind, side = p["symbol"], p["order_type"], p["side"]
        tick, step, min_notional, _ = (Decimal(x) for x in MARKETS[symbol])
        qty = Decimal(str(p["order_quantity"]))
        price = Decimal(str(p["order_price"])) if "order_price" in p else None
        cid = p.get("client_order_id")
        if cid and self.ledger.by_client(cid) is not None:
            raise OrderlyError(-1007, "client_order_id is duplicated.")
        if qty % step:
            raise OrderlyError(-1104, "The order quantity does not follow the step size.")
        if price is not None and price % tick:
            raise OrderlyError(-1103, "The order price does not follow the tick size.")
        notional = qty * (price or self.ledger.mids[symbol])
        if notional < min_notional:
            raise OrderlyError(-1102, "The order value (price * size) is too small.")
        if notional / self.ledger.leverage > self.ledger.available():
            raise OrderlyError(-1101, "The risk exposure for client is too high.")
        order = Order(0, symbol, side, qty, price, kind, cid, bool(p.get("reduce_only")))
        self.ledger.add(order, take=kind != "POST_ONLY")  # matched later: cancelled, not refused
        return {
            "order_id": order.oid, "client_order_id": cid, "order_type": kind,
            "order_price": p.get("order_price"), "order_quantity": p["order_quantity"],
        }  # fmt: skip

    def cancel(self, q: Query) -> dict[str, Any]:
        """Handle ``DELETE /v1/client/order``."""
        order = self.order_by(cid=q.get("client_order_id"))
        if order.status != "open" or order.symbol != q.get("symbol"):
            raise OrderlyError(-1006, "The order is not open.")
        order.status, order.updated = "canceled", now_ms()
        return {"status": "CANCEL_SENT"}

    def orders(self, q: Query) -> dict[str, Any]:
        """Handle ``GET /v1/orders`` (``status=INCOMPLETE``: open ones)."""
        rows = [
            self.row(o)
            for o in self.ledger.orders.values()
            if (o.status == "open" or q.get("status") != "INCOMPLETE")
            and q.get("symbol") in (None, o.symbol)
        ]
        return {"meta": {"total": len(rows)}, "rows": rows}

    def trades(self, q: Query) -> dict[str, Any]:
        """Handle ``GET /v1/trades``."""
        rows = [
            {"id": t.tid, "symbol": t.order.symbol, "side": t.order.side,
             "order_id": t.order.oid, "executed_price": num(t.price),
             "executed_quantity": num(t.qty), "fee": num(t.fee), "fee_asset": "USDC",
             "is_maker": int(t.maker), "realized_pnl": num(t.realized), "executed_timestamp": t.ts}
            for t in self.ledger.trades
            if t.ts >= int(q.get("start_t", 0)) and q.get("symbol") in (None, t.order.symbol)
        ]  # fmt: skip
        return {"meta": {"total": len(rows)}, "rows": rows}

    def positions(self) -> dict[str, Any]:
        """Handle ``GET /v1/positions``."""
        led = self.ledger
        rows = [
            {"symbol": s, "position_qty": num(q), "average_open_price": num(avg),
             "mark_price": num(led.mids[s]), "unsettled_pnl": num(q * (led.mids[s] - avg)),
             "est_liq_price": 0, "imr": 1 / led.leverage, "timestamp": now_ms()}
            for s, (q, avg) in led.positions.items()
        ]  # fmt: skip
        return {
            "free_collateral": num(led.available()),
            "total_collateral_value": num(led.cash + led.unrealized()),
            "rows": rows,
        }

    def kline(self, q: Query) -> dict[str, Any]:
        """Handle ``GET /v1/kline``: flat candles at the mid, one minute apart."""
        mid = self.ledger.mids[q["symbol"]]
        rows = [
            {"open": num(mid), "high": num(mid + 10), "low": num(mid - 10), "close": num(mid),
             "volume": 1.5, "amount": 1.0, "symbol": q["symbol"], "type": q["type"],
             "start_timestamp": 1_700_000_000_000 + 60_000 * i}
            for i in range(int(q.get("limit", 3)))
        ]  # fmt: skip
        return {"rows": rows}

    def handle(self, method: str, path: str, body: dict[str, Any], q: Query) -> Any:
        """Route a verified private request."""
        led = self.ledger
        if (method, path) == ("POST", "order"):
            return self.place(body)
        if (method, path) == ("DELETE", "client/order"):
            return self.cancel(q)
        if method == "GET" and path.startswith("client/order/"):
            return self.row(self.order_by(cid=path.removeprefix("client/order/")))
        if method == "GET" and path.startswith("order/"):
            return self.row(self.order_by(oid=int(path.removeprefix("order/"))))
        if method == "GET" and path.startswith("orderbook/"):
            bid, ask = led.bid_ask(path.removeprefix("orderbook/"))
            book = {"bids": [{"price": num(bid), "quantity": 5.0}], "timestamp": now_ms()}
            return book | {"asks": [{"price": num(ask), "quantity": 4.0}]}
        if (method, path) == ("POST", "client/leverage"):
            led.leverage = int(body["leverage"])
            return None
        reads = {
            "orders": lambda: self.orders(q),
            "trades": lambda: self.trades(q),
            "positions": self.positions,
            "kline": lambda: self.kline(q),
            "client/info": lambda: {"account_id": self.account_id, "max_leverage": led.leverage},
            "client/holding": lambda: {"holding": [{"token": "USDC", "holding": num(led.cash),
                                                    "frozen": 0, "pending_short": 0}]},
        }  # fmt: skip
        if method == "GET" and path in reads:
            return reads[path]()
        raise OrderlyError(-1004, f"unknown route {method} /v1/{path}", 404)


def create_app(server: OrderlyServer) -> FastAPI:
    """Return the ASGI app serving ``server``."""
    app = FastAPI()

    def answer(data: Any) -> JSONResponse:
        return JSONResponse({"success": True, "timestamp": now_ms(), "data": data})

    @app.get("/v1/public/info")
    async def info() -> JSONResponse:
        rows = [
            {"symbol": s, "quote_tick": float(t), "base_tick": float(b), "base_min": float(b),
             "base_max": 100, "quote_min": 0, "quote_max": 1_000_000, "min_notional": float(n)}
            for s, (t, b, n, _) in MARKETS.items()
        ]  # fmt: skip
        return answer({"rows": rows})

    @app.api_route("/v1/{path:path}", methods=["GET", "POST", "DELETE"])
    async def private(path: str, request: Request) -> JSONResponse:
        body = await request.body()
        query = dict(request.query_params)
        server.requests.append(
            {"method": request.method, "path": path, "query": query, "body": body.decode()}
        )
        route = f"{request.method} /v1/{path}"
        for fault in server.faults:
            if fault[0] == route:
                server.faults.remove(fault)
                return JSONResponse(fault[2], status_code=fault[1], headers=fault[3])
        try:
            server.verify(request, body)
            payload = json.loads(body) if body else {}
            return answer(server.handle(request.method, path, payload, query))
        except OrderlyError as exc:
            error = {"success": False, "code": exc.code, "message": exc.message}
            return JSONResponse(error, status_code=exc.status)

    return app
