"""Signed account routes: leverage, margin type, brackets, positions, balances, account."""

from __future__ import annotations

from fastapi import APIRouter, Response

from gridarena.domain.orders import MarginMode
from gridarena.venues.errors import VenueError
from gridarena.venues.facade.errors import BinanceError, from_venue
from gridarena.venues.facade.positions import (
    MAX_NOTIONAL,
    isolated_margin,
    positions,
    risk_v2,
    risk_v3,
    totals,
)
from gridarena.venues.facade.state import Auth, Venue
from gridarena.venues.facade.wire import JSON, money, reply

router = APIRouter()

_MARGIN_TYPES = {"ISOLATED": MarginMode.ISOLATED, "CROSSED": MarginMode.CROSS}


@router.post("/fapi/v1/leverage")
async def set_leverage(venue: Venue, auth: Auth) -> Response:
    """Change a symbol's initial leverage."""
    market = venue.market(auth.params.opt("symbol"))
    leverage = auth.params.integer("leverage")
    if leverage is None:
        raise BinanceError(
            -1102, "Mandatory parameter 'leverage' was not sent, was empty/null, or malformed."
        )
    try:
        venue.exchange.set_leverage(auth.account, market.symbol, leverage)
    except VenueError as exc:
        raise from_venue(exc) from exc
    return reply({"leverage": leverage, "maxNotionalValue": MAX_NOTIONAL, "symbol": market.symbol})


@router.post("/fapi/v1/marginType")
async def set_margin_type(venue: Venue, auth: Auth) -> Response:
    """Switch a symbol between cross and isolated margin."""
    market = venue.market(auth.params.opt("symbol"))
    mode = _MARGIN_TYPES.get(auth.params.req("marginType"))
    if mode is None:
        raise BinanceError(-1130, "Data sent for parameter 'marginType' is not valid.")
    ex = venue.exchange
    acct = ex.accounts[auth.account]
    if acct.margin_mode.get(market.symbol, MarginMode.CROSS) is mode:
        raise BinanceError(-4046, "No need to change margin type.")
    if ex.open_orders(auth.account, market.symbol):
        raise BinanceError(-4047, "Margin type cannot be changed if there exists open orders.")
    try:
        ex.set_leverage(auth.account, market.symbol, ex.leverage(acct, market.symbol), mode)
    except VenueError as exc:
        raise from_venue(exc) from exc
    return reply({"code": 200, "msg": "success"})


@router.get("/fapi/v1/leverageBracket")
async def leverage_bracket(venue: Venue, auth: Auth) -> Response:
    """Return one notional bracket per symbol with the venue's maintenance margin rate."""
    mm = float(venue.exchange.config.maintenance_margin)
    rows: list[JSON] = [
        {
            "symbol": m.symbol,
            "notionalCoef": 1.0,
            "brackets": [
                {
                    "bracket": 1,
                    "initialLeverage": m.instrument.max_leverage,
                    "notionalCap": int(MAX_NOTIONAL),
                    "notionalFloor": 0,
                    "maintMarginRatio": mm,
                    "cum": 0.0,
                }
            ],
        }
        for m in venue.markets(auth.params.opt("symbol"))
    ]
    return reply(rows)


@router.get("/fapi/v1/symbolConfig")
async def symbol_config(venue: Venue, auth: Auth) -> Response:
    """Return each symbol's margin type and leverage."""
    acct = venue.exchange.accounts[auth.account]
    return reply(
        [
            {
                "symbol": m.symbol,
                "marginType": "ISOLATED"
                if acct.margin_mode.get(m.symbol) is MarginMode.ISOLATED
                else "CROSSED",
                "isAutoAddMargin": False,
                "leverage": venue.exchange.leverage(acct, m.symbol),
                "maxNotionalValue": MAX_NOTIONAL,
            }
            for m in venue.markets(auth.params.opt("symbol"))
        ]
    )


@router.get("/fapi/v2/positionRisk")
async def position_risk_v2(venue: Venue, auth: Auth) -> Response:
    """Return every symbol's position (one-way mode), flat ones included."""
    rows = positions(venue, auth.account, auth.params.opt("symbol"))
    return reply([risk_v2(venue, p) for p in rows])


