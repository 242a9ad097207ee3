"""Hyperliquid perpetuals through ccxt ``hyperliquid``.

Our client id travels as Hyperliquid's 128-bit ``cloid`` (`hyperliquid_cloid`), so the venue
sees a hash; the adapter keeps the mapping back (`CcxtVenue.remember_client_ids` teaches it ids
of an earlier run). ccxt's client, before its first order or cancel, approves a builder fee
for ccxt's builder address and sets the referral code "CCXT1" (``initialize_client``), then
attaches ``builder`` to every order once approved. All of it is off here: ``initialize_client``
is replaced by a no-op, ``builderFee`` and ``approvedBuilderFee`` are False and ``refSet`` is
True. Hyperliquid has no stop-market order type and no FOK; both are refused before sending.
"""

from __future__ import annotations

import time
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
from gridarena.execution.client_ids import hyperliquid_cloid
from gridarena.venues.base import Capability
from gridarena.venues.errors import OrderRejected
from gridarena.venues.live import hyperliquid_errors
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

OPTIONS: dict[str, Any] = {
    "builderFee": False,
    "approvedBuilderFee": False,
    "refSet": True,
    "enableUnifiedMargin": False,  # perp margin account: clearinghouseState, not spot
    "fetchMarkets": {"types": ["swap"]},
    "defaultSlippage": "0.05",
}

CAPABILITIES: Mapping[Capability, bool] = {
    Capability.LIMIT_ORDERS: True,
    Capability.MARKET_ORDERS: True,
    Capability.POST_ONLY: True,
    Capability.REDUCE_ONLY: True,
    Capability.STOP_ORDERS: False,
    Capability.CLIENT_ORDER_ID: True,
    Capability.SET_LEVERAGE: True,
    Capability.ISOLATED_MARGIN: True,
    Capability.FUNDING: True,
    Capability.ORDER_BOOK: True,
    Capability.EVENT_STREAM: True,  # polled
    Capability.SUB_ACCOUNTS: False,
    Capability.CANDLES: True,
}

_TIF = {"Alo": TimeInForce.GTX, "Ioc": TimeInForce.IOC, "Gtc": TimeInForce.GTC}


def _status(wire: str | None, remaining: Decimal, total: Decimal) -> OrderStatus:
    if wire in (None, "open", "triggered"):
        return OrderStatus.PARTIALLY_FILLED if remaining < total else OrderStatus.NEW
    if wire == "filled":
        return OrderStatus.FILLED
    if wire.endswith("Rejected") or wire == "rejected":
        return OrderStatus.REJECTED
    return OrderStatus.CANCELED  # canceled, marginCanceled, reduceOnlyCanceled, ...


