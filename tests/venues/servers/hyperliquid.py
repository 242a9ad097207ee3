"""A local Hyperliquid API server: ``POST /info`` and ``POST /exchange`` as ccxt calls them.

``/exchange`` checks the L1 action signature the way the venue does: keccak of the
MessagePack action + nonce (+ vault flag), wrapped in the EIP-712 ``Agent`` phantom message
(source "a" on mainnet, "b" on testnet); the signer is recovered with eth-account and must be
the wallet or one of its approved agents, else "User or API Wallet 0x... does not exist."
Orders rest on the server's book until a test fills them (`HyperliquidServer.fill`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_utils import keccak
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from servers.ledger import Ledger, Order, now_ms
from servers.wirecodec import packb

COINS = {"BTC": (5, "60000"), "ETH": (4, "3000")}  # name: (szDecimals, mid)
ZERO = "0x0000000000000000000000000000000000000000"
AGENT_TYPES = {
    "EIP712Domain": [
        {"name": "name", "type": "string"},
        {"name": "version", "type": "string"},
        {"name": "chainId", "type": "uint256"},
        {"name": "verifyingContract", "type": "address"},
    ],
    "Agent": [{"name": "source", "type": "string"}, {"name": "connectionId", "type": "bytes32"}],
}
STATUS = {"open": "open", "filled": "filled", "canceled": "canceled", "rejected": "rejected"}


def s(value: Decimal) -> str:
    """Return a decimal as Hyperliquid spells numbers: a string."""
    return f"{value.normalize():f}"


def action_hash(action: Any, nonce: int, vault: str | None, expires: int | None) -> bytes:
    """Return the hash an L1 action's signature commits to."""
    data = packb(action) + nonce.to_bytes(8, "big")
    data += b"\x00" if vault is None else b"\x01" + bytes.fromhex(vault.removeprefix("0x"))
    if expires is not None:
        data += b"\x00" + expires.to_bytes(8, "big")
    return keccak(data)


def recover_signer(body: dict[str, Any], testnet: bool) -> str:
    """Return the address that signed an ``/exchange`` request."""
    digest = action_hash(
        body["action"], body["nonce"], body.get("vaultAddress"), body.get("expiresAfter")
    )
    message = encode_typed_data(
        full_message={
            "types": AGENT_TYPES,
            "primaryType": "Agent",
            "domain": {
                "name": "Exchange",
                "version": "1",
                "chainId": 1337,
                "verifyingContract": ZERO,
            },
            "message": {"source": "b" if testnet else "a", "connectionId": digest},
        }
    )
    sig = body["signature"]
    vrs = (int(sig["v"]), int(sig["r"], 16), int(sig["s"], 16))
    return str(Account.recover_message(message, vrs=vrs)).lower()


