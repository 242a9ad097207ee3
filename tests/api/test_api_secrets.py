"""Secrets (API keys, admin token, webhook secret) never reach responses, logs or the database."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest
from api_control_fake import RecordingControl
from api_support import (
    ADMIN_TOKEN,
    NOW,
    WEBHOOK_SECRET,
    FixedClock,
    Keys,
    World,
    grid_spec,
    make_app,
    unique_symbol,
)
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from gridarena.api.webhook import sign_webhook
from gridarena.obs.logging import configure_logging
from gridarena.store.models import Base


@pytest.fixture
def log_stream() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    configure_logging(json=True, level="DEBUG", stream=stream)
    try:
        yield stream
    finally:
        configure_logging(json=True, level="WARNING", stream=io.StringIO())
        logging.getLogger().setLevel(logging.WARNING)


def _database_text(factory: sessionmaker[Session]) -> str:
    parts: list[str] = []
    with factory() as session:
        for table in Base.metadata.sorted_tables:
            parts.extend(repr(tuple(row)) for row in session.execute(select(table)))
    return "\n".join(parts)


def test_secrets_when_used_in_every_way_then_absent_from_responses_logs_and_database(
    db_factory: sessionmaker[Session],
    keys: Keys,
    world: World,
    log_stream: io.StringIO,
) -> None:
    clock = FixedClock()
    control = RecordingControl(db_factory, NOW)
    app = make_app(db_factory, control=control, clock=clock)
    secret_parts = [k.split("_", 2)[2] for k in (keys.read, keys.trade, keys.admin)]
    secrets = [*secret_parts, keys.read, ADMIN_TOKEN, WEBHOOK_SECRET]
    seen: list[str] = []
    with TestClient(app) as client:
        responses = [
            client.get("/models", headers=keys.headers("read")),
            client.get("/models", headers={"X-API-Key": keys.trade}),
            client.get("/models", headers={"Authorization": f"Bearer {keys.read}x"}),
            client.post("/ops/flatten", json={}, headers=keys.headers("read")),
            client.post(
                "/ops/kill",
                json={"scope": "account:nobody", "active": False},
                headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
            ),
            client.post(f"/prices/sync?api_key={keys.trade}", headers={"X-API-Key": keys.trade}),
        ]
        body = json.dumps(grid_spec(world.model, unique_symbol())).encode()
        stamp = str(int(clock()))
        responses.append(
            client.post(
                "/signal/grid",
                content=body,
                headers={
                    "X-Timestamp": stamp,
                    "X-Signature": sign_webhook(WEBHOOK_SECRET, stamp, body),
                },
            )
        )
        responses.append(
            client.post(
                "/signal/grid",
                content=body,
                headers={"X-Timestamp": stamp, "X-Signature": WEBHOOK_SECRET},
            )
        )
        for response in responses:
            seen.append(response.text)
            seen.extend(f"{k}: {v}" for k, v in response.headers.items())

    logs = log_stream.getvalue()
    database = _database_text(db_factory)
    assert [r.status_code for r in responses] == [200, 200, 401, 403, 200, 200, 200, 401]
    assert '"event": "http_request"' in logs  # the access log was captured
    for secret in secrets:
        assert not any(secret in text for text in seen), "secret in a response"
        assert secret not in logs, "secret in the logs"
        assert secret not in database, "secret in the database"
