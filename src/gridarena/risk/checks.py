"""The pure pre-trade risk gate: `evaluate` runs every check and returns one decision.

Rules: gate refusals win over sizing; size caps shrink the order to the largest compliant
quantity (rounded down to the step) and reject it if that falls under the minimums. An order
that only shrinks the current position (no flip) skips the exposure and market-quality
checks, so the flatten path is never blocked; reduce-only orders may never grow or flip.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal, localcontext

from gridarena.domain.orders import OrderType
from gridarena.domain.types import Side
from gridarena.risk import caps
from gridarena.risk.types import (
    AccountState,
    AccountView,
    Approve,
    Decision,
    MarketView,
    OrderIntent,
    OrderSource,
    OrderValues,
    ReasonCode,
    Reduce,
    Reject,
    RiskLimits,
)

__all__ = [
    "check_account_state",
    "check_kill_switch",
    "check_leverage_band",
    "check_max_leverage",
    "check_order_valid",
    "check_price_deviation",
    "check_slippage",
    "check_spread",
    "check_symbol_allowed",
    "evaluate",
    "order_price",
]

_ZERO = Decimal(0)
_BPS = Decimal(10_000)
_PCT = Decimal(100)
Code = ReasonCode | None


def order_price(intent: OrderIntent, market: MarketView) -> Decimal | None:
    """Return the limit price, or the touch a market order would take (None if unknown)."""
    req = intent.request
    if req.type is not OrderType.MARKET and req.price is not None:
        return req.price
    return market.ask if req.side is Side.BUY else market.bid


def check_order_valid(intent: OrderIntent, market: MarketView) -> Code:
    """Refuse a non-positive quantity, price or leverage, or a mismatched market view."""
    req = intent.request
    bad_price = req.price is not None and req.price <= 0
    if req.qty <= 0 or bad_price or intent.leverage <= 0 or req.symbol != market.symbol:
        return ReasonCode.INVALID_ORDER
    return None


def check_kill_switch(account: AccountView, limits: RiskLimits) -> Code:
    """Refuse new exposure while the account's or the global kill switch is on."""
    return ReasonCode.KILL_SWITCH if account.kill_switch or not limits.trading_enabled else None


def check_account_state(account: AccountView) -> Code:
    """Refuse new exposure unless the account is ACTIVE."""
    if account.state is AccountState.HALTED:
        return ReasonCode.ACCOUNT_HALTED
    if account.state is AccountState.REDUCING:
        return ReasonCode.ACCOUNT_REDUCING
    return None


def check_symbol_allowed(intent: OrderIntent, account: AccountView) -> Code:
    """Refuse a symbol outside the account's allowed list."""
    allowed = account.allowed_symbols
    return (
        None
        if allowed is None or intent.request.symbol in allowed
        else ReasonCode.SYMBOL_NOT_ALLOWED
    )


def check_max_leverage(
    intent: OrderIntent, account: AccountView, market: MarketView, limits: RiskLimits
) -> Code:
    """Refuse leverage (asked or already set on the symbol) above the hard or venue cap."""
    in_use = account.leverage_in_use.get(market.symbol, _ZERO)
    cap = min(limits.max_leverage, Decimal(market.instrument.max_leverage))
    return ReasonCode.MAX_LEVERAGE if max(intent.leverage, in_use) > cap else None


def check_leverage_band(intent: OrderIntent, account: AccountView, limits: RiskLimits) -> Code:
    """Refuse an LLM decision whose leverage lies outside the provider band."""
    if intent.source is not OrderSource.LLM:
        return None
    low, high = account.leverage_band or (
        limits.provider_min_leverage,
        limits.provider_max_leverage,
    )
    return None if low <= intent.leverage <= high else ReasonCode.LEVERAGE_BAND


def check_spread(market: MarketView, limits: RiskLimits) -> Code:
    """Refuse new exposure while the bid-ask spread is wider than `max_book_spread_pct`."""
    if limits.max_book_spread_pct is None:
        return None
    if market.bid is None or market.ask is None or market.bid <= 0 or market.ask < market.bid:
        return ReasonCode.MARKET_DATA_MISSING
    mid = (market.bid + market.ask) / 2
    too_wide = (market.ask - market.bid) * _PCT > limits.max_book_spread_pct * mid
    return ReasonCode.SPREAD_TOO_WIDE if too_wide else None


def check_slippage(intent: OrderIntent, market: MarketView, limits: RiskLimits) -> Code:
    """Refuse a market order whose touch is more than `slippage_bps` from the reference."""
    if intent.request.type is not OrderType.MARKET:
        return None
    touch = order_price(intent, market)
    if touch is None or touch <= 0:
        return ReasonCode.MARKET_DATA_MISSING
    band = market.last * limits.slippage_bps / _BPS
    worse = touch - market.last if intent.request.side is Side.BUY else market.last - touch
    return ReasonCode.SLIPPAGE if worse > band else None


def check_price_deviation(intent: OrderIntent, market: MarketView, limits: RiskLimits) -> Code:
    """Refuse a limit price further than the band through the reference (a fat finger).

    Only the aggressive side counts: a passive grid level far from the price is harmless.
    """
    req = intent.request
    if limits.max_price_deviation_pct is None or req.type is OrderType.MARKET or req.price is None:
        return None
    band = market.last * limits.max_price_deviation_pct / _PCT
    through = req.price - market.last if req.side is Side.BUY else market.last - req.price
    return ReasonCode.PRICE_DEVIATION if through > band else None


