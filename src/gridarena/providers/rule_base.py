"""The wrapper every rule-based provider shares, and small helpers for their arithmetic."""

from __future__ import annotations

import logging
import math
from abc import ABC, abstractmethod
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Final

from gridarena.engine.clock import Clock, RealClock
from gridarena.providers.types import (
    ActionDecision,
    Decision,
    DecisionContext,
    Outcome,
    ProviderResult,
    hold,
)
from gridarena.providers.validate import DecisionError, check_decision, to_wire
from gridarena.store.enums import ProviderKind

__all__ = [
    "RuleProvider",
    "allocation",
    "grid_leverage",
    "hold_decision",
    "round_sig",
    "to_dec",
    "trade_leverage",
]

log = logging.getLogger(__name__)

_CENT: Final = Decimal("0.01")
_SIG_DIGITS: Final = 8


def to_dec(value: float) -> Decimal:
    """Return a float as the Decimal of its shortest repr."""
    return Decimal(repr(float(value)))


def round_sig(value: float | Decimal, *, up: bool, digits: int = _SIG_DIGITS) -> Decimal:
    """Round a positive number to ``digits`` significant digits, up or down."""
    d = value if isinstance(value, Decimal) else to_dec(value)
    quantum = Decimal(1).scaleb(d.adjusted() - (digits - 1))
    return d.quantize(quantum, rounding=ROUND_CEILING if up else ROUND_FLOOR)


def hold_decision(ctx: DecisionContext, reasoning: str) -> ActionDecision:
    """Return a HOLD decision for the context's symbol."""
    return ActionDecision(action=hold(ctx.symbol, reasoning))


def allocation(ctx: DecisionContext, pct: Decimal | None) -> Decimal:
    """Return the margin to commit: ``pct`` (capped by the rules) of balance, within available."""
    rules, account = ctx.rules, ctx.account
    share = min(pct if pct is not None else rules.max_position_pct, rules.max_position_pct)
    amount = min(share * account.balance, account.available)
    return max(Decimal(0), amount.quantize(_CENT, rounding=ROUND_FLOOR))


def trade_leverage(ctx: DecisionContext, wanted: Decimal | None) -> Decimal:
    """Return ``wanted`` leverage clamped into the rules' band (the band's low end if unset)."""
    rules = ctx.rules
    value = wanted if wanted is not None else rules.min_leverage
    return min(max(value, rules.min_leverage), rules.max_leverage)


def grid_leverage(ctx: DecisionContext, wanted: Decimal | None) -> int | None:
    """Return a whole leverage inside the rules' band (grids take integers), or None."""
    rules = ctx.rules
    value = trade_leverage(ctx, wanted)
    whole = math.ceil(value)
    if whole > rules.max_leverage:
        whole = math.floor(rules.max_leverage)
    return whole if whole >= rules.min_leverage and whole >= 1 else None


class RuleProvider(ABC):
    """A deterministic, offline provider; its decisions pass the same checks as an LLM's."""

    def __init__(self, name: str, *, clock: Clock | None = None) -> None:
        self._name = name
        self._clock: Clock = clock or RealClock()

    @property
    def name(self) -> str:
        """Return the provider's name."""
        return self._name

    @property
    def kind(self) -> ProviderKind:
        """Return ProviderKind.RULE."""
        return ProviderKind.RULE

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.describe()})"

    @abstractmethod
    def describe(self) -> str:
        """Return the rule and its parameters (stored as the result's prompt)."""

    @abstractmethod
    def _decide(self, ctx: DecisionContext) -> Decision:
        """Return the rule's decision for ``ctx``."""

    async def decide(self, ctx: DecisionContext) -> ProviderResult:
        """Apply the rule; return HOLD with the error if it fails or breaks the rules."""
        start = self._clock.now()
        error: str | None = None
        outcome: Outcome = "ok"
        try:
            decision = self._decide(ctx)
            check_decision(decision, ctx)
        except DecisionError as exc:
            outcome, error = "invalid", str(exc)
        except Exception as exc:  # a provider never raises (DESIGN §4)
            outcome, error = "error", f"{type(exc).__name__}: {exc}"
        if error is not None:
            log.warning("provider %s: %s: %s", self._name, outcome, error)
            decision = hold_decision(ctx, f"no decision: {outcome}")
        latency = max(0, round((self._clock.now() - start) * 1000))
        return ProviderResult(
            decision=decision,
            prompt=self.describe(),
            raw_response=to_wire(decision),
            latency_ms=latency,
            cost=Decimal(0),
            error=error,
            attempts=1,
            outcome=outcome,
        )
