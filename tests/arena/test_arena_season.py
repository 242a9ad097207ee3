"""Arena seasons: same-snapshot fairness, stored decisions, the leaderboard, LLM failures."""

from __future__ import annotations

import itertools
import json
from decimal import Decimal
from pathlib import Path

import pytest
from arena_llm_server import ModelServer
from sqlalchemy import select
from typer.testing import CliRunner

from gridarena.arena.record import ArenaRecorder
from gridarena.arena.runner import Arena, ArenaConfig
from gridarena.arena.setup import builtin_configs, competitors_from
from gridarena.cli import app
from gridarena.config.providers import ProviderConfig
from gridarena.engine.build import build_supervisor
from gridarena.engine.recorder import StoreRecorder
from gridarena.marketdata.generator import generate_market
from gridarena.providers.types import Rules
from gridarena.store import make_engine, session_factory
from gridarena.store.migrate import upgrade
from gridarena.store.models import LlmDecision, MarketSnapshotRow, PricePoint, RiskEvent, Season

runner = CliRunner()


def _recorder(tmp_path: Path) -> StoreRecorder:
    url = f"sqlite:///{tmp_path / 'arena.db'}"
    upgrade(url)
    return StoreRecorder(session_factory(make_engine(url)))


def _markets(n: int) -> dict[str, object]:
    return {
        "BTCUSDT": generate_market(seed=11, n_candles=n, symbol="BTCUSDT"),
        "ETHUSDT": generate_market(
            seed=12, n_candles=n, start_price=3_000.0, symbol="ETHUSDT", tick=0.01
        ),
    }


async def test_season_when_builtin_providers_then_same_snapshot_each_cycle_and_all_stored(
    tmp_path: Path,
) -> None:
    candles = _markets(600)
    arena = Arena(
        candles,  # type: ignore[arg-type]
        competitors_from(builtin_configs(7)),
        build_supervisor(),
        config=ArenaConfig(seed=7),
    )
    arena.record = ArenaRecorder(_recorder(tmp_path), arena.season_id, orders=True)

    board = await arena.run()

    assert arena.cycles == 200  # 600 one-minute candles, a decision every 3 minutes
    assert len(board) == 5
    assert [r.rank for r in board] == [1, 2, 3, 4, 5]
    returns = [r.return_pct for r in board]
    assert returns == sorted(returns, reverse=True)
    best_rule = max(r.return_pct for r in board if r.rule_based)
    assert all(r.margin_vs_best_baseline == pytest.approx(r.return_pct - best_rule) for r in board)
    with arena.record.recorder.factory() as s:
        decisions = s.scalars(select(LlmDecision)).all()
        snapshots = s.scalars(select(MarketSnapshotRow)).all()
        season = s.get(Season, arena.season_id)
        prices = s.scalars(select(PricePoint)).all()
    assert len(decisions) == 5 * 200
    # Fairness: in each cycle every provider got the snapshot with the same hash.
    by_time: dict[object, set[str | None]] = {}
    for d in decisions:
        by_time.setdefault(d.created_at, set()).add(d.snapshot_hash)
    assert all(len(hashes) == 1 for hashes in by_time.values())
    assert {d.snapshot_hash for d in decisions} == {s.hash for s in snapshots}
    assert len(snapshots) == 200
    assert {s.symbol for s in snapshots} == {"BTCUSDT", "ETHUSDT"}  # round-robin
    assert season is not None
    assert season.leaderboard is not None
    assert season.leaderboard["decisions"] == 1000
    assert len(prices) == 2 * 600
    assert all(d.season_id == arena.season_id for d in decisions)


