"""The platform around the routes: envelopes, request ids, 500s, limits, CORS, metrics, cache."""

from __future__ import annotations

from typing import Any

import pytest
from api_control_fake import RecordingControl
from api_support import NOW, FixedClock, Keys, World, error_code, grid_spec, make_app
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from gridarena.api.errors import ErrorCode
from gridarena.store.repo.audit import audit_entries


def test_request_id_when_client_sends_one_then_echoed(client: TestClient) -> None:
    response = client.get("/healthz", headers={"X-Request-ID": "trace-abc.123"})

    assert response.headers["x-request-id"] == "trace-abc.123"


def test_request_id_when_malformed_then_replaced_by_generated_one(client: TestClient) -> None:
    response = client.get("/healthz", headers={"X-Request-ID": "bad id\twith<html>"})

    assert response.headers["x-request-id"] != "bad id\twith<html>"
    assert len(response.headers["x-request-id"]) == 32


def test_unknown_path_and_wrong_method_when_requested_then_404_and_405_envelopes(
    client: TestClient,
) -> None:
    missing = client.get("/nowhere")
    wrong = client.delete("/models")

    assert (missing.status_code, error_code(missing)) == (404, "NOT_FOUND")
    assert (wrong.status_code, error_code(wrong)) == (405, "METHOD_NOT_ALLOWED")


class _Exploding(RecordingControl):
    async def sync_prices(self) -> Any:
        raise RuntimeError("db password=hunter2-very-secret at 10.0.0.1")


def test_unhandled_error_when_raised_then_500_internal_error_without_details(
    db_factory: sessionmaker[Session], keys: Keys
) -> None:
    app = make_app(db_factory, control=_Exploding(db_factory, NOW))
    with TestClient(app) as client:
        response = client.post("/prices/sync", headers=keys.headers("trade"))

    assert (response.status_code, error_code(response)) == (500, "INTERNAL_ERROR")
    assert "hunter2" not in response.text
    assert "RuntimeError" not in response.text
    assert response.json()["error"]["message"] == "internal error"


def test_body_when_larger_than_limit_then_413_payload_too_large(
    engine_client: TestClient, keys: Keys
) -> None:
    response = engine_client.post(
        "/grid/apply",
        content=b"{" + b" " * (1 << 20) + b"}",
        headers=keys.headers("trade") | {"Content-Type": "application/json"},
    )

    assert (response.status_code, error_code(response)) == (413, "PAYLOAD_TOO_LARGE")


def test_cors_when_origin_configured_then_preflight_allowed_and_others_refused(
    db_factory: sessionmaker[Session],
) -> None:
    app = make_app(db_factory, api={"cors_origins": ("https://app.example.com",)})
    with TestClient(app) as client:
        allowed = client.options(
            "/models",
            headers={
                "Origin": "https://app.example.com",
                "Access-Control-Request-Method": "GET",
                "Access-Control-Request-Headers": "authorization",
            },
        )
        other = client.get("/healthz", headers={"Origin": "https://evil.example.com"})

    assert allowed.headers["access-control-allow-origin"] == "https://app.example.com"
    assert "access-control-allow-origin" not in other.headers


def test_metrics_when_path_has_parameters_then_labelled_by_route_template(
    client: TestClient, keys: Keys, world: World
) -> None:
    client.get(f"/models/{world.model}", headers=keys.headers("read"))
    client.get("/models/nobody-at-all", headers=keys.headers("read"))

    text = client.get("/metrics").text

    assert 'route="/models/{model}",status="200"' in text
    assert 'route="/models/{model}",status="404"' in text
    assert world.model not in text
    assert "gridarena_api_request_duration_seconds_bucket" in text


def test_metrics_when_disabled_then_404(db_factory: sessionmaker[Session]) -> None:
    app = make_app(db_factory, api={"metrics_enabled": False})
    with TestClient(app) as client:
        response = client.get("/metrics")

    assert (response.status_code, error_code(response)) == (404, "NOT_FOUND")


def test_metrics_when_two_apps_in_one_process_then_registries_independent(
    db_factory: sessionmaker[Session],
) -> None:
    with TestClient(make_app(db_factory)) as one, TestClient(make_app(db_factory)) as two:
        one.get("/healthz")
        one.get("/healthz")
        two.get("/healthz")
        text_two = two.get("/metrics").text

    assert 'route="/healthz",status="200"} 1.0' in text_two


def test_openapi_when_generated_then_every_operation_has_response_model_and_errors(
    client: TestClient,
) -> None:
    schema = client.get("/openapi.json").json()

    assert {"ApiKey", "Bearer"} <= set(schema["components"]["securitySchemes"])
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            ok = operation["responses"]["200"]
            assert ok.get("content"), (method, path)
            if path not in {"/", "/healthz", "/health", "/health/ready", "/metrics"}:
                assert any(code.startswith("4") for code in operation["responses"]), path
    assert client.get("/docs").status_code == 200


def test_ready_when_venue_reports_unhealthy_then_503_naming_it(
    db_factory: sessionmaker[Session],
) -> None:
    control = RecordingControl(db_factory, NOW)
    control.venue_ok = False
    with TestClient(make_app(db_factory, control=control)) as client:
        response = client.get("/health/ready")

    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["store"]["ok"] is True
    assert checks["venue"]["ok"] is False


def test_ready_when_all_dependencies_answer_then_200(engine_client: TestClient) -> None:
    response = engine_client.get("/health/ready")

    assert response.status_code == 200
    assert response.json()["status"] == "ready"
    assert set(response.json()["checks"]) == {"store", "venue"}


def test_grid_status_when_cached_then_served_until_a_command_clears_it(
    db_factory: sessionmaker[Session], keys: Keys, world: World, control: RecordingControl
) -> None:
    app = make_app(db_factory, control=control, cache_ttl_s=60.0)
    params = {"model": world.model, "symbol": world.symbol}
    with TestClient(app) as client:
        first = client.get("/grid/status", params=params, headers=keys.headers("read"))
        client.post("/grid/pause", params=params, headers=keys.headers("trade"))
        after = client.get("/grid/status", params=params, headers=keys.headers("read"))

    assert first.json()["status"] == "RUNNING"
    assert after.json()["status"] == "PAUSED"  # the pause dropped the cached body


@pytest.mark.parametrize("code", list(ErrorCode))
def test_error_code_when_catalogued_then_has_an_http_error_status(code: ErrorCode) -> None:
    assert 400 <= code.status < 600


def test_grid_apply_when_signal_and_clock_injected_then_audit_timestamped_by_clock(
    db_factory: sessionmaker[Session], keys: Keys, world: World, control: RecordingControl
) -> None:
    clock = FixedClock()
    with TestClient(make_app(db_factory, control=control, clock=clock)) as client:
        response = client.post(
            "/grid/apply", json=grid_spec(world.model, world.symbol), headers=keys.headers("trade")
        )

    assert response.status_code == 200
    with db_factory() as session:
        rows = [
            r
            for r in audit_entries(session, limit=50)
            if r.request_id == response.headers["x-request-id"]
        ]
    assert rows
    assert rows[0].ts == NOW