class HyperliquidProfile(VenueProfile):
    """Hyperliquid perpetuals, USDC-settled; an agent key may sign for the main wallet."""

    name = "hyperliquid"
    ccxt_id = "hyperliquid"
    capabilities = CAPABILITIES
    errors = hyperliquid_errors.TABLE
    settle_asset = "USDC"
    mainnet_url = "https://api.hyperliquid.xyz"
    testnet_url = "https://api.hyperliquid-testnet.xyz"
    default_max_leverage = 50

    def create_client(self, settings: ClientSettings) -> Any:
        """Return a ccxt ``hyperliquid`` on the settings' URL, builder fee and referral off."""
        creds = settings.credentials
        options = {**OPTIONS, "sandboxMode": settings.testnet}  # signs as testnet ("b")
        config: dict[str, Any] = {
            "timeout": settings.timeout_ms,
            "enableRateLimit": settings.rate_limit,
            "logger": settings.logger,
            "options": options,
        }
        if creds.private_key is not None and creds.wallet_address is not None:
            config["privateKey"] = creds.private_key.get_secret_value()
            config["walletAddress"] = creds.wallet_address
        client = client_class(ccxt_async.hyperliquid, skip_initialize=True)(config)
        client.urls["api"] = {"public": settings.base_url, "private": settings.base_url}
        client.has = {**client.has, "fetchCurrencies": False}  # spot tokens: not needed
        client.options.update(options)
        return client

    def needs_reference_price(self, request: OrderRequest) -> bool:
        """Market orders are aggressive IOC limits: ccxt prices them off a reference."""
        return request.type is OrderType.MARKET

    def venue_client_id(self, client_id: str) -> str:
        """Return the cloid the venue stores."""
        return hyperliquid_cloid(client_id)

    def order_args(self, request: OrderRequest, reference_price: Decimal | None) -> OrderArgs:
        """Return ``create_order`` arguments; the client id goes as ``cloid``."""
        if request.close_position or request.time_in_force is TimeInForce.FOK:
            raise OrderRejected("Hyperliquid has no closePosition and no FOK orders")
        params: dict[str, Any] = {"clientOrderId": hyperliquid_cloid(request.client_id)}
        if request.type is OrderType.LIMIT:
            if request.post_only:
                params["postOnly"] = True
            elif request.time_in_force is TimeInForce.IOC:
                params["timeInForce"] = "ioc"
            price = str(request.price)
            kind = "limit"
        else:
            if reference_price is None:
                raise OrderRejected("a Hyperliquid market order needs a reference price")
            price, kind = str(reference_price), "market"
        if request.reduce_only:
            params["reduceOnly"] = True
        return OrderArgs(kind, request.side.value.lower(), str(request.qty), price, params)

    def lookup_params(
        self,
        client_id: str,
        *,
        trigger: bool = False,  # noqa: ARG002 - one namespace for every order
    ) -> dict[str, Any]:
        """Address an order by its cloid."""
        return {"clientOrderId": hyperliquid_cloid(client_id)}

    def parse_placed(self, raw: Raw, request: OrderRequest, symbol: str) -> Order:
        """Read the order's status entry: ``resting`` or ``filled`` (errors raised before)."""
        info = raw["info"]
        filled = info.get("filled") or {}
        entry = info.get("resting") or filled
        done = dec(filled.get("totalSz"), Decimal(0))
        now = time.time_ns() // 1_000_000  # the answer carries no time
        status = OrderStatus.NEW
        if filled:
            status = OrderStatus.FILLED if done >= request.qty else OrderStatus.PARTIALLY_FILLED
        return Order(
            symbol=symbol,
            client_id=request.client_id,
            venue_id=str(entry["oid"]),
            side=request.side,
            type=request.type,
            qty=request.qty,
            price=request.price,
            status=status,
            filled_qty=done,
            avg_price=dec_or_none(filled.get("avgPx")),
            time_in_force=request.time_in_force,
            reduce_only=request.reduce_only,
            created_ms=now,
            updated_ms=now,
        )

    def parse_order(self, raw: Raw, symbol: str, client_id: str) -> Order:
        """Read ``orderStatus`` (``{"order": {...}, "status": ...}``) or an open-orders row."""
        info = raw["info"]
        entry = info.get("order", info)
        total, remaining = dec(entry["origSz"]), dec(entry.get("sz"), Decimal(0))
        wire_type = str(entry.get("orderType") or "Limit")
        kind = OrderType.MARKET if wire_type == "Market" else OrderType.LIMIT
        return Order(
            symbol=symbol,
            client_id=client_id,
            venue_id=str(entry["oid"]),
            side=Side.SELL if entry["side"] == "A" else Side.BUY,
            type=kind,
            qty=total,
            price=dec_or_none(entry.get("limitPx")) if kind is OrderType.LIMIT else None,
            status=_status(info.get("status") if "order" in info else None, remaining, total),
            filled_qty=total - remaining,
            time_in_force=_TIF.get(str(entry.get("tif")), TimeInForce.GTC),
            reduce_only=bool(entry.get("reduceOnly")),
            created_ms=millis(entry.get("timestamp")),
            updated_ms=millis(info.get("statusTimestamp") or entry.get("timestamp")),
        )

    def parse_fill(self, raw: Raw, symbol: str, client_id: str) -> Fill:
        """Read a ``userFills`` row (``crossed`` means taker)."""
        info = raw["info"]
        return Fill(
            trade_id=str(info["tid"]),
            symbol=symbol,
            client_id=client_id,
            venue_order_id=str(info["oid"]),
            side=Side.SELL if info["side"] == "A" else Side.BUY,
            price=dec(info["px"]),
            qty=dec(info["sz"]),
            fee=dec(info.get("fee"), Decimal(0)),
            liquidity=Liquidity.TAKER if info.get("crossed") else Liquidity.MAKER,
            realized_pnl=dec(info.get("closedPnl"), Decimal(0)),
            ts_ms=millis(info["time"]),
            fee_asset=str(info.get("feeToken") or self.settle_asset),
        )

    async def positions(self, exchange: Any, symbols: Mapping[str, str]) -> list[Position]:
        """Read ``clearinghouseState.assetPositions``."""
        result = []
        for row in await exchange.fetch_positions():
            entry = row["info"]["position"]
            qty = dec(entry["szi"])
            if qty == 0:
                continue
            leverage = entry.get("leverage") or {}
            isolated = leverage.get("type") == "isolated"
            result.append(
                Position(
                    symbol=symbols.get(row["symbol"], entry["coin"]),
                    qty=qty,
                    entry_price=dec(entry["entryPx"]),
                    mark_price=(dec(entry["positionValue"]) / abs(qty)).normalize(),
                    unrealized_pnl=dec(entry.get("unrealizedPnl"), Decimal(0)),
                    leverage=int(leverage.get("value") or 1),
                    margin_mode=MarginMode.ISOLATED if isolated else MarginMode.CROSS,
                    liquidation_price=dec_or_none(entry.get("liquidationPx")),
                    isolated_margin=dec(entry.get("marginUsed"), Decimal(0))
                    if isolated
                    else Decimal(0),
                )
            )
        return result

    async def balance(self, exchange: Any) -> Balance:
        """Read ``clearinghouseState``: account value, withdrawable and position PnL."""
        info = (await exchange.fetch_balance())["info"]
        equity = dec(info.get("marginSummary", {}).get("accountValue"), Decimal(0))
        unrealized = sum(
            (
                dec(p["position"].get("unrealizedPnl"), Decimal(0))
                for p in info.get("assetPositions", [])
            ),
            Decimal(0),
        )
        return Balance(
            asset=self.settle_asset,
            wallet=equity - unrealized,
            unrealized_pnl=unrealized,
            available=dec(info.get("withdrawable"), Decimal(0)),
        )

    async def set_leverage(
        self, exchange: Any, symbol: str, leverage: int, margin_mode: MarginMode | None
    ) -> None:
        """Send one ``updateLeverage`` action (it carries cross or isolated)."""
        mode = (margin_mode or MarginMode.CROSS).value.lower()
        await exchange.set_leverage(leverage, symbol, {"marginMode": mode})
