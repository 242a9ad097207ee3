"""The hot reads' fast lane and caches: same answers as the routes, refusals still refused."""

from __future__ import annotations

import asyncio
import time

import pytest
from api_support import Keys, World, error_code, make_app
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from gridarena.api.app import api_state
from gridarena.api.cache import TtlCache
from gridarena.api.keys import KeyVerifier, create_key
from gridarena.store.engine import transaction
from gridarena.store.enums import SessionStatus
from gridarena.store.repo import update_grid_session
from gridarena.store.repo.keys import revoke_api_key


class ManualMonotonic:
    """Monotonic seconds that move only when told."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _hot_app(factory: sessionmaker[Session], tick: ManualMonotonic, **kwargs: object) -> TestClient:
    app = make_app(factory, cache_ttl_s=1.0, auth_cache_ttl_s=4.0, monotonic=tick, **kwargs)
    return TestClient(app)


def test_hot_read_when_cached_then_same_body_and_headers_as_the_route(
    db_factory: sessionmaker[Session], keys: Keys, world: World
) -> None:
    tick = ManualMonotonic()
    params = {"model": world.model, "symbol": world.symbol}
    with _hot_app(db_factory, tick) as client:
        cold = client.get("/grid/status", params=params, headers=keys.headers("read"))
        hot = client.get(
            "/grid/status", params=params, headers=keys.headers("read") | {"X-Request-ID": "r-1"}
        )
        metrics = client.get("/metrics").text
        cache = api_state(client.app).cache  # type: ignore[arg-type]

    assert hot.status_code == cold.status_code == 200
    assert hot.content == cold.content
    assert hot.headers["content-type"] == cold.headers["content-type"] == "application/json"
    assert hot.headers["x-request-id"] == "r-1"
    assert hot.headers["x-ratelimit-remaining"] < cold.headers["x-ratelimit-remaining"]
    assert (cache.misses, cache.hits) == (1, 1)
    assert 'route="/grid/status",status="200"} 2.0' in metrics


def test_hot_read_when_stale_then_served_once_more_while_refreshed_in_background(
    db_factory: sessionmaker[Session], keys: Keys, world: World
) -> None:
    tick = ManualMonotonic()
    params = {"model": world.model, "symbol": world.symbol}
    with _hot_app(db_factory, tick) as client:
        first = client.get("/grid/status", params=params, headers=keys.headers("read"))
        with transaction(db_factory) as session:
            update_grid_session(session, session_id=world.session_id, status=SessionStatus.PAUSED)
        tick.now += 1.5  # stale, within the grace period
        stale = client.get("/grid/status", params=params, headers=keys.headers("read"))
        statuses = set()
        deadline = time.monotonic() + 5
        while "PAUSED" not in statuses and time.monotonic() < deadline:  # refresh is a task
            again = client.get("/grid/status", params=params, headers=keys.headers("read"))
            statuses.add(again.json()["status"])
            time.sleep(0.01)

    assert first.json()["status"] == stale.json()["status"] == "RUNNING"
    assert "PAUSED" in statuses


def test_hot_read_when_parameters_invalid_then_route_answers_422(
    db_factory: sessionmaker[Session], keys: Keys, world: World
) -> None:
    tick = ManualMonotonic()
    with _hot_app(db_factory, tick) as client:
        client.get(
            "/grid/status",
            params={"model": world.model, "symbol": world.symbol},
            headers=keys.headers("read"),
        )
        bad = client.get(
            "/grid/status",
            params={"model": world.model + "\n", "symbol": world.symbol},
            headers=keys.headers("read"),
        )

    assert (bad.status_code, error_code(bad)) == (422, "VALIDATION_ERROR")


def test_hot_read_when_key_missing_or_revoked_then_refused_within_the_auth_ttl(
    db_factory: sessionmaker[Session], keys: Keys, world: World
) -> None:
    tick = ManualMonotonic()
    with _hot_app(db_factory, tick) as client:
        assert client.get("/dashboard/stats", headers=keys.headers("read")).status_code == 200
        anonymous = client.get("/dashboard/stats")
        with transaction(db_factory) as session:
            revoke_api_key(session, prefix=keys.read.split("_")[1])
        tick.now += 3.5  # last quarter of the 4 s TTL: served, and re-verified meanwhile
        still = client.get("/dashboard/stats", headers=keys.headers("read"))
        tick.now += 0.5  # the TTL is over, whatever the background check has done by now
        refused = client.get("/dashboard/stats", headers=keys.headers("read"))

    assert (anonymous.status_code, error_code(anonymous)) == (401, "UNAUTHORIZED")
    assert still.status_code == 200
    assert (refused.status_code, error_code(refused)) == (401, "UNAUTHORIZED")
    del world


def test_hot_read_when_rate_limit_reached_then_route_answers_429(
    db_factory: sessionmaker[Session], keys: Keys
) -> None:
    tick = ManualMonotonic()
    with _hot_app(db_factory, tick, api={"rate_limit_per_minute": 2}) as client:
        codes = [client.get("/dashboard/stats", headers=keys.headers("read")) for _ in range(3)]

    assert [r.status_code for r in codes] == [200, 200, 429]
    assert error_code(codes[2]) == "RATE_LIMIT_EXCEEDED"
    assert codes[2].headers["retry-after"]


def test_hot_read_when_browser_origin_then_cors_layer_answers(
    db_factory: sessionmaker[Session], keys: Keys
) -> None:
    tick = ManualMonotonic()
    origin = "https://app.example.com"
    with _hot_app(db_factory, tick, api={"cors_origins": (origin,)}) as client:
        client.get("/dashboard/stats", headers=keys.headers("read"))
        response = client.get("/dashboard/stats", headers=keys.headers("read") | {"Origin": origin})

    assert response.headers["access-control-allow-origin"] == origin


async def test_cache_when_many_concurrent_misses_then_loaded_once() -> None:
    cache = TtlCache(1.0)
    calls = 0

    async def load() -> bytes:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.01)
        return b"body"

    bodies = await asyncio.gather(*(cache.get_or_load("k", load) for _ in range(50)))

    assert bodies == [b"body"] * 50
    assert calls == 1


async def test_cache_when_stale_then_one_background_refresh_however_many_readers() -> None:
    tick = ManualMonotonic()
    cache = TtlCache(1.0, monotonic=tick)
    calls = 0

    async def load() -> bytes:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0)
        return f"v{calls}".encode()

    await cache.get_or_load("k", load)
    tick.now += 1.5
    stale = [cache.peek("k") for _ in range(20)]
    await asyncio.sleep(0.01)

    assert stale == [b"v1"] * 20
    assert calls == 2
    assert cache.peek("k") == b"v2"


async def test_cache_when_cleared_during_a_load_then_that_body_is_not_kept() -> None:
    cache = TtlCache(10.0)
    gate = asyncio.Event()

    async def slow() -> bytes:
        await gate.wait()
        return b"old"

    pending = asyncio.create_task(cache.get_or_load("k", slow))
    await asyncio.sleep(0)
    cache.clear()
    gate.set()

    assert await pending == b"old"
    assert cache.peek("k") is None


async def test_cache_when_loader_fails_then_every_waiter_gets_the_error() -> None:
    cache = TtlCache(1.0)

    async def boom() -> bytes:
        await asyncio.sleep(0.01)
        raise LookupError("gone")

    results = await asyncio.gather(
        *(cache.get_or_load("k", boom) for _ in range(5)), return_exceptions=True
    )

    assert all(isinstance(r, LookupError) for r in results)


async def test_key_verifier_when_many_first_uses_at_once_then_store_asked_once(
    db_factory: sessionmaker[Session],
) -> None:
    with transaction(db_factory) as session:
        key = create_key(session, name="burst", scope="read").key
    verifier = KeyVerifier(db_factory, cache_ttl_s=5.0)
    asked = 0
    original = verifier.verify

    def counting(k: str) -> object:
        nonlocal asked
        asked += 1
        return original(k)

    verifier.verify = counting  # type: ignore[method-assign]

    found = await asyncio.gather(*(verifier.authenticate(key) for _ in range(30)))

    assert asked == 1
    assert {p.prefix for p in found if p is not None} == {key.split("_")[1]}


@pytest.mark.parametrize("ttl", [0.0, 5.0])
async def test_key_verifier_when_key_malformed_then_none_without_store_lookup(
    db_factory: sessionmaker[Session], ttl: float
) -> None:
    verifier = KeyVerifier(db_factory, cache_ttl_s=ttl)

    assert await verifier.authenticate("ga_short") is None
