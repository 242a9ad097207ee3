"""Rate limits per key/IP and endpoint: sliding window math, 429 + Retry-After, shared Redis."""

from __future__ import annotations

import pytest
from api_support import REDIS_URL, FixedClock, Keys, error_code, make_app
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from gridarena.api.ratelimit import MemoryRateLimiter, RedisRateLimiter
from gridarena.api.redis_backend import RedisHandle


async def test_memory_limiter_when_limit_reached_then_refused_until_window_slides() -> None:
    clock = FixedClock()
    clock.now = 6000.0  # a window boundary
    limiter = MemoryRateLimiter(clock)

    admitted = [(await limiter.hit("k", limit=3, window_s=60)).allowed for _ in range(4)]
    refused = await limiter.hit("k", limit=3, window_s=60)
    clock.advance(60)  # new window: the previous 3 weigh 3 × (1 - 0) = 3
    still = await limiter.hit("k", limit=3, window_s=60)
    clock.advance(20)  # weight 3 × (1 - 1/3) = 2: one more fits
    later = await limiter.hit("k", limit=3, window_s=60)

    assert admitted == [True, True, True, False]
    assert refused.retry_after_s == pytest.approx(60 + 20)  # next window, then decay to 2
    assert (still.allowed, later.allowed) == (False, True)


async def test_memory_limiter_when_keys_differ_then_counted_apart() -> None:
    limiter = MemoryRateLimiter(FixedClock())

    a = [await limiter.hit("a", limit=1, window_s=60) for _ in range(2)]
    b = await limiter.hit("b", limit=1, window_s=60)

    assert [d.allowed for d in a] == [True, False]
    assert b.allowed


def test_endpoint_when_limit_exceeded_then_429_with_retry_after_and_counted_per_endpoint(
    db_factory: sessionmaker[Session], keys: Keys
) -> None:
    app = make_app(db_factory, api={"rate_limit_per_minute": 3})
    with TestClient(app) as client:
        codes = [client.get("/models", headers=keys.headers("read")).status_code for _ in range(4)]
        refused = client.get("/models", headers=keys.headers("read"))
        other_endpoint = client.get("/orders", headers=keys.headers("read"))
        other_key = client.get("/models", headers=keys.headers("trade"))
        metrics = client.get("/metrics").text

    assert codes == [200, 200, 200, 429]
    assert (refused.status_code, error_code(refused)) == (429, "RATE_LIMIT_EXCEEDED")
    assert int(refused.headers["retry-after"]) >= 1
    assert other_endpoint.status_code == 200
    assert other_key.status_code == 200
    assert other_key.headers["x-ratelimit-limit"] == "3"
    assert 'gridarena_api_rate_limited_total{route="/models"} 2.0' in metrics


def test_endpoint_when_override_configured_then_its_own_limit(
    db_factory: sessionmaker[Session], keys: Keys
) -> None:
    app = make_app(db_factory, endpoint_limits={"/models": 1})
    with TestClient(app) as client:
        first = client.get("/models", headers=keys.headers("read"))
        second = client.get("/models", headers=keys.headers("read"))
        orders = client.get("/orders", headers=keys.headers("read"))

    assert (first.status_code, second.status_code, orders.status_code) == (200, 429, 200)


def test_webhook_when_flooded_then_limited_per_ip(
    db_factory: sessionmaker[Session],
) -> None:
    app = make_app(db_factory, api={"rate_limit_per_minute": 2})
    with TestClient(app) as client:
        codes = [client.post("/signal/grid", content=b"{}").status_code for _ in range(3)]

    assert codes == [503, 503, 429]  # no engine attached: 503 until the limit says 429


async def test_redis_limiter_when_limit_reached_then_refused_until_window_slides(
    redis_prefix: str,
) -> None:
    clock = FixedClock()
    clock.now = 6000.0
    handle = RedisHandle(REDIS_URL, prefix=redis_prefix)
    limiter = RedisRateLimiter(handle, clock)
    try:
        admitted = [(await limiter.hit("k", limit=3, window_s=60)).allowed for _ in range(4)]
        clock.advance(80)
        later = await limiter.hit("k", limit=3, window_s=60)
    finally:
        await handle.aclose()

    assert admitted == [True, True, True, False]
    assert later.allowed


def test_two_app_instances_when_sharing_redis_then_share_one_limit(
    db_factory: sessionmaker[Session], keys: Keys, redis_prefix: str
) -> None:
    clock = FixedClock()

    def build() -> TestClient:
        app = make_app(
            db_factory,
            clock=clock,
            api={"rate_limit_per_minute": 4},
            redis_url=REDIS_URL,
            redis_prefix=redis_prefix,
        )
        return TestClient(app)

    with build() as one, build() as two:
        codes = [
            client.get("/models", headers=keys.headers("read")).status_code
            for client in (one, two, one, two, one, two)
        ]
        ready = one.get("/health/ready")

    assert codes == [200, 200, 200, 200, 429, 429]
    assert ready.json()["checks"]["redis"]["ok"] is True


def test_ready_when_redis_unreachable_then_503_and_reads_still_served(
    db_factory: sessionmaker[Session], keys: Keys
) -> None:
    app = make_app(db_factory, redis_url="redis://127.0.0.1:1/0")
    with TestClient(app) as client:
        ready = client.get("/health/ready")
        read = client.get("/models", headers=keys.headers("read"))
        write = client.post("/prices/sync", headers=keys.headers("trade"))

    assert ready.status_code == 503
    assert ready.json()["checks"]["redis"] == ready.json()["checks"]["redis"] | {"ok": False}
    assert read.status_code == 200  # reads fail open
    assert (write.status_code, error_code(write)) == (503, "SERVICE_UNAVAILABLE")
