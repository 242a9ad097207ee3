"""Authentication and scopes on every endpoint: 401 without or with a bad key, 403 past scope."""

from __future__ import annotations

from typing import Any

import pytest
from api_support import ADMIN_TOKEN, Keys, World, error_code, grid_spec, make_app
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from gridarena.api.app import api_state
from gridarena.store.engine import transaction
from gridarena.store.repo.keys import get_api_key, revoke_api_key

# (method, path, scope needed, JSON body or None)
ENDPOINTS: list[tuple[str, str, str, dict[str, Any] | None]] = [
    ("GET", "/grid/status?model=m&symbol=BTCUSDT", "read", None),
    ("GET", "/orders", "read", None),
    ("GET", "/positions", "read", None),
    ("GET", "/pnl", "read", None),
    ("GET", "/account", "read", None),
    ("GET", "/balance", "read", None),
    ("GET", "/price/latest?symbol=BTCUSDT", "read", None),
    ("GET", "/price/history?symbol=BTCUSDT", "read", None),
    ("GET", "/models", "read", None),
    ("GET", "/models/m", "read", None),
    ("GET", "/llm/decisions", "read", None),
    ("GET", "/dashboard/stats", "read", None),
    ("GET", "/api/grid/status/s1", "read", None),
    ("GET", "/api/grid/sessions", "read", None),
    ("GET", "/api/grid/summary", "read", None),
    ("GET", "/ops/status", "read", None),
    ("GET", "/ops/metrics", "read", None),
    ("GET", "/stream", "read", None),
    ("POST", "/grid/apply", "trade", grid_spec("m", "BTCUSDT")),
    ("POST", "/grid/pause?model=m&symbol=BTCUSDT", "trade", None),
    ("POST", "/grid/resume?model=m&symbol=BTCUSDT", "trade", None),
    ("POST", "/prices/sync", "trade", None),
    ("POST", "/models/sync-balances", "trade", None),
    ("POST", "/llm/decision?model=m&symbol=BTCUSDT", "trade", None),
    ("POST", "/llm/execute-decision?decision_id=1", "trade", None),
    ("POST", "/api/grid/start", "trade", {}),
    ("POST", "/api/grid/stop", "trade", {"session_id": "s1"}),
    ("POST", "/ops/pause", "trade", {}),
    ("POST", "/ops/flatten", "admin", {}),
    ("POST", "/ops/kill", "admin", {}),
]
PUBLIC = ["/", "/healthz", "/health", "/health/ready", "/metrics", "/docs", "/openapi.json"]
_BELOW = {"trade": "read", "admin": "trade"}


def _call(
    client: TestClient, method: str, path: str, body: dict[str, Any] | None, **headers: str
) -> Any:
    return client.request(method, path, json=body, headers=headers)


@pytest.mark.parametrize(("method", "path", "scope", "body"), ENDPOINTS)
def test_endpoint_when_no_key_then_401_unauthorized(
    client: TestClient, method: str, path: str, scope: str, body: dict[str, Any] | None
) -> None:
    response = _call(client, method, path, body)

    assert response.status_code == 401, (path, scope)
    assert error_code(response) == "UNAUTHORIZED"
    assert response.headers["www-authenticate"].startswith("Bearer")


@pytest.mark.parametrize(("method", "path", "scope", "body"), ENDPOINTS)
def test_endpoint_when_key_unknown_then_401_unauthorized(
    client: TestClient, method: str, path: str, scope: str, body: dict[str, Any] | None
) -> None:
    forged = "ga_0123456789ab_" + "A" * 43

    response = _call(client, method, path, body, Authorization=f"Bearer {forged}")

    assert response.status_code == 401, (path, scope)
    assert error_code(response) == "UNAUTHORIZED"


@pytest.mark.parametrize(
    ("method", "path", "scope", "body"), [e for e in ENDPOINTS if e[2] != "read"]
)
def test_endpoint_when_key_lacks_scope_then_403_forbidden(
    client: TestClient,
    keys: Keys,
    method: str,
    path: str,
    scope: str,
    body: dict[str, Any] | None,
) -> None:
    response = _call(client, method, path, body, **keys.headers(_BELOW[scope]))

    assert response.status_code == 403, path
    assert error_code(response) == "FORBIDDEN"


@pytest.mark.parametrize("path", PUBLIC)
def test_public_endpoint_when_no_key_then_served(client: TestClient, path: str) -> None:
    response = client.get(path)

    assert response.status_code == 200, path


def test_read_endpoint_when_key_in_x_api_key_header_then_accepted(
    client: TestClient, keys: Keys
) -> None:
    response = client.get("/models", headers={"X-API-Key": keys.read})

    assert response.status_code == 200


def test_admin_endpoint_when_configured_admin_token_then_accepted(
    client: TestClient,
) -> None:
    response = client.post(
        "/ops/kill",
        json={"scope": "account:token-test", "active": False},
        headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
    )

    assert response.status_code == 200, response.text
    assert response.json()["kill_switch"]["changed_by"] == "token/admin"


def test_key_when_revoked_then_401_even_if_verified_before(
    db_factory: sessionmaker[Session], keys: Keys
) -> None:
    app = make_app(db_factory, auth_cache_ttl_s=60.0)
    prefix = keys.read.split("_")[1]
    with TestClient(app) as client:
        assert client.get("/models", headers=keys.headers("read")).status_code == 200
        with transaction(db_factory) as session:
            revoke_api_key(session, prefix=prefix)
        api_state(app).keys.forget()  # what `keys revoke` through the API would do

        response = client.get("/models", headers=keys.headers("read"))

    assert response.status_code == 401
    assert error_code(response) == "UNAUTHORIZED"


def test_key_when_used_then_last_used_at_stamped(
    client: TestClient, db_factory: sessionmaker[Session], keys: Keys
) -> None:
    prefix = keys.trade.split("_")[1]

    client.get("/models", headers=keys.headers("trade"))

    with db_factory() as session:
        row = get_api_key(session, prefix=prefix)
    assert row is not None
    assert row.last_used_at is not None


def test_unauthorized_when_counted_then_metrics_show_auth_failures(
    client: TestClient, world: World
) -> None:
    client.get("/models", headers={"X-API-Key": "nonsense"})

    text = client.get("/metrics").text

    assert 'gridarena_api_auth_failures_total{reason="invalid"} 1.0' in text
    del world
