"""Grid sessions on the simulated venue: lifecycle, stops, refusals, ordering, replay speed."""

import asyncio
import json
import sqlite3

import pytest
from typer.testing import CliRunner

from gridarena.cli import app
from gridarena.engine.build import open_supervisor, paper_run
from gridarena.engine.clock import ManualClock
from gridarena.engine.queue import OrderedQueue
from gridarena.engine.session import SessionStatus
from gridarena.grid.spec import GridSpec
from gridarena.marketdata.generator import generate_market
from gridarena.marketdata.writer import save_candles

MARKET = generate_market(seed=9, n_candles=2000)


WIDE_RISK = """
[risk]
max_daily_loss = 100000
max_symbol_exposure = 1000000
max_capital_per_symbol = 1
max_total_exposure = 10
atr_spike_circuit_breaker = 100
"""


def _spec(**kw: object) -> GridSpec:
    lo, hi = float(MARKET.low.min()), float(MARKET.high.max())
    base: dict[str, object] = {
        "symbol": "BTCUSDT",
        "lower": round(lo, 1),
        "upper": round(hi, 1),
        "grids": 20,
        "base_allocation": 10_000,
        "leverage": 2,
    }
    return GridSpec.model_validate({**base, **kw})


async def test_pause_when_running_then_orders_cancelled_and_resume_restores_them() -> None:
    engine, session, _ = paper_run(_spec(), MARKET, balance=30_000, supervisor=open_supervisor())
    await engine.start_all()
    open_before = {o.price for o in engine.exchange.open_orders("paper")}
    await session.pause()
    assert session.status is SessionStatus.PAUSED
    assert engine.exchange.open_orders("paper") == []
    await session.resume()
    assert {o.price for o in engine.exchange.open_orders("paper")} == open_before
    await engine.close()


async def test_stop_when_flatten_then_no_orders_and_no_position() -> None:
    engine, session, _ = paper_run(
        _spec(direction="long"), MARKET, balance=30_000, supervisor=open_supervisor()
    )
    await engine.run(max_ticks=400)
    assert engine.exchange.positions("paper") != []
    await session.stop(flatten=True)
    await engine._drain()
    assert engine.exchange.open_orders("paper") == []
    assert engine.exchange.positions("paper") == []
    assert session.status is SessionStatus.STOPPED
    await engine.close()


async def test_run_when_range_exit_configured_then_session_stops_with_reason() -> None:
    lo = float(MARKET.open[0])
    spec = _spec(
        lower=round(lo * 0.999, 1), upper=round(lo * 1.001, 1), grids=2, range_exit="stop_and_close"
    )
    engine, session, _ = paper_run(spec, MARKET, balance=30_000, supervisor=open_supervisor())
    await engine.run()
    assert session.stats.stop_reason == "range_exit"
    summary = engine.summary("paper", 0.0)
    assert any(e["reason_code"] == "RANGE_EXIT" for e in summary["risk_events"])
    assert summary["account_state"]["positions"] == []
    await engine.close()


async def test_run_when_margin_short_then_refusals_recorded_and_run_continues() -> None:
    engine, session, _ = paper_run(
        _spec(direction="long", leverage=5), MARKET, balance=1_000, supervisor=open_supervisor()
    )
    await engine.run()
    assert session.stats.rejections
    # The risk gate sees the margin shortfall first; the venue would refuse with -2019.
    assert {r["code"] for r in session.stats.rejections} == {"RISK_REJECTED"}
    assert all("INSUFFICIENT_MARGIN" in r["reason"] for r in session.stats.rejections)
    assert engine.supervisor is not None
    assert engine.supervisor.counters.rejected > 0
    assert engine.exchange.done
    await engine.close()


async def test_ordered_queue_when_handler_enqueues_more_then_drain_waits_for_all_in_order() -> None:
    seen: list[int] = []

    async def handler(item: int) -> None:
        seen.append(item)
        if item < 3:
            queue.put(item + 10)

    queue: OrderedQueue[int] = OrderedQueue(handler)
    for i in range(4):
        queue.put(i)
    await queue.drain()
    assert seen == [0, 1, 2, 3, 10, 11, 12]
    await queue.close()


async def test_ordered_queue_when_handler_fails_then_drain_raises_it() -> None:
    async def handler(item: int) -> None:
        raise RuntimeError(f"bad {item}")

    queue: OrderedQueue[int] = OrderedQueue(handler)
    queue.put(1)
    with pytest.raises(RuntimeError, match="bad 1"):
        await queue.drain()
    await queue.close()


async def test_run_when_speed_set_then_waits_per_candle_on_the_injected_clock() -> None:
    engine, _session, _ = paper_run(
        _spec(), MARKET.slice(0, 10), balance=30_000, supervisor=open_supervisor()
    )
    clock = ManualClock()
    await engine.run(speed=60.0, clock=clock)
    # 1m candles at 60× → one candle per second of (manual) time; nothing really waits.
    assert clock.now() == pytest.approx(9.0)
    assert len(clock.sleeps) == 9
    await engine.close()


