"""API fixtures: keys, a seeded world, a recording engine port, Redis (skip or fail in CI)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from api_control_fake import RecordingControl
from api_support import (
    NOW,
    REDIS_URL,
    FixedClock,
    Keys,
    World,
    make_app,
    make_keys,
    seed_world,
)
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker


@pytest.fixture
def clock() -> FixedClock:
    """Return a clock fixed at NOW."""
    return FixedClock()


@pytest.fixture
def keys(db_factory: sessionmaker[Session]) -> Keys:
    """Return fresh keys of every scope."""
    return make_keys(db_factory)


@pytest.fixture
def world(db_factory: sessionmaker[Session]) -> World:
    """Return a freshly seeded model."""
    return seed_world(db_factory)


@pytest.fixture
def control(db_factory: sessionmaker[Session]) -> RecordingControl:
    """Return a recording engine port on the test database."""
    return RecordingControl(db_factory, NOW)


def _redis_down(reason: str) -> None:
    message = f"Redis at {REDIS_URL} is unreachable: {reason}"
    if os.environ.get("CI"):
        pytest.fail(f"{message} (CI must test Redis for real)")
    pytest.skip(f"{message}; start it to run the Redis tests")


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    """Yield a key prefix unique to the test on the real Redis; delete its keys afterwards."""
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1.0)
    try:
        client.ping()
    except (redis.RedisError, OSError) as exc:
        client.close()
        _redis_down(type(exc).__name__)
    prefix = f"gridarena-test:{uuid.uuid4().hex[:12]}:"
    try:
        yield prefix
    finally:
        for key in client.scan_iter(match=f"{prefix}*"):
            client.delete(key)
        client.close()


@pytest.fixture
def client(db_factory: sessionmaker[Session], clock: FixedClock) -> Iterator[TestClient]:
    """Yield a client of a read-only API (no engine attached) on the test database."""
    with TestClient(make_app(db_factory, clock=clock)) as test_client:
        yield test_client


@pytest.fixture
def engine_client(
    db_factory: sessionmaker[Session], clock: FixedClock, control: RecordingControl
) -> Iterator[TestClient]:
    """Yield a client of an API attached to the recording engine port."""
    with TestClient(make_app(db_factory, clock=clock, control=control)) as test_client:
        yield test_client
