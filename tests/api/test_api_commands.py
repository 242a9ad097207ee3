"""Engine-bound endpoints through a recording TradingControl, on SQLite and Postgres."""

from __future__ import annotations

from typing import Any

import pytest
from api_control_fake import RecordingControl
from api_support import Keys, World, error_code, grid_spec, make_app, unique, unique_symbol
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from gridarena.api.control import ControlError
from gridarena.api.errors import ErrorCode
from gridarena.store.models import AuditEntry
from gridarena.store.repo.control import get_kill_switch

# Every engine-bound endpoint with a request that would succeed with an engine attached.
ENGINE_CALLS: list[tuple[str, str, dict[str, Any] | None]] = [
    ("POST", "/grid/apply", grid_spec("m", "BTCUSDT")),
    ("POST", "/grid/pause?model=m&symbol=BTCUSDT", None),
    ("POST", "/grid/resume?model=m&symbol=BTCUSDT", None),
    ("POST", "/prices/sync", None),
    ("POST", "/models/sync-balances", None),
    ("POST", "/llm/decision?model=m&symbol=BTCUSDT", None),
    ("POST", "/llm/execute-decision?decision_id=1", None),
    ("POST", "/api/grid/stop", {"session_id": "s1"}),
    ("POST", "/ops/pause", {}),
    ("POST", "/ops/flatten", {}),
]


@pytest.mark.parametrize(("method", "path", "body"), ENGINE_CALLS)
def test_engine_endpoint_when_no_engine_attached_then_503_service_unavailable(
    client: TestClient, keys: Keys, method: str, path: str, body: dict[str, Any] | None
) -> None:
    response = client.request(method, path, json=body, headers=keys.headers("admin"))

    assert response.status_code == 503, path
    assert error_code(response) == "SERVICE_UNAVAILABLE"


def _audit(factory: sessionmaker[Session], request_id: str) -> AuditEntry:
    with factory() as session:
        return session.scalars(select(AuditEntry).where(AuditEntry.request_id == request_id)).one()


def test_grid_apply_when_spec_valid_then_engine_applies_and_status_shows_new_session(
    engine_client: TestClient,
    keys: Keys,
    world: World,
    control: RecordingControl,
    db_factory: sessionmaker[Session],
) -> None:
    symbol = unique_symbol()

    response = engine_client.post(
        "/grid/apply", json=grid_spec(world.model, symbol), headers=keys.headers("trade")
    )

    assert response.status_code == 200, response.text
    assert response.json()["status"] == "RUNNING"
    name, (model, sym, spec) = control.calls[-1]
    assert (name, model, sym, spec.grids) == ("apply_grid", world.model, symbol, 12)
    status = engine_client.get(
        "/grid/status",
        params={"model": world.model, "symbol": symbol},
        headers=keys.headers("read"),
    )
    assert status.json()["session_id"] == response.json()["session_id"]
    audit = _audit(db_factory, response.headers["x-request-id"])
    assert (audit.method, audit.path, audit.status) == ("POST", "/grid/apply", 200)
    assert audit.summary is not None
    assert audit.summary["action"] == "grid.apply"
    assert audit.actor.startswith("key/")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"lower": 220.0}, "lower"),
        ({"grids": 1}, "grids"),
        ({"tp_pct": 3}, "tp_pct"),
        ({"spacing": "fibonacci"}, "spacing"),
        ({"surprise": True}, "surprise"),
        ({"base_allocation": None}, "base_allocation"),
    ],
)
def test_grid_apply_when_spec_invalid_then_422_invalid_grid_spec_naming_field(
    engine_client: TestClient,
    keys: Keys,
    world: World,
    control: RecordingControl,
    change: dict[str, Any],
    field: str,
) -> None:
    response = engine_client.post(
        "/grid/apply",
        json=grid_spec(world.model, world.symbol, **change),
        headers=keys.headers("trade"),
    )

    assert response.status_code == 422, response.text
    assert error_code(response) == "INVALID_GRID_SPEC"
    assert response.json()["error"]["field"] == field
    assert control.calls == []


def test_grid_apply_when_model_missing_then_422_naming_model(
    engine_client: TestClient, keys: Keys
) -> None:
    spec = grid_spec("x", "BTCUSDT")
    del spec["model"]

    response = engine_client.post("/grid/apply", json=spec, headers=keys.headers("trade"))

    assert (response.status_code, response.json()["error"]["field"]) == (422, "model")


