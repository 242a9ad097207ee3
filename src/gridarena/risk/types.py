"""Inputs and decisions of the pre-trade risk gate: limits, views, intents, reason codes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from gridarena.config.trading import ExecutionSettings, RiskSettings
from gridarena.domain.instrument import Instrument
from gridarena.domain.orders import OrderRequest

__all__ = [
    "AccountState",
    "AccountView",
    "Approve",
    "Decision",
    "MarketView",
    "OrderIntent",
    "OrderSource",
    "OrderValues",
    "ReasonCode",
    "Reduce",
    "Reject",
    "RiskLimits",
]


class ReasonCode(StrEnum):
    """Stable codes for why the gate refused or shrank an order (stored; never renamed)."""

    INVALID_ORDER = "INVALID_ORDER"
    MARKET_DATA_MISSING = "MARKET_DATA_MISSING"
    MAX_LEVERAGE = "MAX_LEVERAGE"
    LEVERAGE_BAND = "LEVERAGE_BAND"
    INSUFFICIENT_MARGIN = "INSUFFICIENT_MARGIN"
    POSITION_CAP = "POSITION_CAP"
    MAX_QTY = "MAX_QTY"
    SYMBOL_EXPOSURE = "SYMBOL_EXPOSURE"
    SYMBOL_CAPITAL_SHARE = "SYMBOL_CAPITAL_SHARE"
    TOTAL_EXPOSURE = "TOTAL_EXPOSURE"
    MIN_NOTIONAL = "MIN_NOTIONAL"
    MIN_QTY = "MIN_QTY"
    SPREAD_TOO_WIDE = "SPREAD_TOO_WIDE"
    SLIPPAGE = "SLIPPAGE"
    PRICE_DEVIATION = "PRICE_DEVIATION"
    SYMBOL_NOT_ALLOWED = "SYMBOL_NOT_ALLOWED"
    REDUCE_ONLY_REQUIRED = "REDUCE_ONLY_REQUIRED"
    REDUCE_ONLY_WOULD_INCREASE = "REDUCE_ONLY_WOULD_INCREASE"
    REDUCE_ONLY_WOULD_FLIP = "REDUCE_ONLY_WOULD_FLIP"
    KILL_SWITCH = "KILL_SWITCH"
    ACCOUNT_HALTED = "ACCOUNT_HALTED"
    ACCOUNT_REDUCING = "ACCOUNT_REDUCING"
    # Portfolio monitors, circuit breaker, sessions and hedging (state transitions).
    DAILY_LOSS = "DAILY_LOSS"
    GLOBAL_DAILY_LOSS = "GLOBAL_DAILY_LOSS"
    TRAILING_DRAWDOWN = "TRAILING_DRAWDOWN"
    EXPOSURE_CAP = "EXPOSURE_CAP"
    DAILY_PROFIT_TARGET = "DAILY_PROFIT_TARGET"
    CIRCUIT_BREAKER = "CIRCUIT_BREAKER"
    SESSION_END = "SESSION_END"
    DAY_ROLLOVER = "DAY_ROLLOVER"
    MANUAL_RESET = "MANUAL_RESET"
    EXPOSURE_NORMAL = "EXPOSURE_NORMAL"
    HEDGE_OPEN = "HEDGE_OPEN"
    HEDGE_CLOSE = "HEDGE_CLOSE"
    CIRCUIT_RESET = "CIRCUIT_RESET"


class AccountState(StrEnum):
    """Trading state of an account, set by the portfolio monitors."""

    ACTIVE = "ACTIVE"
    REDUCING = "REDUCING"
    HALTED = "HALTED"


class OrderSource(StrEnum):
    """Who asked for the order; every source passes the same gate."""

    GRID = "grid"
    WEBHOOK = "webhook"
    LLM = "llm"
    MANUAL = "manual"


@dataclass(frozen=True, slots=True)
class RiskLimits:
    """Limits the gate enforces; `None` switches an optional check off.

    Fractions are shares of equity (0.20 = 20 %); `max_total_exposure` is a multiple of
    equity; percentages (`*_pct`) are in percent of price; `slippage_bps` in basis points.
    """

    max_leverage: Decimal = Decimal(10)
    provider_min_leverage: Decimal = Decimal(3)
    provider_max_leverage: Decimal = Decimal(10)
    max_symbol_exposure: Decimal = Decimal(5000)
    max_position_per_trade: Decimal = Decimal("0.20")
    max_capital_per_symbol: Decimal = Decimal("0.20")
    max_total_exposure: Decimal = Decimal("0.80")
    min_order_value: Decimal = Decimal(5)
    slippage_bps: Decimal = Decimal(10)
    max_book_spread_pct: Decimal | None = None
    max_price_deviation_pct: Decimal | None = Decimal(5)
    trading_enabled: bool = True

    @classmethod
    def unrestricted(cls) -> RiskLimits:
        """Return limits no grid reaches: every check still runs, the caps never bind.

        For parity runs against the backtest kernel and for benchmarks; the kill switch, the
        account states and order validity are enforced as always.
        """
        big = Decimal(10) ** 12
        return cls(
            max_leverage=Decimal(125),
            provider_min_leverage=Decimal(0),
            provider_max_leverage=Decimal(125),
            max_symbol_exposure=big,
            max_position_per_trade=big,
            max_capital_per_symbol=big,
            max_total_exposure=big,
            min_order_value=Decimal(0),
            slippage_bps=Decimal(10_000),
            max_book_spread_pct=None,
            max_price_deviation_pct=None,
        )

    @classmethod
    def from_settings(
        cls,
        risk: RiskSettings,
        execution: ExecutionSettings | None = None,
        *,
        max_price_deviation_pct: Decimal | None = Decimal(5),
    ) -> RiskLimits:
        """Build the limits from the `risk` (and `execution`, for slippage) settings."""
        return cls(
            max_leverage=risk.max_leverage,
            provider_min_leverage=risk.provider_min_leverage,
            provider_max_leverage=risk.provider_max_leverage,
            max_symbol_exposure=risk.max_symbol_exposure,
            max_position_per_trade=risk.max_position_per_trade,
            max_capital_per_symbol=risk.max_capital_per_symbol,
            max_total_exposure=risk.max_total_exposure,
            min_order_value=risk.min_order_value,
            slippage_bps=(execution or ExecutionSettings()).slippage_bps,
            max_book_spread_pct=risk.max_book_spread_pct,
            max_price_deviation_pct=max_price_deviation_pct,
            trading_enabled=risk.trading_enabled,
        )


@dataclass(frozen=True, slots=True)
class MarketView:
    """What the gate knows of one instrument's market: reference (mark/last) price and book."""

    instrument: Instrument
    last: Decimal
    bid: Decimal | None = None
    ask: Decimal | None = None

    @property
    def symbol(self) -> str:
        """Return the instrument's symbol."""
        return self.instrument.symbol


