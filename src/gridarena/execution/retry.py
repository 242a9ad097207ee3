"""The one retry helper: exponential backoff with jitter for retryable venue errors.

Only reads and idempotent calls go through it directly. An order whose outcome is unknown is
never re-sent blindly: the tracker asks the venue about it first (DESIGN.md §2.2).
"""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_attempt,
)

from gridarena.venues.errors import OutcomeUnknown, RateLimited, RetryableVenueError

T = TypeVar("T")
Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Backoff:
    """Exponential backoff: ``base``·2^n seconds, capped, with full jitter."""

    attempts: int = 6
    base: float = 0.2
    cap: float = 10.0
    jitter: bool = True

    def delay(self, attempt: int, rng: random.Random | None = None) -> float:
        """Return the wait before retry number ``attempt`` (1-based)."""
        raw = min(self.cap, self.base * 2 ** (attempt - 1))
        return (rng or random).uniform(0, raw) if self.jitter else raw


def _retryable(exc: BaseException) -> bool:
    return isinstance(exc, RetryableVenueError) and not isinstance(exc, OutcomeUnknown)


def _wait_for(backoff: Backoff, rng: random.Random | None) -> Callable[[RetryCallState], float]:
    def wait(state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, RateLimited) and exc.retry_after is not None:
            return float(exc.retry_after)  # the venue said how long: respect it exactly
        return backoff.delay(state.attempt_number, rng)

    return wait


async def with_retries(
    call: Callable[[], Awaitable[T]],
    *,
    backoff: Backoff = Backoff(),
    sleep: Sleep | None = None,
    rng: random.Random | None = None,
) -> T:
    """Run ``call``, retrying retryable venue errors (never an unknown outcome) with backoff.

    ``OutcomeUnknown`` propagates at once: the request may have taken effect, so repeating it
    is the caller's decision, made after asking the venue.
    """
    kwargs = {} if sleep is None else {"sleep": sleep}
    retrying = AsyncRetrying(
        retry=retry_if_exception(_retryable),
        stop=stop_after_attempt(backoff.attempts),
        wait=_wait_for(backoff, rng),
        reraise=True,
        **kwargs,  # type: ignore[arg-type]
    )
    async for attempt in retrying:
        with attempt:
            return await call()
    raise AssertionError("unreachable: tenacity re-raises the last error")