@router.get("/fapi/v3/positionRisk")
async def position_risk_v3(venue: Venue, auth: Auth) -> Response:
    """Return positions that are open or have open orders."""
    rows = positions(venue, auth.account, auth.params.opt("symbol"))
    return reply([risk_v3(venue, p) for p in rows if p.qty or p.order_margin])


@router.get("/fapi/v2/balance")
@router.get("/fapi/v3/balance")
async def balance(venue: Venue, auth: Auth) -> Response:
    """Return the settlement asset's balance."""
    _, _, a = totals(venue, auth.account)
    row: JSON = {
        "accountAlias": "SimFutures",
        "asset": a["asset"],
        "balance": a["walletBalance"],
        "crossWalletBalance": a["crossWalletBalance"],
        "crossUnPnl": a["crossUnPnl"],
        "availableBalance": a["availableBalance"],
        "maxWithdrawAmount": a["maxWithdrawAmount"],
        "marginAvailable": True,
        "updateTime": a["updateTime"],
    }
    return reply([row])


def _account_totals(a: JSON) -> JSON:
    return {
        "totalInitialMargin": a["initialMargin"],
        "totalMaintMargin": a["maintMargin"],
        "totalWalletBalance": a["walletBalance"],
        "totalUnrealizedProfit": a["unrealizedProfit"],
        "totalMarginBalance": a["marginBalance"],
        "totalPositionInitialMargin": a["positionInitialMargin"],
        "totalOpenOrderInitialMargin": a["openOrderInitialMargin"],
        "totalCrossWalletBalance": a["crossWalletBalance"],
        "totalCrossUnPnl": a["crossUnPnl"],
        "availableBalance": a["availableBalance"],
        "maxWithdrawAmount": a["maxWithdrawAmount"],
    }


@router.get("/fapi/v3/account")
async def account_v3(venue: Venue, auth: Auth) -> Response:
    """Return totals, the asset row and open positions (v3 schema)."""
    _, views, a = totals(venue, auth.account)
    rows: list[JSON] = [
        {
            "symbol": p.symbol,
            "positionSide": "BOTH",
            "positionAmt": venue.formats[p.symbol].qty(p.qty),
            "unrealizedProfit": money(p.upnl),
            "isolatedMargin": isolated_margin(p),
            "notional": money(p.notional),
            "isolatedWallet": money(p.isolated_wallet),
            "initialMargin": money(p.initial + p.order_margin),
            "maintMargin": money(p.maint),
            "updateTime": p.updated,
        }
        for p in views
        if p.qty or p.order_margin
    ]
    return reply({**_account_totals(a), "assets": [a], "positions": rows})


@router.get("/fapi/v2/account")
async def account_v2(venue: Venue, auth: Auth) -> Response:
    """Return totals, the asset row and every symbol's position (v2 schema)."""
    _, views, a = totals(venue, auth.account)
    rows: list[JSON] = [
        {
            "symbol": p.symbol,
            "initialMargin": money(p.initial + p.order_margin),
            "maintMargin": money(p.maint),
            "unrealizedProfit": money(p.upnl),
            "positionInitialMargin": money(p.initial),
            "openOrderInitialMargin": money(p.order_margin),
            "leverage": str(p.leverage),
            "isolated": p.mode is MarginMode.ISOLATED,
            "entryPrice": venue.formats[p.symbol].price(p.entry),
            "breakEvenPrice": venue.formats[p.symbol].price(p.entry),
            "maxNotional": MAX_NOTIONAL,
            "bidNotional": "0",
            "askNotional": "0",
            "positionSide": "BOTH",
            "positionAmt": venue.formats[p.symbol].qty(p.qty),
            "updateTime": p.updated,
        }
        for p in views
    ]
    head: JSON = {
        "feeTier": 0,
        "feeBurn": False,
        "canTrade": True,
        "canDeposit": True,
        "canWithdraw": True,
        "updateTime": 0,
        "multiAssetsMargin": False,
        "tradeGroupId": -1,
    }
    asset = {**a, "marginAvailable": True}
    return reply({**head, **_account_totals(a), "assets": [asset], "positions": rows})
