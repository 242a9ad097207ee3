"""Size caps of the risk gate: each returns the largest order quantity a limit allows.

Every cap works in the order's direction: `a` is the current position signed so that the
order adds to it (a < 0 means the order first reduces an opposite position). Exposure is
valued at `v = max(order price, last)` so a cheap limit price cannot hide notional.
"""

from __future__ import annotations

from decimal import Decimal

from gridarena.risk.types import AccountView, MarketView, RiskLimits

__all__ = [
    "cap_account_leverage",
    "cap_margin",
    "cap_max_qty",
    "cap_per_trade",
    "cap_symbol_exposure",
    "cap_symbol_share",
    "cap_total_exposure",
    "other_notional",
]

_ZERO = Decimal(0)


def _room(limit_notional: Decimal, a: Decimal, unit: Decimal) -> Decimal:
    # |a + q| * unit <= limit  =>  q <= limit / unit - a; flattening (q = -a) is always
    # allowed, even when the limit is already exceeded by other positions.
    return max(max(limit_notional / unit, _ZERO) - a, _ZERO)


def other_notional(account: AccountView, market: MarketView) -> Decimal:
    """Return the gross notional of every position except the order's symbol."""
    own = abs(account.position(market.symbol)) * market.last * market.instrument.contract_multiplier
    return max(account.total_notional - own, _ZERO)


def cap_per_trade(account: AccountView, limits: RiskLimits, unit: Decimal) -> Decimal:
    """Cap one order's notional at `max_position_per_trade` of equity."""
    return max(limits.max_position_per_trade * account.equity / unit, _ZERO)


def cap_max_qty(market: MarketView) -> Decimal | None:
    """Cap the quantity at the instrument's `max_qty` filter, if it has one."""
    return market.instrument.max_qty


def cap_symbol_exposure(limits: RiskLimits, a: Decimal, unit: Decimal) -> Decimal:
    """Cap the symbol's notional after the order at `max_symbol_exposure`."""
    return _room(limits.max_symbol_exposure, a, unit)


def cap_symbol_share(
    account: AccountView, limits: RiskLimits, a: Decimal, unit: Decimal
) -> Decimal:
    """Cap the symbol's notional after the order at `max_capital_per_symbol` of equity."""
    return _room(limits.max_capital_per_symbol * account.equity, a, unit)


def cap_total_exposure(
    account: AccountView, market: MarketView, limits: RiskLimits, a: Decimal, unit: Decimal
) -> Decimal:
    """Cap the account's gross notional after the order at `max_total_exposure` x equity."""
    budget = limits.max_total_exposure * account.equity - other_notional(account, market)
    return _room(budget, a, unit)


def cap_account_leverage(
    account: AccountView, market: MarketView, limits: RiskLimits, a: Decimal, unit: Decimal
) -> Decimal:
    """Cap the account's gross notional after the order at `max_leverage` x equity."""
    budget = limits.max_leverage * account.equity - other_notional(account, market)
    return _room(budget, a, unit)


def cap_margin(account: AccountView, leverage: Decimal, a: Decimal, unit: Decimal) -> Decimal:
    """Cap the new exposure at what the available balance can margin at `leverage`."""
    # Only the part beyond the current position in this direction needs fresh margin.
    return max(max(a, _ZERO) + max(account.available * leverage / unit, _ZERO) - a, _ZERO)