@dataclass(frozen=True, slots=True)
class AccountView:
    """A snapshot of one account, taken by the caller; the gate never reads a store.

    `positions` holds signed quantities (> 0 long). `total_notional` is the gross notional
    of every position at mark prices. `allowed_symbols=None` allows every symbol;
    `leverage_band=None` uses the limits' provider band.
    """

    equity: Decimal
    available: Decimal
    positions: Mapping[str, Decimal] = field(default_factory=dict)
    total_notional: Decimal = Decimal(0)
    leverage_in_use: Mapping[str, Decimal] = field(default_factory=dict)
    allowed_symbols: frozenset[str] | None = None
    state: AccountState = AccountState.ACTIVE
    kill_switch: bool = False
    leverage_band: tuple[Decimal, Decimal] | None = None

    def position(self, symbol: str) -> Decimal:
        """Return the signed position quantity in `symbol` (0 when flat)."""
        return self.positions.get(symbol, Decimal(0))


@dataclass(frozen=True, slots=True)
class OrderIntent:
    """An order someone wants sent, with the leverage it uses and who asked for it."""

    request: OrderRequest
    leverage: Decimal
    source: OrderSource


@dataclass(frozen=True, slots=True)
class OrderValues:
    """Quantity, valuation price, notional and leverage of an order, for the record."""

    qty: Decimal
    price: Decimal
    notional: Decimal
    leverage: Decimal


@dataclass(frozen=True, slots=True)
class Approve:
    """Send the order as requested."""

    request: OrderRequest
    requested: OrderValues
    approved: OrderValues


@dataclass(frozen=True, slots=True)
class Reduce:
    """Send the order with the smaller quantity `qty`; `reasons` name the binding limits."""

    qty: Decimal
    reasons: tuple[ReasonCode, ...]
    request: OrderRequest
    requested: OrderValues
    approved: OrderValues


@dataclass(frozen=True, slots=True)
class Reject:
    """Do not send the order; `approved` records a zero quantity."""

    reason_codes: tuple[ReasonCode, ...]
    requested: OrderValues
    approved: OrderValues


Decision = Approve | Reduce | Reject
