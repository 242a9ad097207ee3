"""What a provider is given (DecisionContext) and what it gives back (ProviderResult).

A provider answers with a declarative decision: a ``GridSpec`` to run, or one ``Action``
(BUY, SELL, CLOSE, HOLD: seed 001's action set). It never places orders; the engine turns
decisions into orders through the risk gate.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Annotated, Final, Literal, Protocol, Self, runtime_checkable

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from gridarena.config.trading import ExecutionSettings, RiskSettings
from gridarena.domain.money import to_decimal
from gridarena.grid.spec import MAX_LEVERAGE, GridSpec
from gridarena.indicators.snapshot import MarketSnapshot
from gridarena.store.enums import ProviderKind

__all__ = [
    "ACTION_NAMES",
    "MAX_REASONING",
    "AccountSummary",
    "Action",
    "ActionDecision",
    "ActionName",
    "Decision",
    "DecisionContext",
    "GridDecision",
    "Outcome",
    "PositionSummary",
    "Provider",
    "ProviderResult",
    "Rules",
    "hold",
]

ActionName = Literal["BUY", "SELL", "CLOSE", "HOLD"]
ACTION_NAMES: Final[tuple[ActionName, ...]] = ("BUY", "SELL", "CLOSE", "HOLD")
Outcome = Literal["ok", "invalid", "timeout", "rate_limited", "error"]
# Long enough for a paragraph of reasoning, short enough to store and show on a dashboard.
MAX_REASONING: Final = 1000


def _decimal(value: object, info: ValidationInfo) -> object:
    # Floats by repr (0.1 stays 0.1), NaN/inf and bools refused with the field's name.
    if isinstance(value, bool):
        raise ValueError(f"{info.field_name} must be a number, got bool")
    if isinstance(value, Decimal | int | float | str):
        return to_decimal(value, name=info.field_name or "value")
    return value


def _clip_reasoning(value: object) -> object:
    # An over-long explanation is not worth a retry: keep its start.
    if isinstance(value, str) and len(value) > MAX_REASONING:
        return value[: MAX_REASONING - 1] + "…"
    return value


_Dec = BeforeValidator(_decimal)
PositiveDec = Annotated[Decimal, _Dec, Field(gt=0)]
Money = Annotated[Decimal, _Dec]
UnitDec = Annotated[Decimal, _Dec, Field(gt=0, le=1)]
Reasoning = Annotated[str, BeforeValidator(_clip_reasoning), Field(max_length=MAX_REASONING)]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class Action(_Frozen):
    """One trading action for one symbol (seed 001): open long, open short, close or wait.

    ``size_pct`` is the fraction of the balance committed as margin (BUY/SELL, required) or
    the fraction of the position to close (CLOSE, default all). ``take_profit`` and
    ``stop_loss`` are prices on the right side of each other for the trade's direction.
    Sizing fields on a HOLD, and leverage and exits on a CLOSE, mean nothing and are dropped.
    """

    action: ActionName
    symbol: str = Field(min_length=1, max_length=40)
    size_pct: UnitDec | None = None
    leverage: Annotated[PositiveDec, Field(le=MAX_LEVERAGE)] | None = None
    take_profit: PositiveDec | None = None
    stop_loss: PositiveDec | None = None
    confidence: float = Field(default=0.0, ge=0, le=1, allow_inf_nan=False)
    reasoning: Reasoning = ""

    @model_validator(mode="before")
    @classmethod
    def _drop_meaningless(cls, data: object) -> object:
        if not isinstance(data, dict):
            return data
        name = str(data.get("action", "")).strip().upper()
        drop: tuple[str, ...] = ()
        if name == "HOLD":
            drop = ("size_pct", "leverage", "take_profit", "stop_loss")
        elif name == "CLOSE":
            drop = ("leverage", "take_profit", "stop_loss")
        return {k: v for k, v in data.items() if k not in drop}

    @field_validator("action", mode="before")
    @classmethod
    def _upper_action(cls, value: object) -> object:
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("symbol")
    @classmethod
    def _upper_symbol(cls, value: str) -> str:
        return value.upper()

    @model_validator(mode="after")
    def _check_side(self) -> Self:
        if self.action in ("BUY", "SELL"):
            missing = [n for n in ("size_pct", "leverage") if getattr(self, n) is None]
            if missing:
                raise ValueError(f"{self.action} requires {' and '.join(missing)}")
        tp, sl = self.take_profit, self.stop_loss
        if tp is not None and sl is not None:
            if self.action == "BUY" and not sl < tp:
                raise ValueError(f"BUY needs stop_loss ({sl}) below take_profit ({tp})")
            if self.action == "SELL" and not tp < sl:
                raise ValueError(f"SELL needs take_profit ({tp}) below stop_loss ({sl})")
        return self


def hold(symbol: str, reasoning: str = "") -> Action:
    """Return a HOLD action for ``symbol`` (the decision every failure falls back to)."""
    return Action(action="HOLD", symbol=symbol, confidence=0.0, reasoning=reasoning)


class GridDecision(_Frozen):
    """Run this grid on the snapshot's symbol."""

    kind: Literal["grid"] = "grid"
    spec: GridSpec
    confidence: float | None = Field(default=None, ge=0, le=1, allow_inf_nan=False)
    reasoning: Reasoning = ""