def test_grid_apply_when_model_unknown_then_404_and_engine_not_called(
    engine_client: TestClient, keys: Keys, control: RecordingControl
) -> None:
    response = engine_client.post(
        "/grid/apply", json=grid_spec(unique("x"), "BTCUSDT"), headers=keys.headers("trade")
    )

    assert (response.status_code, error_code(response)) == (404, "MODEL_NOT_FOUND")
    assert control.calls == []


def test_grid_apply_when_engine_refuses_then_its_code_is_answered(
    engine_client: TestClient, keys: Keys, world: World, control: RecordingControl
) -> None:
    control.fail_with = ControlError(
        ErrorCode.RISK_REJECTED, "leverage 2 exceeds RISK_MAX_LEVERAGE 1", field="leverage"
    )

    response = engine_client.post(
        "/grid/apply", json=grid_spec(world.model, world.symbol), headers=keys.headers("trade")
    )

    assert (response.status_code, error_code(response)) == (422, "RISK_REJECTED")
    assert response.json()["error"]["field"] == "leverage"


def test_grid_pause_then_resume_when_session_running_then_engine_moves_it(
    engine_client: TestClient, keys: Keys, world: World, control: RecordingControl
) -> None:
    params = {"model": world.model, "symbol": world.symbol}

    paused = engine_client.post("/grid/pause", params=params, headers=keys.headers("trade"))
    resumed = engine_client.post("/grid/resume", params=params, headers=keys.headers("trade"))

    assert (paused.status_code, paused.json()["status"]) == (200, "PAUSED")
    assert (resumed.status_code, resumed.json()["status"]) == (200, "RUNNING")
    assert [c[1][0].session_id for c in control.calls] == [world.session_id] * 2


def test_grid_pause_when_no_session_or_unknown_model_then_404(
    engine_client: TestClient, keys: Keys, world: World
) -> None:
    none = engine_client.post(
        "/grid/pause",
        params={"model": world.model, "symbol": unique_symbol()},
        headers=keys.headers("trade"),
    )
    unknown = engine_client.post(
        "/grid/pause",
        params={"model": unique("x"), "symbol": world.symbol},
        headers=keys.headers("trade"),
    )

    assert (none.status_code, error_code(none)) == (404, "SESSION_NOT_FOUND")
    assert (unknown.status_code, error_code(unknown)) == (404, "MODEL_NOT_FOUND")


def test_grid_resume_when_symbol_missing_then_422(engine_client: TestClient, keys: Keys) -> None:
    response = engine_client.post(
        "/grid/resume", params={"model": "m"}, headers=keys.headers("trade")
    )

    assert (response.status_code, response.json()["error"]["field"]) == (422, "symbol")


def test_prices_sync_and_balances_sync_when_engine_attached_then_results_returned(
    engine_client: TestClient, keys: Keys, control: RecordingControl
) -> None:
    prices = engine_client.post("/prices/sync", headers=keys.headers("trade"))
    balances = engine_client.post("/models/sync-balances", headers=keys.headers("trade"))

    assert prices.json()["synced"] == 2
    assert balances.json()["items"] == ["claude"]
    assert control.names() == ["sync_prices", "sync_balances"]


def test_llm_decision_when_model_known_then_decision_stored_and_listed(
    engine_client: TestClient, keys: Keys, world: World
) -> None:
    response = engine_client.post(
        "/llm/decision",
        params={"model": world.model, "symbol": world.symbol},
        headers=keys.headers("trade"),
    )

    assert response.status_code == 200, response.text
    listed = engine_client.get(
        "/llm/decisions", params={"model": world.model}, headers=keys.headers("read")
    )
    assert listed.json()["decisions"][0]["id"] == response.json()["id"]


def test_llm_decision_when_model_unknown_or_symbol_missing_then_404_or_422(
    engine_client: TestClient, keys: Keys
) -> None:
    unknown = engine_client.post(
        "/llm/decision",
        params={"model": unique("x"), "symbol": "BTCUSDT"},
        headers=keys.headers("trade"),
    )
    bad = engine_client.post("/llm/decision", params={"model": "m"}, headers=keys.headers("trade"))

    assert (unknown.status_code, error_code(unknown)) == (404, "MODEL_NOT_FOUND")
    assert (bad.status_code, bad.json()["error"]["field"]) == (422, "symbol")