def _opening_codes(
    intent: OrderIntent, account: AccountView, market: MarketView, limits: RiskLimits
) -> list[ReasonCode]:
    found = (
        check_kill_switch(account, limits),
        check_account_state(account),
        check_symbol_allowed(intent, account),
        check_max_leverage(intent, account, market, limits),
        check_leverage_band(intent, account, limits),
        check_spread(market, limits),
        check_slippage(intent, market, limits),
        check_price_deviation(intent, market, limits),
    )
    return [code for code in found if code is not None]


def _size_caps(
    intent: OrderIntent,
    account: AccountView,
    market: MarketView,
    limits: RiskLimits,
    a: Decimal,
    unit: Decimal,
) -> list[tuple[ReasonCode, Decimal]]:
    found = [
        (ReasonCode.POSITION_CAP, caps.cap_per_trade(account, limits, unit)),
        (ReasonCode.SYMBOL_EXPOSURE, caps.cap_symbol_exposure(limits, a, unit)),
        (ReasonCode.SYMBOL_CAPITAL_SHARE, caps.cap_symbol_share(account, limits, a, unit)),
        (ReasonCode.TOTAL_EXPOSURE, caps.cap_total_exposure(account, market, limits, a, unit)),
        (ReasonCode.MAX_LEVERAGE, caps.cap_account_leverage(account, market, limits, a, unit)),
        (ReasonCode.INSUFFICIENT_MARGIN, caps.cap_margin(account, intent.leverage, a, unit)),
    ]
    max_qty = caps.cap_max_qty(market)
    if max_qty is not None:
        found.append((ReasonCode.MAX_QTY, max_qty))
    return found


def evaluate(
    intent: OrderIntent, account: AccountView, market: MarketView, limits: RiskLimits
) -> Decision:
    """Decide whether `intent` may be sent: Approve, Reduce (to a smaller qty) or Reject."""
    with localcontext() as ctx:
        ctx.prec = 80  # exact enough that a rounded-down cap never lands one step over
        return _evaluate(intent, account, market, limits)


def _evaluate(
    intent: OrderIntent, account: AccountView, market: MarketView, limits: RiskLimits
) -> Decision:
    req, inst = intent.request, market.instrument
    price = order_price(intent, market)
    invalid = check_order_valid(intent, market)
    if invalid is None and (price is None or price <= 0 or market.last <= 0):
        invalid = ReasonCode.MARKET_DATA_MISSING
    value = max(price or _ZERO, market.last)
    unit = value * inst.contract_multiplier

    def values(qty: Decimal) -> OrderValues:
        return OrderValues(qty, value, qty * unit, intent.leverage)

    requested = values(req.qty)
    if invalid is not None:
        return Reject((invalid,), requested, values(_ZERO))
    a = account.position(req.symbol) * req.side.sign  # > 0: the order adds to the position
    qty, reasons = req.qty, list[ReasonCode]()
    if req.reduce_only:
        if a >= 0:
            return Reject((ReasonCode.REDUCE_ONLY_WOULD_INCREASE,), requested, values(_ZERO))
        if qty > -a:
            qty, reasons = inst.round_qty(-a), [ReasonCode.REDUCE_ONLY_WOULD_FLIP]
    reducing = a < 0 and qty <= -a
    if reducing:
        # A close never needs the state gates, but outside ACTIVE it must be reduce-only so
        # that a resting order cannot flip the position if the position shrinks first.
        codes = [] if req.reduce_only else _opening_codes(intent, account, market, limits)
        restricted = {
            ReasonCode.KILL_SWITCH,
            ReasonCode.ACCOUNT_HALTED,
            ReasonCode.ACCOUNT_REDUCING,
        }
        if restricted.intersection(codes):
            return Reject((ReasonCode.REDUCE_ONLY_REQUIRED,), requested, values(_ZERO))
        if qty < max(inst.min_qty, inst.step_size):
            return Reject((*reasons, ReasonCode.MIN_QTY), requested, values(_ZERO))
        return _accept(intent, qty, tuple(reasons), requested, values(qty))
    codes = _opening_codes(intent, account, market, limits)
    if codes:
        return Reject(tuple(codes), requested, values(_ZERO))
    bound = qty
    for code, cap in _size_caps(intent, account, market, limits, a, unit):
        if cap < qty:
            reasons.append(code)
            bound = min(bound, cap)
    qty = inst.round_qty(bound) if bound < qty else qty
    floors = []
    if qty < max(inst.min_qty, inst.step_size):
        floors.append(ReasonCode.MIN_QTY)
    if qty * (price or _ZERO) * inst.contract_multiplier < max(
        limits.min_order_value, inst.min_notional
    ):
        floors.append(ReasonCode.MIN_NOTIONAL)
    if floors:
        return Reject((*reasons, *floors), requested, values(_ZERO))
    return _accept(intent, qty, tuple(reasons), requested, values(qty))


def _accept(
    intent: OrderIntent,
    qty: Decimal,
    reasons: tuple[ReasonCode, ...],
    requested: OrderValues,
    approved: OrderValues,
) -> Decision:
    if qty == intent.request.qty:
        return Approve(intent.request, requested, approved)
    return Reduce(qty, reasons, dataclasses.replace(intent.request, qty=qty), requested, approved)
