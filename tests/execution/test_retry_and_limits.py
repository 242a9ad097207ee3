"""One retry helper and one rate limiter, on a manual clock (no test ever sleeps)."""

import pytest

from gridarena.engine.clock import ManualClock
from gridarena.execution.rate_limit import Limits, RateLimiter
from gridarena.execution.retry import Backoff, with_retries
from gridarena.venues.errors import OrderRejected, OutcomeUnknown, RateLimited, VenueUnavailable

NO_JITTER = Backoff(attempts=4, base=0.5, cap=4.0, jitter=False)


def _flaky(errors: list[Exception]) -> tuple[list[int], object]:
    calls: list[int] = []

    async def call() -> str:
        calls.append(1)
        if errors:
            raise errors.pop(0)
        return "ok"

    return calls, call


async def test_with_retries_when_unavailable_twice_then_succeeds_after_backoff() -> None:
    clock = ManualClock()
    calls, call = _flaky([VenueUnavailable("x"), VenueUnavailable("y")])
    assert await with_retries(call, backoff=NO_JITTER, sleep=clock.sleep) == "ok"  # type: ignore[arg-type]
    assert len(calls) == 3
    assert clock.sleeps == [0.5, 1.0]


async def test_with_retries_when_outcome_unknown_then_never_repeats_the_call() -> None:
    clock = ManualClock()
    calls, call = _flaky([OutcomeUnknown("503 execution status unknown")])
    with pytest.raises(OutcomeUnknown):
        await with_retries(call, backoff=NO_JITTER, sleep=clock.sleep)  # type: ignore[arg-type]
    assert len(calls) == 1


async def test_with_retries_when_permanent_error_then_raises_at_once() -> None:
    calls, call = _flaky([OrderRejected("bad", code=-4014)])
    with pytest.raises(OrderRejected):
        await with_retries(call, backoff=NO_JITTER, sleep=ManualClock().sleep)  # type: ignore[arg-type]
    assert len(calls) == 1


async def test_with_retries_when_rate_limited_then_waits_exactly_retry_after() -> None:
    clock = ManualClock()
    _calls, call = _flaky([RateLimited("429", retry_after=7.0)])
    await with_retries(call, backoff=NO_JITTER, sleep=clock.sleep)  # type: ignore[arg-type]
    assert clock.sleeps == [7.0]


async def test_acquire_when_order_window_full_then_waits_until_oldest_expires() -> None:
    clock = ManualClock()
    limiter = RateLimiter(Limits(orders_per_10s=3), clock=clock)
    for _ in range(3):
        await limiter.acquire(orders=1)
        clock.advance(1.0)
    await limiter.acquire(orders=1)  # the first order leaves the window at t=10
    assert clock.now() == pytest.approx(10.0)


async def test_acquire_when_backed_off_after_429_then_pauses_for_retry_after() -> None:
    clock = ManualClock()
    limiter = RateLimiter(clock=clock)
    limiter.back_off(5.0)
    await limiter.acquire()
    assert clock.sleeps == [5.0]


async def test_acquire_when_banned_without_retry_after_then_waits_the_ban() -> None:
    clock = ManualClock()
    limiter = RateLimiter(Limits(ban_seconds=120.0), clock=clock)
    limiter.back_off(None, banned=True)
    await limiter.acquire()
    assert clock.now() == pytest.approx(120.0)


async def test_observe_when_venue_reports_more_weight_then_limiter_counts_it() -> None:
    clock = ManualClock()
    limiter = RateLimiter(Limits(weight_per_minute=10), clock=clock)
    limiter.observe(10)
    await limiter.acquire(weight=1)
    assert clock.now() == pytest.approx(60.0)
