"""Binance USD-M futures through ccxt ``binanceusdm``.

Our client id travels as ``newClientOrderId`` (ccxt's ``clientOrderId`` param); ccxt only
prefixes its broker id (``x-cvBPrNm9``...) onto ids it generates itself, and every order we
send carries ours, but the broker table is replaced anyway so that no code path can tag an order.
Stop orders go to the algo-order routes (ccxt 4.5), where the client id is ``clientAlgoId``.
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
from gridarena.venues.facade.ccxt_client import configure
from gridarena.venues.live import binance_errors
from gridarena.venues.live.edge import client_class
from gridarena.venues.live.errormap import translate
from gridarena.venues.live.profile import (
    ClientSettings,
    OrderArgs,
    Raw,
    VenueProfile,
    dec,
    dec_or_none,
    millis,
)

# Neutral prefix for ids ccxt would generate (it never does for us: every order has our id).
NO_BROKER = "ga-"
OPTIONS: dict[str, Any] = {
    "broker": dict.fromkeys(("spot", "margin", "future", "swap", "option", "inverse"), NO_BROKER),
    "fetchMarkets": {"types": ["linear"]},
    "defaultType": "swap",
    "fetchOpenOrders": {"warnWithoutSymbol": False},  # the poller asks for all symbols at once
}

CAPABILITIES: Mapping[Capability, bool] = {
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
    Capability.EVENT_STREAM: True,  # polled
    Capability.SUB_ACCOUNTS: False,
    Capability.CANDLES: True,
}

_DEPTHS = (5, 10, 20, 50, 100, 500, 1000)
_ALGO_STATUS = {
    "NEW": OrderStatus.NEW,
    "TRIGGERING": OrderStatus.NEW,
    "TRIGGERED": OrderStatus.PARTIALLY_FILLED,
    "FINISHED": OrderStatus.FILLED,
    "CANCELED": OrderStatus.CANCELED,
    "REJECTED": OrderStatus.REJECTED,
    "EXPIRED": OrderStatus.EXPIRED,
}


class BinanceProfile(VenueProfile):
    """Binance USD-M perpetuals."""

    name = "binance"
    ccxt_id = "binanceusdm"
    capabilities = CAPABILITIES
    errors = binance_errors.TABLE
    settle_asset = "USDT"
    mainnet_url = "https://fapi.binance.com"
    testnet_url = "https://testnet.binancefuture.com"
    trades_need_symbol = True
    separate_trigger_orders = True
    default_max_leverage = 125

    def create_client(self, settings: ClientSettings) -> Any:
        """Return a ccxt ``binanceusdm`` rebased on the settings' URL, broker tags off."""
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
        client = client_class(ccxt_async.binanceusdm)(config)
        configure(client, settings.base_url)
        client.options.update(OPTIONS)  # configure() sets its own fetchMarkets; keep ours
        return client

    def order_args(
        self,
        request: OrderRequest,
        reference_price: Decimal | None,  # noqa: ARG002
    ) -> OrderArgs:
        """Return ``create_order`` arguments; the client id goes as ``newClientOrderId``."""
        params: dict[str, Any] = {"clientOrderId": request.client_id}
        kind = "limit" if request.type is OrderType.LIMIT else "market"
        if request.type is OrderType.LIMIT:
            if request.post_only:
                params["postOnly"] = True
            else:
                params["timeInForce"] = request.time_in_force.value
        elif request.type is OrderType.STOP_MARKET:
            params["triggerPrice"] = str(request.stop_price)
        elif request.type is OrderType.TAKE_PROFIT_MARKET:
            params["takeProfitPrice"] = str(request.stop_price)
        if request.reduce_only:
            params["reduceOnly"] = True
        if request.close_position:
            params["closePosition"] = True
        price = str(request.price) if request.type is OrderType.LIMIT else None
        return OrderArgs(kind, request.side.value.lower(), str(request.qty), price, params)

    def book_limit(self, limit: int) -> int | None:
        """Return the smallest depth Binance serves that holds ``limit`` levels."""
        return next((n for n in _DEPTHS if n >= limit), _DEPTHS[-1])

    def lookup_params(self, client_id: str, *, trigger: bool = False) -> dict[str, Any]:
        """Address an order by ``origClientOrderId`` (or ``clientAlgoId`` for a stop)."""
        return (
            {"clientOrderId": client_id, "trigger": True}
            if trigger
            else {"clientOrderId": client_id}
        )

    def parse_order(self, raw: Raw, symbol: str, client_id: str) -> Order:
        """Read ``/fapi/v1/order`` or ``/fapi/v1/algoOrder`` fields."""
        info = raw["info"]
        if "algoId" in info:
            return Order(
                symbol=symbol,
                client_id=client_id,
                venue_id=str(info["algoId"]),
                side=Side(info["side"]),
                type=OrderType(info["orderType"]),
                qty=dec(info["quantity"]),
                price=None,
                status=_ALGO_STATUS.get(str(info.get("algoStatus")), OrderStatus.NEW),
                filled_qty=dec(info.get("executedQty"), Decimal(0)),
                avg_price=dec_or_none(info.get("avgPrice")),
                time_in_force=TimeInForce(info.get("timeInForce") or "GTC"),
                reduce_only=bool(info.get("reduceOnly")),
                stop_price=dec_or_none(info.get("triggerPrice")),
                created_ms=millis(info.get("createTime")),
                updated_ms=millis(info.get("updateTime")),
            )
        kind = OrderType(info.get("origType") or info["type"])
        return Order(
            symbol=symbol,
            client_id=client_id,
            venue_id=str(info["orderId"]),
            side=Side(info["side"]),
            type=kind,
            qty=dec(info["origQty"]),
            price=dec_or_none(info.get("price")) if kind is OrderType.LIMIT else None,
            status=OrderStatus(info["status"]),
            filled_qty=dec(info.get("executedQty"), Decimal(0)),
            avg_price=dec_or_none(info.get("avgPrice")),
            time_in_force=TimeInForce(info.get("timeInForce") or "GTC"),
            reduce_only=bool(info.get("reduceOnly")),
            stop_price=dec_or_none(info.get("stopPrice")),
            created_ms=millis(info.get("time") or info.get("updateTime")),
            updated_ms=millis(info.get("updateTime")),
        )

    def parse_cancel(self, raw: Raw, symbol: str, client_id: str) -> Order | None:
        """Return the cancelled order when the answer carries it (not for algo orders)."""
        return self.parse_order(raw, symbol, client_id) if "status" in raw["info"] else None

    def parse_fill(self, raw: Raw, symbol: str, client_id: str) -> Fill:
        """Read a ``/fapi/v1/userTrades`` row."""
        info = raw["info"]
        return Fill(
            trade_id=str(info["id"]),
            symbol=symbol,
            client_id=client_id,
            venue_order_id=str(info["orderId"]),
            side=Side(info["side"]),
            price=dec(info["price"]),
            qty=dec(info["qty"]),
            fee=dec(info.get("commission"), Decimal(0)),
            liquidity=Liquidity.MAKER if info.get("maker") else Liquidity.TAKER,
            realized_pnl=dec(info.get("realizedPnl"), Decimal(0)),
            ts_ms=millis(info["time"]),
            fee_asset=str(info.get("commissionAsset") or self.settle_asset),
        )

    async def positions(self, exchange: Any, symbols: Mapping[str, str]) -> list[Position]:
        """Read ``positionRisk``; leverage and margin type come from ``symbolConfig``."""
        rows = [p for p in await exchange.fetch_positions() if dec(p["info"]["positionAmt"]) != 0]
        if not rows:
            return []
        settings = await exchange.fetch_leverages([p["symbol"] for p in rows])
        result = []
        for row in rows:
            info, config = row["info"], settings.get(row["symbol"], {}).get("info", {})
            isolated = config.get("marginType") == "ISOLATED"
            result.append(
                Position(
                    symbol=symbols.get(row["symbol"], info["symbol"]),
                    qty=dec(info["positionAmt"]),
                    entry_price=dec(info["entryPrice"]),
                    mark_price=dec(info["markPrice"]),
                    unrealized_pnl=dec(info.get("unRealizedProfit"), Decimal(0)),
                    leverage=int(config.get("leverage") or 1),
                    margin_mode=MarginMode.ISOLATED if isolated else MarginMode.CROSS,
                    liquidation_price=dec_or_none(info.get("liquidationPrice")),
                    isolated_margin=dec(info.get("isolatedMargin"), Decimal(0)),
                )
            )
        return result

    async def balance(self, exchange: Any) -> Balance:
        """Read the settlement asset's row of ``/fapi/v3/account``."""
        info = (await exchange.fetch_balance())["info"]
        row: Raw = next(
            (a for a in info.get("assets", []) if a.get("asset") == self.settle_asset), {}
        )
        return Balance(
            asset=self.settle_asset,
            wallet=dec(row.get("walletBalance"), Decimal(0)),
            unrealized_pnl=dec(row.get("unrealizedProfit"), Decimal(0)),
            available=dec(row.get("availableBalance"), Decimal(0)),
        )

    async def set_leverage(
        self, exchange: Any, symbol: str, leverage: int, margin_mode: MarginMode | None
    ) -> None:
        """Set the margin type (an unchanged one is fine), then the leverage."""
        if margin_mode is not None:
            try:
                await exchange.set_margin_mode(margin_mode.value.lower(), symbol)
            except Exception as exc:
                code = translate(exc, self.errors, mutating=True).code
                if str(code) not in binance_errors.NO_CHANGE:
                    raise
        await exchange.set_leverage(leverage, symbol)
