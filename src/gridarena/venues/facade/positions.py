"""Positions and balances as Binance reports them: one-way rows with derived margins."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from gridarena.domain.orders import MarginMode
from gridarena.venues.facade.state import VenueState
from gridarena.venues.facade.wire import JSON, ZERO, money
from gridarena.venues.sim.ledger import SimAccount

MAX_NOTIONAL = "1000000000"


@dataclass(frozen=True, slots=True)
class PositionView:
    """One symbol's position with the derived margins Binance reports."""

    symbol: str
    qty: Decimal
    entry: Decimal
    mark: Decimal
    upnl: Decimal
    notional: Decimal
    leverage: int
    mode: MarginMode
    liquidation: Decimal
    isolated_wallet: Decimal
    initial: Decimal
    maint: Decimal
    order_margin: Decimal
    updated: int


def positions(venue: VenueState, account: str, symbol: str | None = None) -> list[PositionView]:
    """Return every symbol's position (flat ones too), as Binance's one-way mode lists them."""
    ex = venue.exchange
    acct = ex.accounts[account]
    liq = {p.symbol: p.liquidation_price for p in ex.positions(account)}
    mm = ex.config.maintenance_margin
    last_fill: dict[str, int] = {}
    for fill in ex.fills[account]:
        last_fill[fill.symbol] = fill.ts_ms
    # One-way mode nets the two sides: a symbol reserves the larger of its buy and sell margins.
    reserved = {s: max(sides) for s, sides in ex.reserved[account].items()}
    out = []
    for market in venue.markets(symbol):
        s = market.symbol
        pos = acct.positions.get(s)
        qty, entry = (pos.qty, pos.entry) if pos is not None else (ZERO, ZERO)
        mark = market.price_decimal
        mult = market.instrument.contract_multiplier
        notional = qty * mark * mult
        lev = ex.leverage(acct, s)
        out.append(
            PositionView(
                symbol=s,
                qty=qty,
                entry=entry,
                mark=mark,
                upnl=qty * mult * (mark - entry) if qty else ZERO,
                notional=notional,
                leverage=lev,
                mode=acct.margin_mode.get(s, MarginMode.CROSS),
                liquidation=liq.get(s) or ZERO,
                isolated_wallet=pos.isolated_margin if pos is not None else ZERO,
                initial=abs(notional) / lev,
                maint=abs(notional) * mm,
                order_margin=reserved.get(s, ZERO),
                updated=last_fill.get(s, 0),
            )
        )
    return out


def isolated_margin(p: PositionView) -> str:
    return money(p.isolated_wallet + p.upnl if p.mode is MarginMode.ISOLATED else ZERO)


def risk_v2(venue: VenueState, p: PositionView) -> JSON:
    """Return a ``GET /fapi/v2/positionRisk`` row."""
    f = venue.formats[p.symbol]
    return {
        "symbol": p.symbol,
        "positionAmt": f.qty(p.qty),
        "entryPrice": f.price(p.entry),
        "breakEvenPrice": f.price(p.entry),
        "markPrice": f.price(p.mark),
        "unRealizedProfit": money(p.upnl),
        "liquidationPrice": f.price(p.liquidation),
        "leverage": str(p.leverage),
        "maxNotionalValue": MAX_NOTIONAL,
        "marginType": "isolated" if p.mode is MarginMode.ISOLATED else "cross",
        "isolatedMargin": isolated_margin(p),
        "isAutoAddMargin": "false",
        "positionSide": "BOTH",
        "notional": money(p.notional),
        "isolatedWallet": money(p.isolated_wallet),
        "updateTime": p.updated,
    }


def risk_v3(venue: VenueState, p: PositionView) -> JSON:
    """Return a ``GET /fapi/v3/positionRisk`` row."""
    f = venue.formats[p.symbol]
    return {
        "symbol": p.symbol,
        "positionSide": "BOTH",
        "positionAmt": f.qty(p.qty),
        "entryPrice": f.price(p.entry),
        "breakEvenPrice": f.price(p.entry),
        "markPrice": f.price(p.mark),
        "unRealizedProfit": money(p.upnl),
        "liquidationPrice": f.price(p.liquidation),
        "isolatedMargin": isolated_margin(p),
        "notional": money(p.notional),
        "marginAsset": venue.exchange.config.asset,
        "isolatedWallet": money(p.isolated_wallet),
        "initialMargin": money(p.initial + p.order_margin),
        "maintMargin": money(p.maint),
        "positionInitialMargin": money(p.initial),
        "openOrderInitialMargin": money(p.order_margin),
        "adl": 0,
        "bidNotional": "0",
        "askNotional": "0",
        "updateTime": p.updated,
    }


def totals(venue: VenueState, account: str) -> tuple[SimAccount, list[PositionView], JSON]:
    """Return the account, its positions and the asset row every balance route shares."""
    ex = venue.exchange
    acct = ex.accounts[account]
    views = positions(venue, account)
    bal = ex.balance(account)
    pos_im = sum((p.initial for p in views), ZERO)
    ord_im = ex.reserved_margin(account)
    cross_upnl = sum((p.upnl for p in views if p.mode is MarginMode.CROSS), ZERO)
    isolated = sum((p.isolated_wallet for p in views if p.mode is MarginMode.ISOLATED), ZERO)
    asset: JSON = {
        "asset": ex.config.asset,
        "walletBalance": money(bal.wallet),
        "unrealizedProfit": money(bal.unrealized_pnl),
        "marginBalance": money(bal.equity),
        "maintMargin": money(sum((p.maint for p in views), ZERO)),
        "initialMargin": money(pos_im + ord_im),
        "positionInitialMargin": money(pos_im),
        "openOrderInitialMargin": money(ord_im),
        "crossWalletBalance": money(bal.wallet - isolated),
        "crossUnPnl": money(cross_upnl),
        "availableBalance": money(bal.available),
        "maxWithdrawAmount": money(max(ZERO, bal.available)),
        "updateTime": venue.now_ms(),
    }
    return acct, views, asset
