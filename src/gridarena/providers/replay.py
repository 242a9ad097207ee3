"""Replay stored raw responses through the live parser, so a season re-runs offline.

The raw responses come from ``ProviderResult.raw_response`` (the ``llm_decisions`` table),
either as a list consumed in order or through a lookup keyed by provider, symbol and
snapshot hash. Because the parser, the rules check and the prompt builder are the same
code the live provider used, the same contexts give the same decisions; a changed rule or
parser shows up as a different decision when a season is re-scored.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from gridarena.engine.clock import Clock, RealClock
from gridarena.providers.prompt import build_prompt
from gridarena.providers.types import (
    ActionDecision,
    Decision,
    DecisionContext,
    Outcome,
    ProviderResult,
    hold,
)
from gridarena.providers.validate import DecisionError, parse_decision
from gridarena.store.enums import ProviderKind

__all__ = ["ReplayKey", "ReplayProvider", "ReplaySource"]


@dataclass(frozen=True, slots=True)
class ReplayKey:
    """What a stored response is looked up by."""

    provider: str
    symbol: str
    snapshot_hash: str


# None stands for a call that produced no response (a timeout, an API error).
ReplaySource = Sequence[str | None] | Callable[[ReplayKey], str | None]


class ReplayProvider:
    """A provider that answers with stored raw responses instead of calling a model."""

    def __init__(
        self,
        name: str,
        responses: ReplaySource,
        *,
        kind: ProviderKind = ProviderKind.RULE,
        clock: Clock | None = None,
    ) -> None:
        self._name = name
        self._kind = kind
        self._responses = responses
        self._next = 0
        self._clock: Clock = clock or RealClock()

    @property
    def name(self) -> str:
        """Return the name of the provider being replayed."""
        return self._name

    @property
    def kind(self) -> ProviderKind:
        """Return the kind of the provider being replayed."""
        return self._kind

    def __repr__(self) -> str:
        return f"ReplayProvider(name={self._name!r}, kind={self._kind.value!r})"

    def _lookup(self, ctx: DecisionContext) -> tuple[bool, str | None]:
        if callable(self._responses):
            key = ReplayKey(self._name, ctx.symbol, ctx.snapshot.digest())
            return True, self._responses(key)
        if self._next >= len(self._responses):
            return False, None
        raw = self._responses[self._next]
        self._next += 1
        return True, raw

    async def decide(self, ctx: DecisionContext) -> ProviderResult:
        """Re-parse the stored response for ``ctx``; HOLD with the error when there is none."""
        start = self._clock.now()
        prompt = build_prompt(ctx, provider_name=self._name).text
        outcome: Outcome = "ok"
        error: str | None = None
        raw: str | None = None
        decision: Decision = ActionDecision(action=hold(ctx.symbol, "no decision: replay"))
        try:
            found, raw = self._lookup(ctx)
            if not found:
                outcome, error = "error", "replay exhausted: no stored response left"
            elif raw is None:
                outcome, error = "error", "no stored response for this decision"
            else:
                decision = parse_decision(raw, ctx, source=self._name)
        except DecisionError as exc:
            outcome, error = "invalid", str(exc)
        except Exception as exc:  # a provider never raises
            outcome, error = "error", f"{type(exc).__name__}: {exc}"
        if error is not None:
            decision = ActionDecision(action=hold(ctx.symbol, f"no decision: {outcome}"))
        return ProviderResult(
            decision=decision,
            prompt=prompt,
            raw_response=raw,
            latency_ms=max(0, round((self._clock.now() - start) * 1000)),
            cost=Decimal(0),
            error=error,
            attempts=1,
            outcome=outcome,
        )
