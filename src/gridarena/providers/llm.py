"""The call loop every LLM provider shares: prompt, call, validate, retry, fall back to HOLD.

An SDK-specific subclass says how to make one call (``_complete``) and how to name a failure
(``_classify``). Everything else is here, once: the bounded retry with the validation error
fed back, latency on the injected clock, token and cost accounting, secret scrubbing, and
the rule that ``decide`` never raises.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from gridarena.config.providers import ModelPrice
from gridarena.engine.clock import Clock, RealClock
from gridarena.providers.pricing import call_cost
from gridarena.providers.prompt import Prompt, build_prompt
from gridarena.providers.types import (
    ActionDecision,
    DecisionContext,
    Outcome,
    ProviderResult,
    hold,
)
from gridarena.providers.validate import DecisionError, parse_decision
from gridarena.store.enums import ProviderKind

__all__ = ["Completion", "LlmProvider", "Turn", "retry_message", "scrub"]

log = logging.getLogger(__name__)

_MASK: Final = "***"
_MAX_ERROR: Final = 500
# Keys shorter than this would turn scrubbing into noise; no real API key is this short.
_MIN_SECRET: Final = 6


@dataclass(frozen=True, slots=True)
class Completion:
    """One model reply: its text (or tool-call arguments) and the tokens it used."""

    raw: str | None
    tokens_in: int | None = None
    tokens_out: int | None = None
    calls: int = 1


@dataclass(frozen=True, slots=True)
class Turn:
    """A rejected reply and why it was rejected (fed back on the next attempt)."""

    raw: str
    error: str


def retry_message(error: str) -> str:
    """Return the user message that asks the model to correct a rejected reply."""
    return (
        f"Your reply was not a valid decision: {error}. "
        "Reply again with one corrected JSON object and nothing else."
    )


def scrub(text: str, secrets: Sequence[str]) -> str:
    """Return ``text`` with every secret replaced by ``***``."""
    for secret in secrets:
        if len(secret) >= _MIN_SECRET:
            text = text.replace(secret, _MASK)
    return text


def _add(total: int | None, value: int | None) -> int | None:
    if value is None:
        return total
    return value if total is None else total + value


class LlmProvider(ABC):
    """A provider backed by an LLM API; subclasses make the calls."""

    def __init__(
        self,
        *,
        name: str,
        kind: ProviderKind,
        model: str,
        max_attempts: int = 2,
        price: ModelPrice | None = None,
        clock: Clock | None = None,
        secrets: Sequence[str] = (),
    ) -> None:
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        self._name = name
        self._kind = kind
        self._model = model
        self._max_attempts = max_attempts
        self._price = price
        self._clock: Clock = clock or RealClock()
        # Kept only to scrub them from anything stored or logged; never shown.
        self._secrets = tuple(s for s in secrets if s)

    @property
    def name(self) -> str:
        """Return the provider's name."""
        return self._name

    @property
    def kind(self) -> ProviderKind:
        """Return the LLM family."""
        return self._kind

    @property
    def model(self) -> str:
        """Return the model name sent to the API."""
        return self._model

    def __repr__(self) -> str:
        cls = type(self).__name__
        return f"{cls}(name={self._name!r}, kind={self._kind.value!r}, model={self._model!r})"

    @abstractmethod
    async def _complete(
        self, prompt: Prompt, ctx: DecisionContext, history: Sequence[Turn]
    ) -> Completion:
        """Make one model call with the prompt and the rejected turns so far."""

    @abstractmethod
    def _classify(self, exc: Exception) -> Outcome:
        """Name the outcome of a failed call: timeout, rate_limited or error."""

    @abstractmethod
    async def aclose(self) -> None:
        """Close the SDK client and its connections."""

    async def __aenter__(self) -> LlmProvider:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def decide(self, ctx: DecisionContext) -> ProviderResult:
        """Ask the model for a decision; return HOLD with the error instead of raising."""
        prompt = build_prompt(ctx, provider_name=self._name)
        start = self._clock.now()
        history: list[Turn] = []
        tokens_in: int | None = None
        tokens_out: int | None = None
        attempts = 0
        raw: str | None = None

        def finish(**fields: object) -> ProviderResult:
            latency = max(0, round((self._clock.now() - start) * 1000))
            cost = call_cost(self._price, tokens_in, tokens_out)
            return ProviderResult.model_validate(
                {
                    "prompt": prompt.text,
                    "raw_response": raw,
                    "latency_ms": latency,
                    "tokens_in": tokens_in,
                    "tokens_out": tokens_out,
                    "cost": cost,
                    "attempts": attempts,
                    **fields,
                }
            )

        try:
            # max_attempts bounds the replies judged; attempts counts every API call made.
            for _ in range(self._max_attempts):
                attempts += 1
                completion = await self._complete(prompt, ctx, history)
                attempts += completion.calls - 1
                tokens_in = _add(tokens_in, completion.tokens_in)
                tokens_out = _add(tokens_out, completion.tokens_out)
                # Scrub before parsing, so no decision field can carry a key either.
                raw = None if completion.raw is None else scrub(completion.raw, self._secrets)
                try:
                    decision = parse_decision(raw or "", ctx, source=self._name)
                except DecisionError as exc:
                    history.append(Turn(raw=raw or "(empty reply)", error=str(exc)))
                    continue
                return finish(decision=decision, outcome="ok")
        except Exception as exc:  # a provider never raises (DESIGN §4)
            outcome = self._classify(exc)
            error = self._describe(exc)
            log.warning("provider %s: %s: %s", self._name, outcome, error)
            return finish(decision=self._hold(ctx, outcome), outcome=outcome, error=error)
        last = history[-1].error
        tries = len(history)
        error = scrub(f"no valid decision after {tries} attempts: {last}", self._secrets)
        error = error[:_MAX_ERROR]
        log.warning("provider %s: invalid: %s", self._name, error)
        return finish(decision=self._hold(ctx, "invalid"), outcome="invalid", error=error)

    def _hold(self, ctx: DecisionContext, outcome: Outcome) -> ActionDecision:
        return ActionDecision(action=hold(ctx.symbol, f"no decision: {outcome}"))

    def _describe(self, exc: Exception) -> str:
        text = f"{type(exc).__name__}: {exc}"
        return scrub(text, self._secrets)[:_MAX_ERROR]