def test_llm_execute_decision_when_stored_decision_then_engine_executes_it(
    engine_client: TestClient, keys: Keys, world: World, control: RecordingControl
) -> None:
    response = engine_client.post(
        "/llm/execute-decision",
        params={"decision_id": world.decision_id},
        headers=keys.headers("trade"),
    )

    assert response.status_code == 200, response.text
    assert response.json()["execution"]["executed"] is True
    assert response.json()["decision"]["id"] == world.decision_id
    assert control.calls == [("execute_decision", (world.decision_id,))]


def test_llm_execute_decision_when_model_and_symbol_then_decides_then_executes(
    engine_client: TestClient, keys: Keys, world: World, control: RecordingControl
) -> None:
    response = engine_client.post(
        "/llm/execute-decision",
        params={"model": world.model, "symbol": world.symbol},
        headers=keys.headers("trade"),
    )

    assert response.status_code == 200
    assert control.names() == ["llm_decision", "execute_decision"]


def test_llm_execute_decision_when_unknown_id_or_nothing_given_then_404_or_422(
    engine_client: TestClient, keys: Keys
) -> None:
    unknown = engine_client.post(
        "/llm/execute-decision", params={"decision_id": 2**40}, headers=keys.headers("trade")
    )
    nothing = engine_client.post("/llm/execute-decision", headers=keys.headers("trade"))

    assert (unknown.status_code, error_code(unknown)) == (404, "NOT_FOUND")
    assert (nothing.status_code, error_code(nothing)) == (422, "VALIDATION_ERROR")


def test_api_grid_stop_when_session_running_then_stopped_and_second_stop_conflicts(
    engine_client: TestClient, keys: Keys, world: World
) -> None:
    body = {"session_id": world.session_id, "reason": "MANUAL"}

    first = engine_client.post("/api/grid/stop", json=body, headers=keys.headers("trade"))
    second = engine_client.post("/api/grid/stop", json=body, headers=keys.headers("trade"))

    assert (first.status_code, first.json()["status"]) == (200, "STOPPED")
    assert (second.status_code, error_code(second)) == (409, "CONFLICT")


def test_api_grid_stop_when_unknown_session_or_bad_body_then_404_or_422(
    engine_client: TestClient, keys: Keys
) -> None:
    unknown = engine_client.post(
        "/api/grid/stop", json={"session_id": unique("gs")}, headers=keys.headers("trade")
    )
    bad = engine_client.post("/api/grid/stop", json={"session": "x"}, headers=keys.headers("trade"))

    assert (unknown.status_code, error_code(unknown)) == (404, "SESSION_NOT_FOUND")
    assert (bad.status_code, error_code(bad)) == (422, "VALIDATION_ERROR")


def test_ops_pause_when_paused_then_resumed_then_engine_pauses_and_resumes_all(
    engine_client: TestClient, keys: Keys, control: RecordingControl
) -> None:
    paused = engine_client.post("/ops/pause", json={}, headers=keys.headers("trade"))
    resumed = engine_client.post(
        "/ops/pause", json={"paused": False}, headers=keys.headers("trade")
    )

    assert paused.json()["paused"] is True
    assert resumed.json()["paused"] is False
    assert control.names() == ["pause_all", "resume_all"]


def test_ops_pause_when_body_invalid_then_422(engine_client: TestClient, keys: Keys) -> None:
    response = engine_client.post(
        "/ops/pause", json={"paused": "maybe"}, headers=keys.headers("trade")
    )

    assert (response.status_code, response.json()["error"]["field"]) == (422, "paused")


def test_ops_flatten_when_admin_then_engine_flattens_scope(
    engine_client: TestClient, keys: Keys, control: RecordingControl
) -> None:
    response = engine_client.post(
        "/ops/flatten", json={"scope": "account:claude"}, headers=keys.headers("admin")
    )

    assert response.json() == {
        "scope": "account:claude",
        "canceled_orders": 3,
        "closed_positions": 1,
        "detail": None,
    }
    assert control.calls == [("flatten", ("account:claude",))]


def test_ops_flatten_when_scope_malformed_then_422(engine_client: TestClient, keys: Keys) -> None:
    response = engine_client.post(
        "/ops/flatten", json={"scope": "everything"}, headers=keys.headers("admin")
    )

    assert (response.status_code, response.json()["error"]["field"]) == (422, "scope")


