"""POST /signal/grid: HMAC signature, timestamp window, validation and per-model cooldown."""

from __future__ import annotations

import json
from typing import Any

import pytest
from api_control_fake import RecordingControl
from api_support import (
    REDIS_URL,
    WEBHOOK_SECRET,
    FixedClock,
    World,
    error_code,
    grid_spec,
    make_app,
    unique,
    unique_symbol,
)
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from gridarena.api.errors import ApiError
from gridarena.api.redis_backend import RedisHandle
from gridarena.api.webhook import MemoryCooldown, RedisCooldown, sign_webhook, verify_webhook


def _signed(body: bytes, at: float, secret: str = WEBHOOK_SECRET) -> dict[str, str]:
    stamp = str(int(at))
    return {
        "X-Timestamp": stamp,
        "X-Signature": sign_webhook(secret, stamp, body),
        "Content-Type": "application/json",
    }


def _post(client: TestClient, payload: dict[str, Any], at: float, **overrides: str) -> Any:
    body = json.dumps(payload).encode()
    headers = _signed(body, at) | overrides
    return client.post("/signal/grid", content=body, headers=headers)


def test_signal_when_signed_and_valid_then_grid_applied(
    engine_client: TestClient, world: World, clock: FixedClock, control: RecordingControl
) -> None:
    response = _post(engine_client, grid_spec(world.model, unique_symbol()), clock())

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["accepted"] is True
    assert body["cooldown_s"] == 60.0
    assert control.names() == ["apply_grid"]


def test_signal_when_signature_wrong_then_401_signature_invalid_and_nothing_applied(
    engine_client: TestClient, world: World, clock: FixedClock, control: RecordingControl
) -> None:
    payload = grid_spec(world.model, world.symbol)
    body = json.dumps(payload).encode()
    forged = _signed(body, clock(), secret="not-the-secret")

    response = engine_client.post("/signal/grid", content=body, headers=forged)

    assert (response.status_code, error_code(response)) == (401, "SIGNATURE_INVALID")
    assert control.calls == []


def test_signal_when_body_changed_after_signing_then_401(
    engine_client: TestClient, world: World, clock: FixedClock
) -> None:
    body = json.dumps(grid_spec(world.model, world.symbol)).encode()
    headers = _signed(body, clock())

    response = engine_client.post(
        "/signal/grid", content=body.replace(b"2000", b"9000"), headers=headers
    )

    assert (response.status_code, error_code(response)) == (401, "SIGNATURE_INVALID")


@pytest.mark.parametrize("missing", ["X-Signature", "X-Timestamp"])
def test_signal_when_header_missing_then_401_naming_it(
    engine_client: TestClient, world: World, clock: FixedClock, missing: str
) -> None:
    body = json.dumps(grid_spec(world.model, world.symbol)).encode()
    headers = _signed(body, clock())
    del headers[missing]

    response = engine_client.post("/signal/grid", content=body, headers=headers)

    assert (response.status_code, error_code(response)) == (401, "SIGNATURE_INVALID")
    assert response.json()["error"]["field"] == missing


@pytest.mark.parametrize("offset", [-301.0, 301.0])
def test_signal_when_timestamp_outside_window_either_way_then_401_signature_expired(
    engine_client: TestClient, world: World, clock: FixedClock, offset: float
) -> None:
    response = _post(engine_client, grid_spec(world.model, world.symbol), clock() + offset)

    assert (response.status_code, error_code(response)) == (401, "SIGNATURE_EXPIRED")


@pytest.mark.parametrize("offset", [-299.0, 299.0])
def test_signal_when_timestamp_inside_window_either_way_then_accepted(
    engine_client: TestClient, world: World, clock: FixedClock, offset: float
) -> None:
    response = _post(engine_client, grid_spec(world.model, unique_symbol()), clock() + offset)

    assert response.status_code == 200, response.text


def test_signal_when_second_within_cooldown_then_429_then_accepted_after_it(
    engine_client: TestClient, world: World, clock: FixedClock, control: RecordingControl
) -> None:
    symbol = unique_symbol()
    first = _post(engine_client, grid_spec(world.model, symbol), clock())
    clock.advance(59)

    second = _post(engine_client, grid_spec(world.model, symbol), clock())
    other_symbol = _post(engine_client, grid_spec(world.model, unique_symbol()), clock())
    clock.advance(1)
    third = _post(engine_client, grid_spec(world.model, symbol), clock())

    assert first.status_code == 200
    assert (second.status_code, error_code(second)) == (429, "COOLDOWN_ACTIVE")
    assert second.headers["retry-after"] == "1"
    assert other_symbol.status_code == 200
    assert third.status_code == 200
    assert control.names() == ["apply_grid"] * 3


