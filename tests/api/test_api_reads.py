"""Store-backed read endpoints on SQLite and Postgres: happy path, bad input, not found."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from api_support import NOW, Keys, World, error_code, unique, unique_symbol
from fastapi.testclient import TestClient


def _get(client: TestClient, keys: Keys, path: str, **params: object) -> object:
    return client.get(path, params=params, headers=keys.headers("read"))


def test_grid_status_when_session_exists_then_returns_session_orders_position_price(
    client: TestClient, keys: Keys, world: World
) -> None:
    response = client.get(
        "/grid/status",
        params={"model": world.model, "symbol": world.symbol},
        headers=keys.headers("read"),
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["session_id"] == world.session_id
    assert body["status"] == "RUNNING"
    assert body["open_orders"] == 1
    assert body["position"]["qty"] == "0.5"
    assert body["last_price"] == "192"
    assert body["spec"]["grids"] == 12


def test_grid_status_when_model_given_by_provider_name_then_resolves_its_account(
    client: TestClient, keys: Keys, world: World
) -> None:
    response = client.get(
        "/grid/status",
        params={"model": world.provider, "symbol": world.symbol},
        headers=keys.headers("read"),
    )

    assert response.status_code == 200
    assert response.json()["model"] == world.model


def test_grid_status_when_model_unknown_then_404_model_not_found(
    client: TestClient, keys: Keys
) -> None:
    response = client.get(
        "/grid/status",
        params={"model": unique("nobody"), "symbol": "BTCUSDT"},
        headers=keys.headers("read"),
    )

    assert response.status_code == 404
    assert error_code(response) == "MODEL_NOT_FOUND"
    assert response.json()["error"]["field"] == "model"


def test_grid_status_when_symbol_has_no_session_then_404_session_not_found(
    client: TestClient, keys: Keys, world: World
) -> None:
    response = client.get(
        "/grid/status",
        params={"model": world.model, "symbol": unique_symbol()},
        headers=keys.headers("read"),
    )

    assert response.status_code == 404
    assert error_code(response) == "SESSION_NOT_FOUND"


def test_grid_status_when_model_missing_then_422_naming_model(
    client: TestClient, keys: Keys
) -> None:
    response = client.get("/grid/status?symbol=BTCUSDT", headers=keys.headers("read"))

    assert response.status_code == 422
    assert error_code(response) == "VALIDATION_ERROR"
    assert response.json()["error"]["field"] == "model"


def test_orders_when_filtered_by_model_then_newest_first_with_paging(
    client: TestClient, keys: Keys, world: World
) -> None:
    first = client.get(
        "/orders", params={"model": world.model, "limit": 1}, headers=keys.headers("read")
    )
    assert first.status_code == 200
    page = first.json()
    assert [o["id"] for o in page["orders"]] == [world.filled_order_id]
    assert page["next_cursor"]

    second = client.get(
        "/orders",
        params={"model": world.model, "limit": 1, "before": page["next_cursor"]},
        headers=keys.headers("read"),
    )

    assert [o["id"] for o in second.json()["orders"]] == [world.open_order_id]
    assert second.json()["next_cursor"] is None


def test_orders_when_status_open_then_only_open_orders(
    client: TestClient, keys: Keys, world: World
) -> None:
    response = client.get(
        "/orders",
        params={"model": world.model, "symbol": world.symbol, "status": "open"},
        headers=keys.headers("read"),
    )

    assert [o["status"] for o in response.json()["orders"]] == ["ACKNOWLEDGED"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"before": "not-a-cursor"}, "before"),
        ({"limit": 0}, "limit"),
        ({"status": "SOMETIMES"}, "status"),
        ({"model": "bad model!"}, "model"),
    ],
)
def test_orders_when_query_invalid_then_422_naming_the_field(
    client: TestClient, keys: Keys, params: dict[str, object], field: str
) -> None:
    response = client.get("/orders", params=params, headers=keys.headers("read"))

    assert response.status_code == 422
    assert error_code(response) == "VALIDATION_ERROR"
    assert response.json()["error"]["field"] == field


def test_orders_when_model_unknown_then_404(client: TestClient, keys: Keys) -> None:
    response = client.get("/orders", params={"model": unique("x")}, headers=keys.headers("read"))

    assert response.status_code == 404
    assert error_code(response) == "MODEL_NOT_FOUND"


def test_positions_when_symbol_given_then_lists_that_symbols_positions(
    client: TestClient, keys: Keys, world: World
) -> None:
    response = client.get(
        "/positions", params={"symbol": world.symbol}, headers=keys.headers("read")
    )

    assert response.status_code == 200
    (position,) = response.json()["positions"]
    assert position == position | {"model": world.model, "qty": "0.5", "entry_price": "190.5"}


def test_positions_when_model_unknown_or_symbol_bad_then_404_or_422(
    client: TestClient, keys: Keys
) -> None:
    missing = client.get("/positions", params={"model": unique("x")}, headers=keys.headers("read"))
    bad = client.get("/positions", params={"symbol": "no spaces"}, headers=keys.headers("read"))

    assert (missing.status_code, error_code(missing)) == (404, "MODEL_NOT_FOUND")
    assert (bad.status_code, bad.json()["error"]["field"]) == (422, "symbol")


def test_pnl_when_daily_then_change_since_first_point_of_last_24h(
    client: TestClient, keys: Keys, world: World
) -> None:
    response = client.get(
        "/pnl", params={"model": world.model, "window": "daily"}, headers=keys.headers("read")
    )

    assert response.status_code == 200
    body = response.json()
    (pnl,) = body["models"]
    # Points inside the last 24 h: 505 (20 h ago) ... 515 (1 h ago); peak 520.
    assert (pnl["start_equity"], pnl["equity"], pnl["pnl"]) == ("505", "515", "10")
    assert pnl["peak_equity"] == "520"
    assert pnl["points"] == 4
    assert pnl["max_drawdown"] == pytest.approx(8 / 520)
    assert body["since"].startswith((NOW - timedelta(days=1)).date().isoformat())


def test_pnl_when_window_all_then_measured_from_starting_balance(
    client: TestClient, keys: Keys, world: World
) -> None:
    response = client.get(
        "/pnl", params={"model": world.model, "window": "all"}, headers=keys.headers("read")
    )

    (pnl,) = response.json()["models"]
    assert (pnl["start_equity"], pnl["pnl"], pnl["points"]) == ("500", "15", 5)
    assert pnl["pnl_pct"] == pytest.approx(0.03)


def test_pnl_when_window_unknown_or_model_unknown_then_422_or_404(
    client: TestClient, keys: Keys
) -> None:
    bad = client.get("/pnl", params={"window": "hourly"}, headers=keys.headers("read"))
    missing = client.get("/pnl", params={"model": unique("x")}, headers=keys.headers("read"))

    assert (bad.status_code, bad.json()["error"]["field"]) == (422, "window")
    assert (missing.status_code, error_code(missing)) == (404, "MODEL_NOT_FOUND")


def test_account_when_model_given_then_equity_and_pnl_of_that_account(
    client: TestClient, keys: Keys, world: World
) -> None:
    response = client.get("/account", params={"model": world.model}, headers=keys.headers("read"))

    assert response.status_code == 200
    body = response.json()
    (account,) = body["accounts"]
    assert account["equity"] == "515"
    assert account["pnl"] == "15"
    assert account["open_orders"] == 1
    assert account["open_positions"] == 1
    assert body["total_equity"] == "515"


def test_account_when_model_unknown_then_404(client: TestClient, keys: Keys) -> None:
    response = client.get("/account", params={"model": unique("x")}, headers=keys.headers("read"))

    assert (response.status_code, error_code(response)) == (404, "MODEL_NOT_FOUND")


def test_balance_when_model_given_then_balances_and_totals(
    client: TestClient, keys: Keys, world: World
) -> None:
    response = client.get("/balance", params={"model": world.model}, headers=keys.headers("read"))

    assert response.json() == {
        "balances": [
            {
                "model": world.model,
                "asset": "USDT",
                "wallet": "510",
                "available": "400",
                "updated_at": "2025-06-01T12:00:00Z",
            }
        ],
        "totals": {"USDT": "510"},
    }


def test_balance_when_asset_malformed_or_model_unknown_then_422_or_404(
    client: TestClient, keys: Keys
) -> None:
    bad = client.get("/balance", params={"asset": "US DT"}, headers=keys.headers("read"))
    missing = client.get("/balance", params={"model": unique("x")}, headers=keys.headers("read"))

    assert (bad.status_code, bad.json()["error"]["field"]) == (422, "asset")
    assert (missing.status_code, error_code(missing)) == (404, "MODEL_NOT_FOUND")


def test_price_latest_when_prices_stored_then_newest(
    client: TestClient, keys: Keys, world: World
) -> None:
    response = client.get(
        "/price/latest", params={"symbol": world.symbol}, headers=keys.headers("read")
    )

    assert response.status_code == 200
    assert response.json()["close"] == "192"


def test_price_latest_when_symbol_unknown_or_missing_then_404_or_422(
    client: TestClient, keys: Keys
) -> None:
    missing = client.get(
        "/price/latest", params={"symbol": unique_symbol()}, headers=keys.headers("read")
    )
    bad = client.get("/price/latest", headers=keys.headers("read"))

    assert (missing.status_code, error_code(missing)) == (404, "NOT_FOUND")
    assert (bad.status_code, bad.json()["error"]["field"]) == (422, "symbol")


def test_price_history_when_hours_given_then_only_that_window_oldest_first(
    client: TestClient, keys: Keys, world: World
) -> None:
    response = client.get(
        "/price/history", params={"symbol": world.symbol, "hours": 1}, headers=keys.headers("read")
    )

    assert response.status_code == 200
    assert [p["close"] for p in response.json()["prices"]] == ["191.2", "192"]


def test_price_history_when_hours_out_of_range_or_symbol_unknown_then_422_or_404(
    client: TestClient, keys: Keys
) -> None:
    bad = client.get(
        "/price/history", params={"symbol": "BTCUSDT", "hours": 0}, headers=keys.headers("read")
    )
    missing = client.get(
        "/price/history", params={"symbol": unique_symbol()}, headers=keys.headers("read")
    )

    assert (bad.status_code, bad.json()["error"]["field"]) == (422, "hours")
    assert (missing.status_code, error_code(missing)) == (404, "NOT_FOUND")


def test_models_when_listed_then_includes_seeded_model_with_equity(
    client: TestClient, keys: Keys, world: World
) -> None:
    response = client.get("/models", headers=keys.headers("read"))

    assert response.status_code == 200
    mine = [m for m in response.json()["models"] if m["model"] == world.model]
    assert mine
    assert mine[0]["equity"] == "515"
    assert mine[0]["provider"] == world.provider
    assert mine[0]["kind"] == "anthropic"


def test_model_detail_when_model_exists_then_balances_positions_latest_decision(
    client: TestClient, keys: Keys, world: World
) -> None:
    response = client.get(f"/models/{world.model}", headers=keys.headers("read"))

    assert response.status_code == 200
    body = response.json()
    assert body["model"]["model"] == world.model
    assert [b["asset"] for b in body["balances"]] == ["USDT"]
    assert [p["symbol"] for p in body["positions"]] == [world.symbol]
    assert body["latest_decision"]["id"] == world.decision_id
    assert "prompt" not in body["latest_decision"]


def test_model_detail_when_unknown_or_malformed_then_404_or_422(
    client: TestClient, keys: Keys
) -> None:
    missing = client.get(f"/models/{unique('x')}", headers=keys.headers("read"))
    bad = client.get("/models/-bad-", headers=keys.headers("read"))

    assert (missing.status_code, error_code(missing)) == (404, "MODEL_NOT_FOUND")
    assert (bad.status_code, bad.json()["error"]["field"]) == (422, "model")


def test_llm_decisions_when_model_given_then_newest_first(
    client: TestClient, keys: Keys, world: World
) -> None:
    response = client.get(
        "/llm/decisions", params={"model": world.model, "limit": 5}, headers=keys.headers("read")
    )

    assert response.status_code == 200
    (decision,) = response.json()["decisions"]
    assert decision["id"] == world.decision_id
    assert decision["parsed"] == {"action": "grid", "lower": "180"}


def test_llm_decisions_when_limit_too_large_or_model_unknown_then_422_or_404(
    client: TestClient, keys: Keys
) -> None:
    bad = client.get("/llm/decisions", params={"limit": 501}, headers=keys.headers("read"))
    missing = client.get(
        "/llm/decisions", params={"model": unique("x")}, headers=keys.headers("read")
    )

    assert (bad.status_code, bad.json()["error"]["field"]) == (422, "limit")
    assert (missing.status_code, error_code(missing)) == (404, "MODEL_NOT_FOUND")


def test_dashboard_stats_when_world_seeded_then_every_section_present(
    client: TestClient, keys: Keys, world: World
) -> None:
    response = client.get("/dashboard/stats", headers=keys.headers("read"))

    assert response.status_code == 200
    body = response.json()
    assert world.model in {a["model"] for a in body["accounts"]}
    assert {"symbol": world.symbol, "close": "192"}.items() <= next(
        p for p in body["prices"] if p["symbol"] == world.symbol
    ).items()
    assert world.symbol in {p["symbol"] for p in body["positions"]}
    assert body["sessions"]["RUNNING"] >= 1
    assert len(body["recent_orders"]) <= 20
    assert len(body["recent_decisions"]) <= 10


def test_api_grid_status_when_session_exists_then_orders_by_status_and_fill_totals(
    client: TestClient, keys: Keys, world: World
) -> None:
    response = client.get(f"/api/grid/status/{world.session_id}", headers=keys.headers("read"))

    assert response.status_code == 200
    body = response.json()
    assert body["orders_by_status"] == {"ACKNOWLEDGED": 1, "FILLED": 1}
    assert (body["open_orders"], body["fills"]) == (1, 1)
    assert (body["realized_pnl"], body["fees"]) == ("0.5", "0.01")


def test_api_grid_status_when_unknown_or_malformed_then_404_or_422(
    client: TestClient, keys: Keys
) -> None:
    missing = client.get(f"/api/grid/status/{unique('gs')}", headers=keys.headers("read"))
    bad = client.get("/api/grid/status/%20bad", headers=keys.headers("read"))

    assert (missing.status_code, error_code(missing)) == (404, "SESSION_NOT_FOUND")
    assert (bad.status_code, bad.json()["error"]["field"]) == (422, "session_id")


def test_api_grid_sessions_when_filtered_by_model_and_status_then_matching_sessions(
    client: TestClient, keys: Keys, world: World
) -> None:
    response = client.get(
        "/api/grid/sessions",
        params={"model": world.model, "status": "active"},
        headers=keys.headers("read"),
    )

    assert [s["session_id"] for s in response.json()["sessions"]] == [world.session_id]
    stopped = client.get(
        "/api/grid/sessions",
        params={"model": world.model, "status": "stopped"},
        headers=keys.headers("read"),
    )
    assert stopped.json()["sessions"] == []


def test_api_grid_sessions_when_status_unknown_or_model_unknown_then_422_or_404(
    client: TestClient, keys: Keys
) -> None:
    bad = client.get(
        "/api/grid/sessions", params={"status": "asleep"}, headers=keys.headers("read")
    )
    missing = client.get(
        "/api/grid/sessions", params={"model": unique("x")}, headers=keys.headers("read")
    )

    assert (bad.status_code, bad.json()["error"]["field"]) == (422, "status")
    assert (missing.status_code, error_code(missing)) == (404, "MODEL_NOT_FOUND")


def test_api_grid_summary_when_user_and_start_time_given_then_totals_of_that_session(
    client: TestClient, keys: Keys, world: World
) -> None:
    response = client.get(
        "/api/grid/summary",
        params={"user_id": world.model, "status": "active", "start_time": "2025-06-01"},
        headers=keys.headers("read"),
    )

    assert response.status_code == 200
    body = response.json()
    (summary,) = body["summaries"]
    assert summary == summary | {
        "session_id": world.session_id,
        "ticker": world.symbol,
        "total_orders": 2,
        "successful_orders": 1,
        "total_profit": "0.5",
    }
    assert body["total_profit"] == "0.5"


def test_api_grid_summary_when_start_time_invalid_or_user_unknown_then_422_or_404(
    client: TestClient, keys: Keys
) -> None:
    bad = client.get(
        "/api/grid/summary", params={"start_time": "yesterday"}, headers=keys.headers("read")
    )
    missing = client.get(
        "/api/grid/summary", params={"user_id": unique("x")}, headers=keys.headers("read")
    )

    assert (bad.status_code, bad.json()["error"]["field"]) == (422, "start_time")
    assert (missing.status_code, error_code(missing)) == (404, "MODEL_NOT_FOUND")


def test_ops_metrics_when_world_seeded_then_pnl_drawdown_exposure_named_metrics(
    client: TestClient, keys: Keys, world: World
) -> None:
    response = client.get("/ops/metrics", headers=keys.headers("read"))

    assert response.status_code == 200
    mine = next(m for m in response.json()["models"] if m["model"] == world.model)
    assert mine["pnl_total"] == "15"
    assert mine["pnl_daily"] == "10"
    assert mine["peak_equity"] == "520"
    assert mine["drawdown"] == pytest.approx(5 / 520)
    assert Decimal(mine["exposure"]) == Decimal("0.5") * Decimal("190.5")
    assert mine["orders_open"] == 1
    assert mine["named"] == {"atr": 1.5}


def test_ops_status_when_no_engine_then_kill_switches_and_sessions_without_engine(
    client: TestClient, keys: Keys, world: World
) -> None:
    response = client.get("/ops/status", headers=keys.headers("read"))

    assert response.status_code == 200
    body = response.json()
    assert body["engine_available"] is False
    assert body["engine"] is None
    assert body["sessions"]["RUNNING"] >= 1
    del world