@dataclass
class HyperliquidServer:
    """One Hyperliquid account: ``wallet`` signs itself or through ``agents``."""

    wallet: str
    agents: set[str] = field(default_factory=set)
    testnet: bool = False
    ledger: Ledger = field(
        default_factory=lambda: Ledger(
            {c: Decimal(m) for c, (_, m) in COINS.items()},
            {c: Decimal(1) / 10 ** (6 - d) for c, (d, _) in COINS.items()},
        )
    )
    actions: list[dict[str, Any]] = field(default_factory=list)
    faults: list[tuple[str, int, str, dict[str, str]]] = field(default_factory=list)
    cloids: dict[int, str] = field(default_factory=dict)
    margin: str = "cross"

    def fail_next(self, path: str, status: int, body: str = "", **headers: str) -> None:
        """Answer the next request to ``path`` ("/exchange") with an HTTP error."""
        self.faults.append((path, status, body, headers))

    def fill(self, cloid: str, qty: str | None = None) -> None:
        """Fill a resting order at its limit price (maker)."""
        oid = next(o for o, c in self.cloids.items() if c == cloid)
        order = self.ledger.orders[oid]
        assert order.price is not None
        assert order.status == "open"
        self.ledger.fill(order, Decimal(qty) if qty else order.qty - order.filled, order.price)

    def _wire(self, o: Order) -> dict[str, Any]:
        tif = o.kind if o.kind in ("Gtc", "Alo", "Ioc") else None
        return {
            "coin": o.symbol, "side": "B" if o.side == "BUY" else "A",
            "limitPx": s(o.price or Decimal(0)), "sz": s(o.qty - o.filled), "oid": o.oid,
            "timestamp": o.created, "origSz": s(o.qty), "cloid": self.cloids.get(o.oid),
            "orderType": "Limit", "tif": tif, "reduceOnly": o.reduce_only, "isTrigger": False,
            "triggerPx": "0.0", "triggerCondition": "N/A", "children": [],
            "isPositionTpsl": False,
        }  # fmt: skip

    def _place(self, wire: dict[str, Any]) -> dict[str, Any]:
        coin = next(c for i, c in enumerate(COINS) if i == wire["a"])
        decimals, price, qty = COINS[coin][0], Decimal(wire["p"]), Decimal(wire["s"])
        side, tif = ("BUY" if wire["b"] else "SELL"), wire["t"]["limit"]["tif"]
        held = self.ledger.position(coin)
        if -price.as_tuple().exponent > 6 - decimals:  # type: ignore[operator]
            return {"error": "Price must be divisible by tick size. asset=" + str(wire["a"])}
        if qty % (Decimal(1) / 10**decimals) or qty <= 0:
            return {"error": "Order has invalid size."}
        if wire["r"] and (held == 0 or (held > 0) == wire["b"]):
            return {"error": "Reduce only order would increase position. asset=" + str(wire["a"])}
        if qty * price < 10 and not wire["r"]:
            return {"error": "Order must have minimum value of $10. asset=" + str(wire["a"])}
        if qty * price / self.ledger.leverage > self.ledger.available():
            return {"error": "Insufficient margin to place order. asset=" + str(wire["a"])}
        crosses = self.ledger.crosses(coin, side, price)
        if tif == "Alo" and crosses:
            bid, ask = self.ledger.bid_ask(coin)
            return {"error": f"Post only order would have immediately matched, bbo was "
                             f"{s(bid)}@{s(ask)}. asset={wire['a']}"}  # fmt: skip
        if tif == "Ioc" and not crosses:
            return {"error": "Order could not immediately match against any resting orders."}
        order = self.ledger.add(Order(0, coin, side, qty, price, tif, None, wire["r"]))
        if wire.get("c"):
            self.cloids[order.oid] = wire["c"]
        if order.filled:
            return {"filled": {"totalSz": s(order.filled), "avgPx": s(order.avg), "oid": order.oid}}
        return {"resting": {"oid": order.oid}}

    def _cancel(self, oid: int | None) -> Any:
        order = self.ledger.orders.get(oid) if oid is not None else None
        if order is None or order.status != "open":
            return {"error": "Order was never placed, already canceled, or filled."}
        order.status, order.updated = "canceled", now_ms()
        return "success"

    def exchange(self, body: dict[str, Any]) -> dict[str, Any]:
        """Handle ``POST /exchange``."""
        self.actions.append(body["action"])
        signer = recover_signer(body, self.testnet)
        if signer != self.wallet.lower() and signer not in {a.lower() for a in self.agents}:
            return {"status": "err", "response": f"User or API Wallet {signer} does not exist."}
        action, kind = body["action"], body["action"]["type"]
        if kind == "order":
            statuses = [self._place(w) for w in action["orders"]]
        elif kind == "cancelByCloid":
            by_cloid = {c: o for o, c in self.cloids.items()}
            statuses = [self._cancel(by_cloid.get(c["cloid"])) for c in action["cancels"]]
        elif kind == "cancel":
            statuses = [self._cancel(c["o"]) for c in action["cancels"]]
        elif kind == "updateLeverage":
            self.ledger.leverage = int(action["leverage"])
            self.margin = "cross" if action["isCross"] else "isolated"
            return {"status": "ok", "response": {"type": "default"}}
        else:
            return {"status": "err", "response": f"Unexpected action {kind}."}
        return {"status": "ok", "response": {"type": kind, "data": {"statuses": statuses}}}

    def clearinghouse(self) -> dict[str, Any]:
        """Return ``clearinghouseState``."""
        led = self.ledger
        rows = [
            {"type": "oneWay", "position": {
                "coin": c, "szi": s(q), "entryPx": s(avg), "positionValue": s(abs(q) * led.mids[c]),
                "unrealizedPnl": s(q * (led.mids[c] - avg)), "liquidationPx": None,
                "marginUsed": s(abs(q) * led.mids[c] / led.leverage), "maxLeverage": 50,
                "leverage": {"type": self.margin, "value": led.leverage}}}
            for c, (q, avg) in led.positions.items()
        ]  # fmt: skip
        value = s(led.cash + led.unrealized())
        summary = {"accountValue": value, "totalMarginUsed": s(led.margin_used())}
        return {
            "assetPositions": rows, "marginSummary": summary, "crossMarginSummary": summary,
            "withdrawable": s(led.available()), "time": now_ms(),
        }  # fmt: skip

    def info(self, q: dict[str, Any]) -> Any:
        """Handle ``POST /info``."""
        led, kind = self.ledger, q["type"]
        if kind == "metaAndAssetCtxs":
            universe = [
                {"name": c, "szDecimals": d, "maxLeverage": 50} for c, (d, _) in COINS.items()
            ]
            ctxs = [
                {"markPx": m, "midPx": m, "oraclePx": m, "funding": "0.0"}
                for _, m in COINS.values()
            ]
            return [{"universe": universe}, ctxs]
        if kind == "allMids":
            return {c: s(m) for c, m in led.mids.items()}
        if kind == "l2Book":
            bid, ask = led.bid_ask(q["coin"])
            levels = [[{"px": s(bid), "sz": "2.5", "n": 1}], [{"px": s(ask), "sz": "1.5", "n": 1}]]
            return {"coin": q["coin"], "time": now_ms(), "levels": levels}
        if kind == "candleSnapshot":
            r, mid = q["req"], s(led.mids[q["req"]["coin"]])
            start = r["startTime"] - r["startTime"] % 60_000
            return [
                {"t": t, "T": t + 59_999, "s": r["coin"], "i": r["interval"], "o": mid, "c": mid,
                 "h": mid, "l": mid, "v": "1.0", "n": 1}
                for t in range(start, r["endTime"], 60_000)
            ][-50:]  # fmt: skip
        if str(q.get("user", "")).lower() != self.wallet.lower():
            return None if kind == "orderStatus" else []
        if kind == "clearinghouseState":
            return self.clearinghouse()
        if kind in ("openOrders", "frontendOpenOrders"):
            return [self._wire(o) for o in led.orders.values() if o.status == "open"]
        if kind in ("userFills", "userFillsByTime"):
            return [
                {"coin": t.order.symbol, "px": s(t.price), "sz": s(t.qty), "tid": t.tid,
                 "side": "B" if t.order.side == "BUY" else "A", "time": t.ts, "oid": t.order.oid,
                 "fee": s(t.fee), "feeToken": "USDC", "closedPnl": s(t.realized),
                 "crossed": not t.maker, "hash": "0x" + "0" * 64, "dir": "Open Long",
                 "startPosition": "0.0", "cloid": self.cloids.get(t.order.oid)}
                for t in led.trades if t.ts >= int(q.get("startTime", 0))
            ]  # fmt: skip
        if kind == "orderStatus":
            oid = q["oid"]
            if isinstance(oid, str):
                oid = next((o for o, c in self.cloids.items() if c == oid), None)
            order = led.orders.get(oid) if oid is not None else None
            if order is None:
                return {"status": "unknownOid"}
            state = {"order": self._wire(order), "status": STATUS[order.status],
                     "statusTimestamp": order.updated}  # fmt: skip
            return {"status": "order", "order": state}
        return {"status": "err", "response": f"unknown info type {kind}"}


def create_app(server: HyperliquidServer) -> FastAPI:
    """Return the ASGI app serving ``server``."""
    app = FastAPI()

    @app.post("/{path}")
    async def endpoint(path: str, request: Request) -> JSONResponse:
        for fault in server.faults:
            if fault[0] == f"/{path}":
                server.faults.remove(fault)
                return JSONResponse(fault[2], status_code=fault[1], headers=fault[3])
        body = await request.json()
        if path == "exchange":
            return JSONResponse(server.exchange(body))
        if path == "info":
            return JSONResponse(server.info(body))
        return JSONResponse({"status": "err", "response": "not found"}, status_code=404)

    return app