class ActionDecision(_Frozen):
    """Take this action now."""

    kind: Literal["action"] = "action"
    action: Action


Decision = Annotated[GridDecision | ActionDecision, Field(discriminator="kind")]


class PositionSummary(_Frozen):
    """An open position as the provider sees it; ``qty`` is signed (negative = short)."""

    symbol: str
    qty: Money
    entry_price: PositiveDec
    unrealized_pnl: Money = Decimal(0)
    leverage: PositiveDec = Decimal(1)


class AccountSummary(_Frozen):
    """The provider's own account: money in quote currency and its open positions."""

    balance: Money
    equity: Money
    available: Money
    realized_pnl: Money = Decimal(0)
    unrealized_pnl: Money = Decimal(0)
    positions: tuple[PositionSummary, ...] = ()

    def position(self, symbol: str) -> PositionSummary | None:
        """Return the open (non-zero) position in ``symbol``, if any."""
        for position in self.positions:
            if position.symbol == symbol and position.qty != 0:
                return position
        return None


class Rules(_Frozen):
    """Trading rules every decision must satisfy (seed 001: 20 % per trade, 3–10x)."""

    symbols: tuple[str, ...] = Field(min_length=1)
    max_position_pct: UnitDec = Decimal("0.20")
    min_leverage: PositiveDec = Decimal(3)
    max_leverage: Annotated[PositiveDec, Field(le=MAX_LEVERAGE)] = Decimal(10)
    allowed_actions: tuple[ActionName, ...] = ACTION_NAMES
    allow_grid: bool = True
    # A grid level must earn more than a maker fee on each leg (checked by GridSpec).
    maker_fee: Money = Decimal("0.0002")

    @classmethod
    def from_settings(
        cls,
        symbols: Sequence[str],
        *,
        risk: RiskSettings | None = None,
        execution: ExecutionSettings | None = None,
        allow_grid: bool = True,
    ) -> Rules:
        """Return the rules the configured risk limits and fees imply for ``symbols``.

        The leverage band is the provider band cut at the hard ``max_leverage`` cap.
        """
        risk = risk or RiskSettings()
        execution = execution or ExecutionSettings()
        high = min(risk.provider_max_leverage, risk.max_leverage)
        return cls(
            symbols=tuple(symbols),
            max_position_pct=risk.max_position_per_trade,
            min_leverage=min(risk.provider_min_leverage, high),
            max_leverage=high,
            allow_grid=allow_grid,
            maker_fee=execution.maker_fee_bps / 10_000,
        )

    @field_validator("symbols")
    @classmethod
    def _upper_symbols(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(s.strip().upper() for s in value)

    @model_validator(mode="after")
    def _check(self) -> Self:
        if self.min_leverage > self.max_leverage:
            raise ValueError("min_leverage must not exceed max_leverage")
        if "HOLD" not in self.allowed_actions:
            raise ValueError("HOLD must be allowed: it is what every failed decision becomes")
        return self


class DecisionContext(_Frozen):
    """Everything one decision is made from: market, account, rules and the time."""

    snapshot: MarketSnapshot
    account: AccountSummary
    rules: Rules
    now_ms: int

    @property
    def symbol(self) -> str:
        """Return the symbol this decision is about."""
        return self.snapshot.symbol


class ProviderResult(_Frozen):
    """A validated decision and the record of how it was obtained (stored as-is)."""

    decision: Decision
    prompt: str = ""
    raw_response: str | None = None
    latency_ms: int = Field(default=0, ge=0)
    tokens_in: int | None = Field(default=None, ge=0)
    tokens_out: int | None = Field(default=None, ge=0)
    cost: Decimal | None = None
    error: str | None = None
    attempts: int = Field(default=1, ge=0)
    outcome: Outcome = "ok"

    @property
    def is_hold(self) -> bool:
        """Return True when the decision is a HOLD action."""
        d = self.decision
        return isinstance(d, ActionDecision) and d.action.action == "HOLD"


@runtime_checkable
class Provider(Protocol):
    """A source of decisions; ``decide`` never raises and never places orders."""

    @property
    def name(self) -> str:
        """Return the provider's unique name (the competitor)."""
        ...

    @property
    def kind(self) -> ProviderKind:
        """Return where decisions come from (rules or an LLM family)."""
        ...

    async def decide(self, ctx: DecisionContext) -> ProviderResult:
        """Return a validated decision for ``ctx`` (HOLD with the error on failure)."""
        ...