async def test_season_when_llms_garbage_timeout_and_good_then_runs_on_and_gate_clamps(
    tmp_path: Path,
) -> None:
    candles = {"BTCUSDT": generate_market(seed=21, n_candles=30, symbol="BTCUSDT")}
    env = {"ARENA_TEST_KEY": "sk-test-not-a-real-key-123456"}
    with ModelServer(slow_delay_s=1.5) as server:
        configs = [
            ProviderConfig(name="garbage", kind="openai", model="garbage",
                           base_url=server.base_url, api_key_env="ARENA_TEST_KEY",
                           output_mode="text", max_attempts=2, max_retries=0, timeout_s=5),
            ProviderConfig(name="sleepy", kind="openai", model="slow", base_url=server.base_url,
                           api_key_env="ARENA_TEST_KEY", output_mode="text", max_retries=0,
                           timeout_s=0.2),
            ProviderConfig(name="good", kind="openai", model="good", base_url=server.base_url,
                           api_key_env="ARENA_TEST_KEY", output_mode="text", max_retries=0,
                           timeout_s=5),
        ]  # fmt: skip
        competitors = competitors_from(configs, env=env)
        # The rules told to providers allow 100 % per trade; the gate allows 20 %.
        rules = Rules(symbols=("BTCUSDT",), max_position_pct=Decimal(1))
        arena = Arena(
            candles,
            competitors,
            build_supervisor(),
            config=ArenaConfig(rules=rules, initial_balance=Decimal(10_000)),
        )
        arena.record = ArenaRecorder(_recorder(tmp_path), arena.season_id, orders=True)
        board = await arena.run()
        for c in competitors:
            close = getattr(c.provider, "aclose", None)
            if close is not None:
                await close()
    assert arena.cycles == 10
    by_name = {r.provider: r for r in board}
    assert by_name["garbage"].outcomes == {"invalid": 10}
    assert by_name["sleepy"].outcomes == {"timeout": 10}
    assert by_name["good"].outcomes == {"ok": 10}
    assert server.calls["garbage"] == 20  # two attempts per cycle, then HOLD
    with arena.record.recorder.factory() as s:
        decisions = s.scalars(select(LlmDecision)).all()
        events = s.scalars(select(RiskEvent)).all()
    kinds = {(d.kind, d.parsed["action"]["action"] if d.parsed else None) for d in decisions}
    assert ("invalid", "HOLD") in kinds
    assert ("timeout", "HOLD") in kinds
    assert ("ok", "BUY") in kinds
    errors = [d.error for d in decisions if d.kind != "ok"]
    assert all(errors)
    assert all(env["ARENA_TEST_KEY"] not in (e or "") for e in errors)
    assert all(env["ARENA_TEST_KEY"] not in d.prompt for d in decisions)
    good = [d for d in decisions if d.kind == "ok"]
    assert good[0].tokens_in == 400
    assert good[0].raw_response is not None
    # The over-sized BUY (90 % of balance at 10x) was clamped by the gate, not sent as asked.
    reduced = [e for e in events if e.kind == "order_reduced"]
    assert reduced
    assert "POSITION_CAP" in reduced[0].reason_code
    assert Decimal(reduced[0].approved["notional"]) <= Decimal("0.2") * 10_000 * Decimal("1.01")
    assert Decimal(reduced[0].requested["notional"]) > 80_000