def test_paper_cli_when_json_then_prints_backtest_keys_and_venue_state(tmp_path: object) -> None:
    from pathlib import Path

    path = save_candles(MARKET, Path(str(tmp_path)) / "BTCUSDT_1m.parquet")
    spec = _spec().model_dump(mode="json")
    spec_path = Path(str(tmp_path)) / "spec.json"
    spec_path.write_text(json.dumps(spec))
    db = Path(str(tmp_path)) / "store.db"
    args = ["paper", "--data", str(path), "--spec", str(spec_path), "--balance", "30000"]
    # Limits this grid stays within, so the run keeps its orders resting to the end.
    config = Path(str(tmp_path)) / "gridarena.toml"
    config.write_text(WIDE_RISK)
    args += ["--config", str(config)]
    result = CliRunner().invoke(app, [*args, "--db", f"sqlite:///{db}", "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    for key in (
        "candles",
        "fills",
        "round_trips",
        "realized_pnl",
        "unrealized_pnl",
        "fees",
        "funding",
        "final_equity",
        "max_drawdown",
        "elapsed_s",
        "account_state",
        "risk_events",
    ):
        assert key in out
    assert out["candles"] == 2000
    assert out["account_state"]["open_orders"] > 0
    with sqlite3.connect(db) as conn:
        fills = conn.execute("select count(*) from fills").fetchone()[0]
        sessions = conn.execute("select status, stop_reason from grid_sessions").fetchall()
    assert fills == out["fills"]
    assert sessions == [("STOPPED", "replay_end")]


def test_paper_cli_when_generated_and_data_both_given_then_exit_2() -> None:
    result = CliRunner().invoke(app, ["paper", "--generated", "--data", "x.parquet"])
    assert result.exit_code == 2
    assert "exclusive" in result.stderr


def test_paper_cli_when_generated_market_then_runs_and_records(tmp_path: object) -> None:
    from pathlib import Path

    db = Path(str(tmp_path)) / "g.db"
    args = ["paper", "--generated", "--lower", "50000", "--upper", "70000", "--grids", "20"]
    result = CliRunner().invoke(
        app, [*args, "--allocation", "10000", "--db", f"sqlite:///{db}", "--json"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["candles"] == 43_200


def test_paper_cli_when_speed_negative_then_exit_2() -> None:
    result = CliRunner().invoke(app, ["paper", "--speed", "-1", "--lower", "1", "--upper", "2"])
    assert result.exit_code == 2


def test_asyncio_mode_when_engine_tests_then_no_loop_leaks() -> None:
    # The replay drives everything on the running loop; a fresh loop must be closable cleanly.
    loop = asyncio.new_event_loop()
    loop.close()
    assert loop.is_closed()


async def test_reapply_when_grid_extended_then_keeps_matching_orders_and_only_adds_new() -> None:
    from gridarena.backtest.runner import prepare

    base = _spec(grids=20, lower=55_000, upper=65_000)  # a step of exactly 500
    engine, session, prepared = paper_run(
        base, MARKET, balance=60_000, supervisor=open_supervisor()
    )
    await engine.start_all()
    before = {o.client_id for o in engine.exchange.open_orders("paper")}
    # Extend the range by five levels of the same step, with the same size per level.
    wider = _spec(grids=25, lower=55_000, upper=67_500, base_allocation=10_000 * 25 / 20)
    new = prepare(wider, MARKET)
    assert new.qty[0] == prepared.qty[0]
    price = engine.exchange.markets["BTCUSDT"].price_decimal
    done = await session.reapply(wider, new, price)
    after = {o.client_id for o in engine.exchange.open_orders("paper")}
    assert done == {"kept": len(before), "cancelled": 0, "placed": 5}
    assert before <= after  # nothing re-sent: kept orders keep their ids
    assert {c for c in session.slot_orders if c is not None} == after
    await engine.close()


async def test_reapply_when_sizes_change_then_cancels_what_is_unwanted_and_places_the_rest() -> (
    None
):
    from gridarena.backtest.runner import prepare

    engine, session, _prepared = paper_run(
        _spec(grids=20), MARKET, balance=60_000, supervisor=open_supervisor()
    )
    await engine.start_all()
    before = {o.client_id for o in engine.exchange.open_orders("paper")}
    denser = _spec(grids=40)
    done = await session.reapply(
        denser, prepare(denser, MARKET), engine.exchange.markets["BTCUSDT"].price_decimal
    )
    after = {o.client_id for o in engine.exchange.open_orders("paper")}
    assert done["cancelled"] == len(before)
    assert not before & after
    assert len(after) == done["placed"]
    await engine.close()


def test_paper_cli_when_global_kill_stored_then_no_fill_and_refusals_stored(
    tmp_path: object,
) -> None:
    from pathlib import Path

    from gridarena.store import make_engine, session_factory, transaction, upgrade
    from gridarena.store.repo.control import set_kill_switch

    path = save_candles(MARKET, Path(str(tmp_path)) / "BTCUSDT_1m.parquet")
    spec_path = Path(str(tmp_path)) / "spec.json"
    spec_path.write_text(json.dumps(_spec().model_dump(mode="json")))
    config = Path(str(tmp_path)) / "gridarena.toml"
    config.write_text(WIDE_RISK)
    db = Path(str(tmp_path)) / "killed.db"
    upgrade(f"sqlite:///{db}")
    with transaction(session_factory(make_engine(f"sqlite:///{db}"))) as s:
        set_kill_switch(s, scope="global", active=True, reason="drill", by="ops")
    args = ["paper", "--data", str(path), "--spec", str(spec_path), "--balance", "30000"]

    result = CliRunner().invoke(
        app, [*args, "--config", str(config), "--db", f"sqlite:///{db}", "--json"]
    )

    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["fills"] == 0
    assert out["account_state"]["open_orders"] == 0
    with sqlite3.connect(db) as conn:
        codes = {row[0] for row in conn.execute("select reason_code from risk_events")}
        switch = conn.execute("select active, changed_by from kill_switches").fetchall()
    assert "KILL_SWITCH" in codes
    assert switch == [(1, "ops")]