def test_ops_kill_when_engaged_then_persisted_before_engine_and_survives_restart(
    db_factory: sessionmaker[Session], keys: Keys, world: World, control: RecordingControl
) -> None:
    scope = f"account:{world.model}"
    with TestClient(make_app(db_factory, control=control)) as client:
        response = client.post(
            "/ops/kill",
            json={"scope": scope, "cancel_all": True, "reason": "drill"},
            headers=keys.headers("admin"),
        )
        assert response.status_code == 200, response.text
        assert response.json()["engine_notified"] is True
        assert control.calls == [("kill", (scope, True))]

    with TestClient(make_app(db_factory)) as restarted:
        status = restarted.get("/ops/status", headers=keys.headers("read"))
        blocked = restarted.post(
            "/grid/apply", json=grid_spec(world.model, world.symbol), headers=keys.headers("trade")
        )

    switch = next(k for k in status.json()["kill_switches"] if k["scope"] == scope)
    assert switch == switch | {"active": True, "cancel_all": True, "reason": "drill"}
    assert blocked.status_code == 503  # read-only API: no engine, whatever the kill switch


def test_ops_kill_when_account_killed_then_trading_commands_answer_423(
    engine_client: TestClient, keys: Keys, world: World, control: RecordingControl
) -> None:
    engine_client.post(
        "/ops/kill", json={"scope": f"provider:{world.provider}"}, headers=keys.headers("admin")
    )

    apply = engine_client.post(
        "/grid/apply", json=grid_spec(world.model, world.symbol), headers=keys.headers("trade")
    )
    resume = engine_client.post(
        "/grid/resume",
        params={"model": world.model, "symbol": world.symbol},
        headers=keys.headers("trade"),
    )
    pause = engine_client.post(
        "/grid/pause",
        params={"model": world.model, "symbol": world.symbol},
        headers=keys.headers("trade"),
    )

    assert (apply.status_code, error_code(apply)) == (423, "KILL_SWITCH_ACTIVE")
    assert (resume.status_code, error_code(resume)) == (423, "KILL_SWITCH_ACTIVE")
    assert pause.status_code == 200  # reducing activity stays allowed
    assert "apply_grid" not in control.names()


def test_ops_kill_when_released_then_persisted_inactive_and_engine_told(
    engine_client: TestClient,
    keys: Keys,
    world: World,
    control: RecordingControl,
    db_factory: sessionmaker[Session],
) -> None:
    scope = f"account:{world.model}"
    engine_client.post("/ops/kill", json={"scope": scope}, headers=keys.headers("admin"))

    released = engine_client.post(
        "/ops/kill", json={"scope": scope, "active": False}, headers=keys.headers("admin")
    )

    assert released.json()["engine_notified"] is True
    with db_factory() as session:
        row = get_kill_switch(session, scope=scope)
    assert row is not None
    assert row.active is False
    assert control.calls[-1] == ("release", (scope,))


def test_ops_kill_when_no_engine_then_still_persisted(
    client: TestClient, keys: Keys, db_factory: sessionmaker[Session]
) -> None:
    scope = f"account:{unique('solo')}"

    response = client.post("/ops/kill", json={"scope": scope}, headers=keys.headers("admin"))

    assert response.status_code == 200
    assert response.json()["engine_notified"] is False
    with db_factory() as session:
        assert get_kill_switch(session, scope=scope) is not None


def test_ops_kill_when_scope_malformed_then_422_and_nothing_written(
    client: TestClient, keys: Keys
) -> None:
    response = client.post("/ops/kill", json={"scope": "account:"}, headers=keys.headers("admin"))

    assert (response.status_code, response.json()["error"]["field"]) == (422, "scope")


def test_ops_status_when_engine_attached_then_engine_status_included(
    engine_client: TestClient, keys: Keys
) -> None:
    response = engine_client.get("/ops/status", headers=keys.headers("read"))

    assert response.json()["engine_available"] is True
    assert response.json()["engine"]["mode"] == "paper"


def test_mutating_request_when_refused_then_audit_row_has_status_and_actor(
    engine_client: TestClient, keys: Keys, db_factory: sessionmaker[Session]
) -> None:
    response = engine_client.post("/ops/flatten", json={}, headers=keys.headers("read"))

    audit = _audit(db_factory, response.headers["x-request-id"])
    assert (audit.status, audit.path) == (403, "/ops/flatten")
    assert audit.actor == f"key/{keys.read.split('_')[1]}"