def test_arena_cli_when_backtest_json_then_one_object_with_leaderboard(tmp_path: Path) -> None:
    data = tmp_path / "market"
    data.mkdir()
    from gridarena.marketdata.writer import save_candles

    for symbol, c in _markets(400).items():
        save_candles(c, data / f"{symbol}_1m.parquet")  # type: ignore[arg-type]
    result = runner.invoke(
        app,
        ["arena", "--backtest", "--data", str(data), "--days", "1", "--json",
         "--providers", "static-grid,indicator-voter,buy-and-hold,random",
         "--db", f"sqlite:///{tmp_path / 'a.db'}"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out.keys() >= {"providers", "decisions", "elapsed_s", "season_id", "cycles"}
    assert out["decisions"] == 4 * out["cycles"]
    assert {p["provider"] for p in out["providers"]} == {
        "static-grid", "indicator-voter", "buy-and-hold", "random",
    }  # fmt: skip
    for row in out["providers"]:
        assert row.keys() >= {"equity", "return_pct", "sharpe", "sortino", "calmar",
                              "max_drawdown", "win_rate", "trades", "llm_cost",
                              "pnl_net_of_llm", "rejected", "margin_vs_best_baseline"}  # fmt: skip


def test_arena_cli_when_unknown_provider_or_missing_data_then_clear_error(tmp_path: Path) -> None:
    bad = runner.invoke(app, ["arena", "--backtest", "--providers", "nobody", "--no-record"])
    assert bad.exit_code != 0
    assert "unknown nobody" in bad.output
    missing = runner.invoke(app, ["arena", "--backtest", "--data", str(tmp_path / "none")])
    assert missing.exit_code != 0
    assert "not found" in missing.output


def test_up_when_fast_replay_then_runs_arena_on_generated_market(tmp_path: Path) -> None:
    args = ["up", "--days", "1", "--speed", "0", "--json", "--port", "0"]
    result = runner.invoke(app, [*args, "--db", f"sqlite:///{tmp_path / 'u.db'}"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["symbols"] == ["BTCUSDT", "ETHUSDT", "SOLUSDT"]
    assert len(out["providers"]) == 5
    assert out["cycles"] == 480


async def test_season_when_same_market_replayed_twice_on_one_store_then_both_recorded(
    tmp_path: Path,
) -> None:
    recorder = _recorder(tmp_path)
    seasons = []
    for _ in range(2):
        arena = Arena(
            _markets(120),  # type: ignore[arg-type]
            competitors_from(builtin_configs(7)),
            build_supervisor(),
            config=ArenaConfig(seed=7),
        )
        arena.record = ArenaRecorder(StoreRecorder(recorder.factory), arena.season_id)
        await arena.run()
        seasons.append(arena.season_id)

    with recorder.factory() as s:
        stored = set(s.scalars(select(Season.id)))
        prices = s.scalars(select(PricePoint)).all()
    assert set(seasons) <= stored
    assert len(prices) == 2 * 120  # each candle once, however often it was replayed


async def test_season_when_provider_limited_to_a_symbol_and_interval_then_decides_only_then(
    tmp_path: Path,
) -> None:
    from gridarena.providers.types import Action, ActionDecision

    configs = [
        ProviderConfig(name="every-cycle", kind="buy_and_hold"),
        ProviderConfig(
            name="eth-slow", kind="indicator_voter", symbols=("ETHUSDT",), interval_s=540
        ),
    ]
    arena = Arena(
        _markets(240),  # type: ignore[arg-type]
        competitors_from(configs),
        build_supervisor(),
        config=ArenaConfig(seed=7),
    )
    arena.record = ArenaRecorder(_recorder(tmp_path), arena.season_id, orders=True)

    await arena.run()

    assert arena.cycles == 80
    assert arena.tally["every-cycle"].decisions == 80
    with arena.record.recorder.factory() as s:
        slow = s.scalars(
            select(LlmDecision).where(
                LlmDecision.account_id == arena.record.recorder.account_ids["eth-slow"]
            )
        ).all()
    assert {d.symbol for d in slow} == {"ETHUSDT"}
    times = sorted(d.created_at for d in slow)
    assert all((b - a).total_seconds() >= 540 for a, b in itertools.pairwise(times))
    assert len(slow) == arena.tally["eth-slow"].decisions >= 10
    assert arena.rules_for["eth-slow"].symbols == ("ETHUSDT",)
    # The gate holds the account to its symbols whatever the provider asks for.
    buy = Action(action="BUY", symbol="BTCUSDT", size_pct=Decimal("0.1"), leverage=Decimal(3),
                 confidence=0.9, reasoning="off-list")  # fmt: skip
    done = await arena.executor.execute("eth-slow", ActionDecision(action=buy), arena.index)
    assert done.status == "refused"
    assert "SYMBOL_NOT_ALLOWED" in done.reasons


def test_arena_when_provider_symbols_outside_the_market_then_value_error_names_them() -> None:
    configs = [ProviderConfig(name="dogs", kind="buy_and_hold", symbols=("DOGEUSDT",))]
    with pytest.raises(ValueError, match="DOGEUSDT"):
        Arena(_markets(10), competitors_from(configs), build_supervisor())  # type: ignore[arg-type]


def test_arena_cli_when_replaying_a_stored_season_then_same_decisions_without_the_model(
    tmp_path: Path,
) -> None:
    from gridarena.marketdata.writer import save_candles

    data = tmp_path / "market"
    data.mkdir()
    for symbol, c in _markets(120).items():
        save_candles(c, data / f"{symbol}_1m.parquet")  # type: ignore[arg-type]
    db = f"sqlite:///{tmp_path / 'replay.db'}"
    env = {"ARENA_TEST_KEY": "sk-test-not-a-real-key-123456"}
    with ModelServer() as server:
        config = tmp_path / "gridarena.toml"
        config.write_text(
            "[[arena.providers]]\n"
            'name = "good"\nkind = "openai"\nmodel = "good"\n'
            f'base_url = "{server.base_url}"\napi_key_env = "ARENA_TEST_KEY"\n'
            'output_mode = "text"\nmax_retries = 0\n'
        )
        base = ["arena", "--backtest", "--data", str(data), "--db", db, "--json"]
        base += ["--config", str(config)]
        live = runner.invoke(app, [*base, "--providers", "static-grid,good"], env=env)
        assert live.exit_code == 0, live.output
        calls = dict(server.calls)
    first = json.loads(live.stdout)

    # The model server is gone: every answer must come from the store.
    again = runner.invoke(app, [*base, "--replay", first["season_id"]], env=env)

    assert again.exit_code == 0, again.output
    second = json.loads(again.stdout)
    assert second["season_id"] != first["season_id"]
    assert calls["good"] >= first["cycles"] > 0  # the model answered the first season
    rows = {r["provider"]: r for r in first["providers"]}
    replayed = {r["provider"]: r for r in second["providers"]}
    assert replayed.keys() == rows.keys() == {"static-grid", "good"}
    for name in rows:
        assert replayed[name]["outcomes"] == rows[name]["outcomes"]
        assert replayed[name]["trades"] == rows[name]["trades"]
        assert replayed[name]["equity"] == pytest.approx(rows[name]["equity"], abs=1e-9)
    missing = runner.invoke(app, [*base, "--replay", "season-nope"], env=env)
    assert missing.exit_code != 0
    assert "no season" in missing.output


def test_up_cli_when_serve_after_without_api_then_clear_error() -> None:
    result = runner.invoke(app, ["up", "--no-api", "--serve-after", "--days", "1"])

    assert result.exit_code == 2
    assert "--serve-after" in result.output
