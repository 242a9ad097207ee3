"""``exchangeInfo`` in Binance's USD-M and spot schemas, from the replayed instruments.

Only filters the simulator enforces are advertised (tick, step, quantity bounds, notional), and
only the order types and times in force it executes, so a client that checks them locally
refuses exactly what the venue would.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from gridarena.venues.facade.config import LimitConfig
from gridarena.venues.facade.wire import JSON, Formats, fmt, places

if TYPE_CHECKING:
    from gridarena.venues.facade.state import VenueState

QUOTES = ("USDT", "USDC", "FDUSD", "BUSD")
ORDER_TYPES = ["LIMIT", "MARKET", "STOP_MARKET", "TAKE_PROFIT_MARKET"]
TIME_IN_FORCE = ["GTC", "IOC", "FOK", "GTX"]
_MAX_PRICE = Decimal(10_000_000)
_MAX_QTY = Decimal(100_000_000)
_PERPETUAL_DELIVERY = 4133404800000


def split_symbol(symbol: str, settle: str = "USDT") -> tuple[str, str]:
    """Return (base, quote) of a compact symbol: BTCUSDT → (BTC, USDT)."""
    for quote in QUOTES:
        if symbol.endswith(quote) and len(symbol) > len(quote):
            return symbol[: -len(quote)], quote
    return symbol, settle


def rate_limits(limits: LimitConfig) -> list[JSON]:
    """Return the ``rateLimits`` block."""
    return [
        {
            "rateLimitType": "REQUEST_WEIGHT",
            "interval": "MINUTE",
            "intervalNum": 1,
            "limit": limits.weight_per_minute,
        },
        {
            "rateLimitType": "ORDERS",
            "interval": "MINUTE",
            "intervalNum": 1,
            "limit": limits.orders_per_minute,
        },
        {
            "rateLimitType": "ORDERS",
            "interval": "SECOND",
            "intervalNum": 10,
            "limit": limits.orders_per_10s,
        },
    ]


def _filters(f: Formats, *, spot: bool) -> list[JSON]:
    inst = f.instrument
    tick = f.price(inst.tick_size)
    step = f.qty(inst.step_size)
    max_qty = f.qty(inst.max_qty or _MAX_QTY)
    min_qty = f.qty(inst.min_qty or inst.step_size)
    notional = f"{inst.min_notional.normalize():f}"
    out: list[JSON] = [
        {
            "filterType": "PRICE_FILTER",
            "minPrice": tick,
            "maxPrice": f.price(_MAX_PRICE),
            "tickSize": tick,
        },
        {"filterType": "LOT_SIZE", "minQty": min_qty, "maxQty": max_qty, "stepSize": step},
        {"filterType": "MARKET_LOT_SIZE", "minQty": min_qty, "maxQty": max_qty, "stepSize": step},
    ]
    if spot:
        out.append(
            {
                "filterType": "NOTIONAL",
                "minNotional": notional,
                "applyMinToMarket": True,
                "maxNotional": "9000000.00000000",
                "applyMaxToMarket": False,
                "avgPriceMins": 5,
            }
        )
    else:
        out.append({"filterType": "MIN_NOTIONAL", "notional": notional})
    return out


def _futures_symbol(venue: VenueState, symbol: str) -> JSON:
    f = venue.formats[symbol]
    inst = f.instrument
    market = venue.exchange.markets[symbol]
    asset = venue.exchange.config.asset
    base, quote = split_symbol(symbol, asset)
    mm = venue.exchange.config.maintenance_margin * 100
    return {
        "symbol": symbol,
        "pair": symbol,
        "contractType": "PERPETUAL",
        "deliveryDate": _PERPETUAL_DELIVERY,
        "onboardDate": int(market.candles.ts_ms[0]),
        "status": "TRADING",
        "maintMarginPercent": fmt(mm, 4),
        "requiredMarginPercent": fmt(Decimal(100) / inst.max_leverage, 4),
        "baseAsset": base,
        "quoteAsset": quote,
        "marginAsset": asset,
        "pricePrecision": places(inst.tick_size),
        "quantityPrecision": places(inst.step_size),
        "baseAssetPrecision": 8,
        "quotePrecision": 8,
        "underlyingType": "COIN",
        "underlyingSubType": [],
        "settlePlan": 0,
        "triggerProtect": "0.0500",
        "liquidationFee": "0.012500",
        "marketTakeBound": "0.05",
        "maxMoveOrderLimit": 10000,
        "filters": _filters(f, spot=False),
        "orderTypes": ORDER_TYPES,
        "timeInForce": TIME_IN_FORCE,
        "permissionSets": ["GRID", "COPY"],
    }


def exchange_info(venue: VenueState) -> JSON:
    """Return ``GET /fapi/v1/exchangeInfo``."""
    asset = venue.exchange.config.asset
    return {
        "timezone": "UTC",
        "serverTime": venue.now_ms(),
        "futuresType": "U_MARGINED",
        "rateLimits": rate_limits(venue.config.limits),
        "exchangeFilters": [],
        "assets": [{"asset": asset, "marginAvailable": True, "autoAssetExchange": "-10000"}],
        "symbols": [_futures_symbol(venue, s) for s in venue.exchange.markets],
    }


def _spot_symbol(venue: VenueState, symbol: str) -> JSON:
    base, quote = split_symbol(symbol, venue.exchange.config.asset)
    return {
        "symbol": symbol,
        "status": "TRADING",
        "baseAsset": base,
        "baseAssetPrecision": 8,
        "quoteAsset": quote,
        "quotePrecision": 8,
        "quoteAssetPrecision": 8,
        "baseCommissionPrecision": 8,
        "quoteCommissionPrecision": 8,
        "orderTypes": ["LIMIT", "LIMIT_MAKER", "MARKET"],
        "icebergAllowed": False,
        "ocoAllowed": False,
        "otoAllowed": False,
        "quoteOrderQtyMarketAllowed": False,
        "allowTrailingStop": False,
        "cancelReplaceAllowed": False,
        "isSpotTradingAllowed": True,
        "isMarginTradingAllowed": False,
        "filters": _filters(venue.formats[symbol], spot=True),
        "permissions": [],
        "permissionSets": [["SPOT"]],
        "defaultSelfTradePreventionMode": "EXPIRE_MAKER",
        "allowedSelfTradePreventionModes": ["EXPIRE_TAKER", "EXPIRE_MAKER", "EXPIRE_BOTH"],
    }


def spot_exchange_info(venue: VenueState) -> JSON:
    """Return ``GET /api/v3/exchangeInfo`` (market data only: the facade trades futures)."""
    return {
        "timezone": "UTC",
        "serverTime": venue.now_ms(),
        "rateLimits": rate_limits(venue.config.limits),
        "exchangeFilters": [],
        "symbols": [_spot_symbol(venue, s) for s in venue.exchange.markets],
    }
