"""Orderly Network perpetuals through ccxt ``woofipro`` (WOOFi Pro is an Orderly broker).

Our client id travels as Orderly's ``client_order_id``. ccxt stamps ``order_tag = brokerId``
("CCXT") into every order body unless its ``sandboxMode`` option is set; that option does nothing
else in ccxt's woofipro (URLs are switched by ``set_sandbox_mode``, which we never call: we set
the URLs ourselves), so it is set to keep orders untagged. Orderly matches asynchronously: a
placement answers with an order id, and the order's fate is read afterwards.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import ccxt.async_support as ccxt_async

from gridarena.domain.orders import (
    Balance,
    Fill,
    Liquidity,
    MarginMode,
    Order,
    OrderRequest,
    OrderStatus,
    OrderType,
    Position,
    TimeInForce,
)
from gridarena.domain.types import Side
from gridarena.venues.base import Capability
from gridarena.venues.errors import OrderRejected
from gridarena.venues.live import orderly_errors
from gridarena.venues.live.edge import client_class
from gridarena.venues.live.profile import (
    ClientSettings,
    OrderArgs,
    Raw,
    VenueProfile,
    dec,
    dec_or_none,
    millis,
)

OPTIONS: dict[str, Any] = {"sandboxMode": True}  # see the module docstring: no order_tag

CAPABILITIES: Mapping[Capability, bool] = {
    Capability.LIMIT_ORDERS: True,
    Capability.MARKET_ORDERS: True,
    Capability.POST_ONLY: True,
    Capability.REDUCE_ONLY: True,
    Capability.STOP_ORDERS: False,  # algo orders: not wired in this adapter
    Capability.CLIENT_ORDER_ID: True,
    Capability.SET_LEVERAGE: True,
    Capability.ISOLATED_MARGIN: False,
    Capability.FUNDING: True,
    Capability.ORDER_BOOK: True,
    Capability.EVENT_STREAM: True,  # polled
    Capability.SUB_ACCOUNTS: False,
    Capability.CANDLES: True,
}

_BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def base58_to_binary(text: str) -> bytes:
    """Decode base58 keeping leading zero bytes.

    ccxt 4.5.90 drops them, so a key whose 32-byte seed starts with 0x00 (one in 256) would
    decode to 31 bytes and fail to sign.
    """
    number = 0
    for char in text:
        number = number * 58 + _BASE58.index(char)
    body = number.to_bytes((number.bit_length() + 7) // 8, "big")
    return b"\0" * (len(text) - len(text.lstrip("1"))) + body


_STATUS = {
    "NEW": OrderStatus.NEW,
    "PARTIAL_FILLED": OrderStatus.PARTIALLY_FILLED,
    "FILLED": OrderStatus.FILLED,
    "CANCELLED": OrderStatus.CANCELED,
    "CANCEL_SENT": OrderStatus.NEW,  # the cancel is on its way; not final yet
    "REJECTED": OrderStatus.REJECTED,
    "EXPIRED": OrderStatus.EXPIRED,
}
_TIF = {"POST_ONLY": TimeInForce.GTX, "IOC": TimeInForce.IOC, "FOK": TimeInForce.FOK}
_TIF_PARAM = {TimeInForce.IOC: "ioc", TimeInForce.FOK: "fok"}


class OrderlyProfile(VenueProfile):
    """Orderly Network (EVM) perpetuals, USDC-settled."""

    name = "orderly"
    ccxt_id = "woofipro"
    capabilities = CAPABILITIES
    errors = orderly_errors.TABLE
    settle_asset = "USDC"
    mainnet_url = "https://api-evm.orderly.org"
    testnet_url = "https://testnet-api-evm.orderly.org"
    default_max_leverage = 50

    def create_client(self, settings: ClientSettings) -> Any:
        """Return a ccxt ``woofipro`` on the settings' URL with order tags off."""
        creds = settings.credentials
        config: dict[str, Any] = {
            "timeout": settings.timeout_ms,
            "enableRateLimit": settings.rate_limit,
            "logger": settings.logger,
            "options": dict(OPTIONS),
        }
        if creds.api_key is not None and creds.secret is not None:
            config["apiKey"] = creds.api_key.get_secret_value()
            config["secret"] = creds.secret.get_secret_value()
            config["accountId"] = creds.account_id
        overrides = {"base58_to_binary": staticmethod(base58_to_binary)}
        client = client_class(ccxt_async.woofipro, overrides=overrides)(config)
        client.urls["api"] = {"public": settings.base_url, "private": settings.base_url}
        client.has = {**client.has, "fetchCurrencies": False}  # token/chain lists: not needed
        client.options.update(OPTIONS)
        return client

    def order_args(
        self,
        request: OrderRequest,
        reference_price: Decimal | None,  # noqa: ARG002
    ) -> OrderArgs:
        """Return ``create_order`` arguments; the client id goes as ``client_order_id``."""
        if request.close_position:
            raise OrderRejected("Orderly has no closePosition; send a reduce-only order")
        params: dict[str, Any] = {"client_order_id": request.client_id}
        if request.type is OrderType.LIMIT:
            if request.post_only:
                params["postOnly"] = True
            elif request.time_in_force in _TIF_PARAM:
                params["timeInForce"] = _TIF_PARAM[request.time_in_force]
        if request.reduce_only:
            params["reduceOnly"] = True
        kind = "limit" if request.type is OrderType.LIMIT else "market"
        price = str(request.price) if request.type is OrderType.LIMIT else None
        return OrderArgs(kind, request.side.value.lower(), str(request.qty), price, params)

    def lookup_params(
        self,
        client_id: str,
        *,
        trigger: bool = False,  # noqa: ARG002 - one namespace for every order
    ) -> dict[str, Any]:
        """Address an order by ``client_order_id``."""
        return {"client_order_id": client_id}

    def parse_placed(self, raw: Raw, request: OrderRequest, symbol: str) -> Order:
        """Read the acknowledgement (``order_id``, ``client_order_id``): the order is NEW."""
        info = raw["info"]
        return Order(
            symbol=symbol,
            client_id=request.client_id,
            venue_id=str(info["order_id"]),
            side=request.side,
            type=request.type,
            qty=request.qty,
            price=request.price,
            status=OrderStatus.NEW,
            time_in_force=request.time_in_force,
            reduce_only=request.reduce_only,
            created_ms=millis(raw.get("timestamp")),
            updated_ms=millis(raw.get("timestamp")),
        )

    def parse_order(self, raw: Raw, symbol: str, client_id: str) -> Order:
        """Read ``GET /v1/client/order/{client_order_id}`` and ``/v1/orders`` rows."""
        info = raw["info"]
        wire_type = str(info.get("type") or "LIMIT")
        kind = OrderType.MARKET if wire_type == "MARKET" else OrderType.LIMIT
        return Order(
            symbol=symbol,
            client_id=client_id,
            venue_id=str(info["order_id"]),
            side=Side(info["side"]),
            type=kind,
            qty=dec(info["quantity"]),
            price=dec_or_none(info.get("price")) if kind is OrderType.LIMIT else None,
            status=_STATUS.get(str(info.get("status")), OrderStatus.NEW),
            filled_qty=dec(info.get("total_executed_quantity"), Decimal(0)),
            avg_price=dec_or_none(info.get("average_executed_price")),
            time_in_force=_TIF.get(wire_type, TimeInForce.GTC),
            reduce_only=bool(info.get("reduce_only")),
            created_ms=millis(info.get("created_time")),
            updated_ms=millis(info.get("updated_time")),
        )

    def parse_fill(self, raw: Raw, symbol: str, client_id: str) -> Fill:
        """Read a ``GET /v1/trades`` row."""
        info = raw["info"]
        return Fill(
            trade_id=str(info["id"]),
            symbol=symbol,
            client_id=client_id,
            venue_order_id=str(info["order_id"]),
            side=Side(info["side"]),
            price=dec(info["executed_price"]),
            qty=dec(info["executed_quantity"]),
            fee=dec(info.get("fee"), Decimal(0)),
            liquidity=Liquidity.MAKER if str(info.get("is_maker")) == "1" else Liquidity.TAKER,
            realized_pnl=dec(info.get("realized_pnl"), Decimal(0)),
            ts_ms=millis(info["executed_timestamp"]),
            fee_asset=str(info.get("fee_asset") or self.settle_asset),
        )

    async def _positions_data(self, exchange: Any) -> Raw:
        response = await exchange.v1PrivateGetPositions()
        data: Raw = response.get("data") or {}
        return data

    async def positions(self, exchange: Any, symbols: Mapping[str, str]) -> list[Position]:
        """Read ``/v1/positions``; Orderly's leverage is the account's (``/v1/client/info``)."""
        rows = (await self._positions_data(exchange)).get("rows", [])
        rows = [r for r in rows if dec(r.get("position_qty"), Decimal(0)) != 0]
        if not rows:
            return []
        account = (await exchange.v1PrivateGetClientInfo()).get("data") or {}
        by_id = {m["id"]: s for s, m in exchange.markets.items()}
        return [
            Position(
                symbol=symbols.get(by_id.get(r["symbol"], ""), r["symbol"]),
                qty=dec(r["position_qty"]),
                entry_price=dec(r["average_open_price"]),
                mark_price=dec(r["mark_price"]),
                unrealized_pnl=dec(r.get("unrealized_pnl", r.get("unsettled_pnl")), Decimal(0)),
                leverage=int(dec(account.get("max_leverage"), Decimal(1))),
                liquidation_price=dec_or_none(r.get("est_liq_price")),
            )
            for r in rows
        ]

    async def balance(self, exchange: Any) -> Balance:
        """Read the USDC holding and the free collateral (``/v1/positions``)."""
        info = (await exchange.fetch_balance())["info"]
        holding: Raw = next(
            (h for h in info.get("holding", []) if h.get("token") == self.settle_asset), {}
        )
        data = await self._positions_data(exchange)
        unrealized = sum(
            (
                dec(r.get("unrealized_pnl", r.get("unsettled_pnl")), Decimal(0))
                for r in data.get("rows", [])
            ),
            Decimal(0),
        )
        wallet = dec(holding.get("holding"), Decimal(0))
        return Balance(
            asset=self.settle_asset,
            wallet=wallet,
            unrealized_pnl=unrealized,
            available=dec(data.get("free_collateral"), wallet),
        )

    async def set_leverage(
        self,
        exchange: Any,
        symbol: str,
        leverage: int,
        margin_mode: MarginMode | None,  # noqa: ARG002 - cross only, checked by the venue
    ) -> None:
        """Set the account leverage (Orderly margins are cross only)."""
        await exchange.set_leverage(leverage, symbol)