@pytest.mark.parametrize(
    ("payload", "code", "field"),
    [
        (
            {"symbol": "BTCUSDT", "lower": 1, "upper": 2, "grids": 4},
            "INVALID_GRID_SPEC",
            "base_allocation",
        ),
        (grid_spec("m", "BTCUSDT", lower=300.0), "INVALID_GRID_SPEC", "lower"),
        (grid_spec("m", "BTCUSDT", leverage=0), "INVALID_GRID_SPEC", "leverage"),
        ([1, 2, 3], "INVALID_GRID_SPEC", "body"),
    ],
)
def test_signal_when_spec_invalid_then_422_naming_field(
    engine_client: TestClient,
    clock: FixedClock,
    payload: Any,
    code: str,
    field: str,
) -> None:
    response = _post(engine_client, payload, clock())

    assert (response.status_code, error_code(response)) == (422, code)
    assert response.json()["error"]["field"] == field


def test_signal_when_body_not_json_then_422_validation_error(
    engine_client: TestClient, clock: FixedClock
) -> None:
    body = b"{not json"
    response = engine_client.post("/signal/grid", content=body, headers=_signed(body, clock()))

    assert (response.status_code, error_code(response)) == (422, "VALIDATION_ERROR")


def test_signal_when_model_missing_or_unknown_then_422_or_404(
    engine_client: TestClient, clock: FixedClock
) -> None:
    spec = grid_spec("m", "BTCUSDT")
    del spec["model"]

    missing = _post(engine_client, spec, clock())
    unknown = _post(engine_client, grid_spec(unique("nobody"), "BTCUSDT"), clock())

    assert (missing.status_code, missing.json()["error"]["field"]) == (422, "model")
    assert (unknown.status_code, error_code(unknown)) == (404, "MODEL_NOT_FOUND")


def test_signal_when_no_secret_configured_then_503(
    db_factory: sessionmaker[Session], clock: FixedClock, control: RecordingControl
) -> None:
    app = make_app(db_factory, clock=clock, control=control, api={"webhook_secret": None})
    with TestClient(app) as client:
        response = _post(client, grid_spec("m", "BTCUSDT"), clock())

    assert (response.status_code, error_code(response)) == (503, "SERVICE_UNAVAILABLE")


def test_verify_webhook_when_signature_prefixed_sha256_then_accepted() -> None:
    body = b'{"a":1}'
    signature = "sha256=" + sign_webhook("s3cret-value", "100", body)

    verify_webhook(
        secret="s3cret-value",
        timestamp="100",
        signature=signature,
        body=body,
        now=100.0,
        max_age_s=5,
    )


def test_verify_webhook_when_signature_not_hex_then_signature_invalid() -> None:
    with pytest.raises(ApiError) as caught:
        verify_webhook(
            secret="s", timestamp="100", signature="zz", body=b"", now=100.0, max_age_s=5
        )

    assert caught.value.code == "SIGNATURE_INVALID"


async def test_memory_cooldown_when_reacquired_then_remaining_wait_until_expiry() -> None:
    clock = FixedClock()
    cooldown = MemoryCooldown(clock)

    assert await cooldown.acquire("m|S", 60) == 0
    clock.advance(45)
    assert await cooldown.acquire("m|S", 60) == pytest.approx(15)
    clock.advance(15)
    assert await cooldown.acquire("m|S", 60) == 0


async def test_redis_cooldown_when_two_handles_share_prefix_then_one_cooldown(
    redis_prefix: str,
) -> None:
    clock = FixedClock()
    first = RedisHandle(REDIS_URL, prefix=redis_prefix)
    second = RedisHandle(REDIS_URL, prefix=redis_prefix)
    try:
        a, b = RedisCooldown(first, clock), RedisCooldown(second, clock)

        assert await a.acquire("m|S", 60) == 0
        clock.advance(20)
        assert await b.acquire("m|S", 60) == pytest.approx(40)
        clock.advance(40)
        assert await b.acquire("m|S", 60) == 0
    finally:
        await first.aclose()
        await second.aclose()
