"""The API on the live arena: every command reaches the real engine, the risk gate and the store.

The season replays a generated market at "real time" on a clock the test drives: each candle
waits for a permit, so a command lands between two known candles and the test reads the
engine, the store and the API at rest. HTTP goes through the ASGI app in the same event loop
as the arena, as it does under ``gridarena up``.
"""

from __future__ import annotations

import asyncio
import socket
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy.orm import Session, sessionmaker

from gridarena.api.app import create_app
from gridarena.api.events import EventBus
from gridarena.api.keys import create_key
from gridarena.arena.control import ArenaControl
from gridarena.arena.record import ArenaRecorder
from gridarena.arena.runner import Arena, ArenaConfig
from gridarena.arena.setup import competitors_from
from gridarena.config import ApiSettings, Settings
from gridarena.config.providers import ProviderConfig
from gridarena.engine.build import build_supervisor
from gridarena.engine.killswitch import stored_board
from gridarena.engine.recorder import StoreRecorder
from gridarena.engine.session import SessionStatus
from gridarena.marketdata.candles import Candles
from gridarena.marketdata.generator import generate_market
from gridarena.store import make_engine, session_factory
from gridarena.store.engine import transaction
from gridarena.store.enums import SessionStatus as StoredStatus
from gridarena.store.migrate import upgrade
from gridarena.store.models import GridSession as GridSessionRow
from gridarena.store.models import LlmDecision
from gridarena.store.repo.control import get_kill_switch, set_kill_switch


class GateClock:
    """A replay clock the test drives: every candle waits for a permit from ``advance``."""

    def __init__(self) -> None:
        self._now = 0.0
        self._permits = asyncio.Semaphore(0)
        self.waiting = False
        self.slept = 0

    def now(self) -> float:
        return self._now

    async def sleep(self, seconds: float) -> None:
        self.waiting = True
        await self._permits.acquire()
        self.waiting = False
        self.slept += 1
        self._now += max(0.0, seconds)

    async def advance(self, candles: int, task: asyncio.Task[Any]) -> None:
        """Let ``candles`` candles close, then return once the arena waits again."""
        target = self.slept + candles
        for _ in range(candles):
            self._permits.release()
        while not (self.slept >= target and self.waiting) and not task.done():
            await asyncio.sleep(0)


@dataclass
class Live:
    arena: Arena
    clock: GateClock
    task: asyncio.Task[Any]
    http: httpx.AsyncClient
    factory: sessionmaker[Session]
    bus: EventBus
    grid: str  # a static-grid provider (and account)
    holder: str  # a buy-and-hold provider (and account)
    headers: dict[str, str]

    async def advance(self, candles: int) -> None:
        await self.clock.advance(candles, self.task)

    def spec(self, **changes: Any) -> dict[str, Any]:
        price = float(self.arena.exchange.markets["BTCUSDT"].price)
        body = {
            "model": self.grid,
            "symbol": "BTCUSDT",
            "lower": round(price * 0.98, 1),
            "upper": round(price * 1.02, 1),
            "grids": 10,
            "spacing": "arithmetic",
            "base_allocation": 2000,
            "leverage": 2,
        }
        return body | changes


def _markets(n: int) -> dict[str, Candles]:
    return {
        "BTCUSDT": generate_market(seed=11, n_candles=n, symbol="BTCUSDT"),
        "ETHUSDT": generate_market(
            seed=12, n_candles=n, start_price=3_000.0, symbol="ETHUSDT", tick=0.01
        ),
    }


def _store(tmp_path: Path) -> sessionmaker[Session]:
    url = f"sqlite:///{tmp_path / 'live.db'}"
    upgrade(url)
    return session_factory(make_engine(url))


def _arena(factory: sessionmaker[Session], grid: str, holder: str, n: int = 3_000) -> Arena:
    configs = [
        ProviderConfig.model_validate({"name": grid, "kind": "static_grid"}),
        ProviderConfig.model_validate({"name": holder, "kind": "buy_and_hold"}),
    ]
    supervisor = build_supervisor(kill_switches=stored_board(factory))
    # The providers' own cycle is far away: every order in these tests comes from the API.
    config = ArenaConfig(
        initial_balance=Decimal(10_000), decision_interval_s=10.0**9, mode="paper", seed=3
    )
    arena = Arena(_markets(n), competitors_from(configs), supervisor, config=config)
    arena.record = ArenaRecorder(StoreRecorder(factory), arena.season_id, orders=True)
    return arena


def _settings() -> Settings:
    return Settings(api=ApiSettings(rate_limit_per_minute=100_000, admin_token=SecretStr("x" * 24)))


@pytest.fixture
async def live(tmp_path: Path) -> AsyncIterator[Live]:
    factory = _store(tmp_path)
    grid, holder = f"sg-{uuid.uuid4().hex[:6]}", f"bh-{uuid.uuid4().hex[:6]}"
    arena = _arena(factory, grid, holder)
    bus = EventBus(queue_size=10_000)
    arena.bus = bus
    arena.kill_refresh_s = None
    clock = GateClock()
    app = create_app(
        settings=_settings(),
        session_factory=factory,
        control=ArenaControl(arena),
        bus=bus,
        cache_ttl_s=0.0,
        auth_cache_ttl_s=0.0,
    )
    with transaction(factory) as s:
        key = create_key(s, name="ops", scope="admin").key
    task = asyncio.create_task(arena.run(speed=1.0, clock=clock))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://arena") as http:
        state = Live(
            arena, clock, task, http, factory, bus, grid, holder,
            {"Authorization": f"Bearer {key}"},
        )  # fmt: skip
        await state.advance(30)  # some history for snapshots and grids
        yield state
        arena.request_stop()
        await clock.advance(1, task)
        await task


def _stored_status(factory: sessionmaker[Session], session_id: str) -> StoredStatus:
    with factory() as s:
        row = s.get(GridSessionRow, session_id)
        assert row is not None
        return row.status


async def test_apply_grid_when_arena_running_then_orders_rest_on_the_venue_and_in_the_store(
    live: Live,
) -> None:
    response = await live.http.post("/grid/apply", json=live.spec(), headers=live.headers)

    assert response.status_code == 200, response.text
    info = response.json()
    assert info["status"] == "RUNNING"
    assert info["config_version"] == 1
    resting = live.arena.exchange.open_orders(live.grid)
    assert len(resting) >= 8  # 10 levels, the ones at the price excepted
    status = await live.http.get(
        "/grid/status", params={"model": live.grid, "symbol": "BTCUSDT"}, headers=live.headers
    )
    assert status.json()["session_id"] == info["session_id"]
    assert status.json()["open_orders"] == len(resting)
    orders = await live.http.get(
        "/orders", params={"model": live.grid, "status": "open"}, headers=live.headers
    )
    assert {o["client_order_id"] for o in orders.json()["orders"]} == {o.client_id for o in resting}


async def test_apply_grid_when_running_then_reapplied_as_a_diff_with_a_new_config_version(
    live: Live,
) -> None:
    first = (await live.http.post("/grid/apply", json=live.spec(), headers=live.headers)).json()
    before = {o.client_id for o in live.arena.exchange.open_orders(live.grid)}

    again = await live.http.post("/grid/apply", json=live.spec(grids=12), headers=live.headers)

    body = again.json()
    assert again.status_code == 200, again.text
    assert body["session_id"] == first["session_id"]
    assert body["config_version"] == 2
    assert body["detail"].startswith("re-applied")
    after = {o.client_id for o in live.arena.exchange.open_orders(live.grid)}
    assert after
    assert after != before


async def test_pause_resume_stop_when_commanded_then_engine_and_store_agree(live: Live) -> None:
    info = (await live.http.post("/grid/apply", json=live.spec(), headers=live.headers)).json()
    sid = info["session_id"]
    where = {"model": live.grid, "symbol": "BTCUSDT"}

    paused = await live.http.post("/grid/pause", params=where, headers=live.headers)
    assert paused.json()["status"] == "PAUSED"
    assert live.arena.exchange.open_orders(live.grid) == []
    assert _stored_status(live.factory, sid) is StoredStatus.PAUSED

    resumed = await live.http.post("/grid/resume", params=where, headers=live.headers)
    assert resumed.json()["status"] == "RUNNING"
    assert live.arena.exchange.open_orders(live.grid)
    assert _stored_status(live.factory, sid) is StoredStatus.RUNNING

    stopped = await live.http.post(
        "/api/grid/stop", json={"session_id": sid, "reason": "done"}, headers=live.headers
    )
    assert stopped.status_code == 200, stopped.text
    assert live.arena.engine.sessions[sid].status is SessionStatus.STOPPED
    assert live.arena.exchange.open_orders(live.grid) == []
    assert _stored_status(live.factory, sid) is StoredStatus.STOPPED

    twice = await live.http.post("/grid/pause", params=where, headers=live.headers)
    assert twice.status_code == 409


async def test_kill_when_cancel_all_then_orders_cancelled_new_orders_refused_until_released(
    live: Live,
) -> None:
    await live.http.post("/grid/apply", json=live.spec(), headers=live.headers)
    resting = len(live.arena.exchange.open_orders(live.grid))
    scope = f"account:{live.grid}"

    killed = await live.http.post(
        "/ops/kill", json={"scope": scope, "cancel_all": True}, headers=live.headers
    )

    body = killed.json()
    assert killed.status_code == 200, killed.text
    assert body["engine_notified"] is True
    assert body["result"]["canceled_orders"] == resting
    assert live.arena.exchange.open_orders(live.grid) == []
    assert live.arena.supervisor.killed(live.grid)
    refused = await live.http.post("/grid/apply", json=live.spec(), headers=live.headers)
    assert refused.status_code == 423
    assert refused.json()["error"]["code"] == "KILL_SWITCH_ACTIVE"
    await live.advance(20)
    assert live.arena.exchange.open_orders(live.grid) == []

    released = await live.http.post(
        "/ops/kill", json={"scope": scope, "active": False}, headers=live.headers
    )
    assert released.json()["engine_notified"] is True
    assert not live.arena.supervisor.killed(live.grid)
    applied = await live.http.post("/grid/apply", json=live.spec(), headers=live.headers)
    assert applied.status_code == 200, applied.text


async def test_decision_when_executed_twice_then_second_is_a_conflict_and_one_order_placed(
    live: Live,
) -> None:
    asked = await live.http.post(
        "/llm/decision", params={"model": live.holder, "symbol": "BTCUSDT"}, headers=live.headers
    )
    record = asked.json()
    assert asked.status_code == 200, asked.text
    assert record["parsed"]["action"]["action"] == "BUY"

    done = await live.http.post(
        "/llm/execute-decision", params={"decision_id": record["id"]}, headers=live.headers
    )
    again = await live.http.post(
        "/llm/execute-decision", params={"decision_id": record["id"]}, headers=live.headers
    )

    assert done.status_code == 200, done.text
    execution = done.json()["execution"]
    assert execution["executed"] is True
    assert len(execution["orders"]) == 1
    assert again.status_code == 409
    held = [p for p in live.arena.exchange.positions(live.holder) if p.qty != 0]
    assert len(held) == 1
    fills = live.arena.exchange.fills[live.holder]
    assert [f.client_id for f in fills] == execution["orders"]
    with live.factory() as s:
        row = s.get(LlmDecision, record["id"])
        assert row is not None
        assert row.parsed is not None
        assert row.parsed["executed"]["status"] == "placed"
        assert row.snapshot_hash is not None
    assert live.arena.tally[live.holder].decisions == 1


async def test_execute_when_decision_was_executed_by_the_arena_then_conflict(live: Live) -> None:
    with transaction(live.factory) as s:
        from gridarena.store.repo import get_account_by_name

        account = get_account_by_name(s, name=live.holder)
        assert account is not None
        row = LlmDecision(
            account_id=account.id,
            provider_id=account.provider_id,
            symbol="BTCUSDT",
            prompt="p",
            kind="ok",
            parsed={"kind": "action", "action": {"action": "HOLD", "symbol": "BTCUSDT"}}
            | {"executed": {"status": "held"}},
            created_at=datetime.now(UTC),
        )
        s.add(row)
        s.flush()
        decision_id = row.id

    response = await live.http.post(
        "/llm/execute-decision", params={"decision_id": decision_id}, headers=live.headers
    )

    assert response.status_code == 409


async def test_flatten_when_position_open_then_closed_and_counted(live: Live) -> None:
    record = (
        await live.http.post(
            "/llm/decision",
            params={"model": live.holder, "symbol": "BTCUSDT"},
            headers=live.headers,
        )
    ).json()
    await live.http.post(
        "/llm/execute-decision", params={"decision_id": record["id"]}, headers=live.headers
    )

    flat = await live.http.post(
        "/ops/flatten", json={"scope": f"account:{live.holder}"}, headers=live.headers
    )

    assert flat.status_code == 200, flat.text
    assert flat.json()["closed_positions"] == 1
    assert all(p.qty == 0 for p in live.arena.exchange.positions(live.holder))
    positions = await live.http.get(
        "/positions", params={"model": live.holder}, headers=live.headers
    )
    assert positions.status_code == 200


async def test_ops_pause_when_paused_then_grids_pause_and_resume_restores_them(live: Live) -> None:
    info = (await live.http.post("/grid/apply", json=live.spec(), headers=live.headers)).json()

    paused = await live.http.post("/ops/pause", json={"paused": True}, headers=live.headers)

    assert paused.json()["paused"] is True
    assert live.arena.paused
    assert live.arena.engine.sessions[info["session_id"]].status is SessionStatus.PAUSED
    assert live.arena.exchange.open_orders(live.grid) == []
    resumed = await live.http.post("/ops/pause", json={"paused": False}, headers=live.headers)
    assert resumed.json()["paused"] is False
    assert live.arena.engine.sessions[info["session_id"]].status is SessionStatus.RUNNING
    assert live.arena.exchange.open_orders(live.grid)


async def test_stream_when_grid_trades_then_fills_orders_grids_and_equity_published(
    live: Live,
) -> None:
    sub = live.bus.subscribe(["fill", "order", "grid", "equity"])
    await live.http.post("/grid/apply", json=live.spec(), headers=live.headers)

    for _ in range(100):
        await live.advance(20)
        if live.arena.exchange.fills[live.grid]:
            break

    topics: dict[str, list[dict[str, Any]]] = {}
    while sub.queue:
        event = sub.queue.popleft()
        topics.setdefault(event.topic, []).append(dict(event.data))
    assert live.arena.exchange.fills[live.grid], "the grid never traded"
    assert {f["client_order_id"] for f in topics["fill"]} >= {
        f.client_id for f in live.arena.exchange.fills[live.grid]
    }
    assert any(o["status"] == "NEW" for o in topics["order"])
    assert topics["grid"][0]["model"] == live.grid
    assert {e["model"] for e in topics["equity"]} == {live.grid, live.holder}


async def test_sync_when_prices_and_balances_synced_then_store_has_the_latest(live: Live) -> None:
    prices = await live.http.post("/prices/sync", headers=live.headers)
    balances = await live.http.post("/models/sync-balances", headers=live.headers)

    assert prices.json()["synced"] == 2
    assert set(balances.json()["items"]) == {live.grid, live.holder}
    latest = await live.http.get(
        "/price/latest", params={"symbol": "BTCUSDT"}, headers=live.headers
    )
    market = live.arena.exchange.markets["BTCUSDT"]
    assert Decimal(str(latest.json()["close"])) == Decimal(
        repr(float(market.candles.close[market.i - 1]))
    )
    balance = await live.http.get("/balance", params={"model": live.grid}, headers=live.headers)
    assert balance.status_code == 200, balance.text


async def test_commands_when_bad_input_then_clear_errors_and_nothing_changes(live: Live) -> None:
    unknown = await live.http.post(
        "/grid/apply", json=live.spec(symbol="DOGEUSDT"), headers=live.headers
    )
    inverted = await live.http.post(
        "/grid/apply", json=live.spec(lower=70_000, upper=60_000), headers=live.headers
    )

    assert unknown.status_code == 422
    assert unknown.json()["error"]["field"] == "symbol"
    assert inverted.status_code == 422
    assert live.arena.exchange.open_orders(live.grid) == []
    assert live.arena.engine.sessions == {}


async def test_kill_switch_when_engine_restarts_then_loaded_and_new_orders_refused(
    tmp_path: Path,
) -> None:
    factory = _store(tmp_path)
    grid, holder = f"sg-{uuid.uuid4().hex[:6]}", f"bh-{uuid.uuid4().hex[:6]}"
    with transaction(factory) as s:
        set_kill_switch(s, scope=f"provider:{grid}", active=True, reason="drill", by="ops")
    arena = _arena(factory, grid, holder, n=400)
    arena.config = ArenaConfig(
        initial_balance=Decimal(10_000), decision_interval_s=180.0, mode="paper", seed=3
    )
    arena.jobs["decision"].every_ms = 180_000
    arena.jobs["decision"].due_ms = int(arena.candles["BTCUSDT"].ts_ms[0]) + 180_000

    await arena.run()

    assert arena.supervisor.killed(grid)
    assert arena.exchange.fills[grid] == []
    assert arena.tally[grid].rejected.get("KILL_SWITCH", 0) > 0
    assert arena.exchange.fills[holder]  # the other provider trades
    with factory() as s:
        row = get_kill_switch(s, scope=f"provider:{grid}")
        assert row is not None
        assert row.active
        assert row.changed_by == "ops"


async def test_kill_switch_when_set_by_another_process_then_the_running_arena_picks_it_up(
    live: Live,
) -> None:
    live.arena.kill_refresh_s = 0.0
    await live.http.post("/grid/apply", json=live.spec(), headers=live.headers)
    with transaction(live.factory) as s:  # as `gridarena serve` would, with no engine attached
        set_kill_switch(s, scope="global", active=True, cancel_all=True, by="other")

    await live.advance(1)

    assert live.arena.supervisor.killed(live.holder)
    assert live.arena.exchange.open_orders(live.grid) == []


async def test_up_when_api_served_then_it_answers_beside_the_season(tmp_path: Path) -> None:
    from gridarena.cli_arena import _bind, _serve_arena

    factory = _store(tmp_path)
    arena = _arena(factory, f"sg-{uuid.uuid4().hex[:6]}", f"bh-{uuid.uuid4().hex[:6]}", n=20_000)
    sock = _bind("127.0.0.1", 0)
    port = sock.getsockname()[1]
    season = asyncio.create_task(_serve_arena(arena, _settings(), sock, speed=0.0, live=False))
    # A generous timeout: the machine may be busy; this checks wiring, not latency.
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=60.0) as http:
        health = None
        for _ in range(500):
            try:
                health = await http.get("/healthz")
                break
            except httpx.ConnectError:
                await asyncio.sleep(0.01)
        with transaction(factory) as s:
            key = create_key(s, name="ops", scope="admin").key
        status = await http.get("/ops/status", headers={"Authorization": f"Bearer {key}"})
    arena.request_stop()
    rows = await season

    assert health is not None
    assert health.status_code == 200
    assert status.status_code == 200, status.text
    assert status.json()["engine_available"] is True
    assert status.json()["engine"]["detail"]["season_id"] == arena.season_id
    assert len(rows) == 2
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=1.0).close()


async def test_regrid_when_the_new_grid_is_invalid_then_the_running_grid_stays(
    live: Live,
) -> None:
    from gridarena.grid.spec import GridSpec
    from gridarena.providers.types import GridDecision

    info = (await live.http.post("/grid/apply", json=live.spec(), headers=live.headers)).json()
    resting = len(live.arena.exchange.open_orders(live.grid))
    tiny = GridSpec.model_validate(live.spec(direction="long", base_allocation=1))

    done = await live.arena.executor.execute(live.grid, GridDecision(spec=tiny), live.arena.index)

    assert done.status == "failed"
    assert live.arena.engine.sessions[info["session_id"]].status is SessionStatus.RUNNING
    assert len(live.arena.exchange.open_orders(live.grid)) == resting


async def test_up_when_serve_after_then_the_finished_season_stays_served_until_stopped(
    tmp_path: Path,
) -> None:
    from gridarena.cli_arena import _bind, _serve_arena

    factory = _store(tmp_path)
    arena = _arena(factory, f"sg-{uuid.uuid4().hex[:6]}", f"bh-{uuid.uuid4().hex[:6]}", n=120)
    sock = _bind("127.0.0.1", 0)
    port = sock.getsockname()[1]
    stop = asyncio.Event()
    season = asyncio.create_task(
        _serve_arena(arena, _settings(), sock, speed=0.0, live=False, serve_after=True, stop=stop)
    )
    with transaction(factory) as s:
        headers = {"Authorization": f"Bearer {create_key(s, name='ops', scope='admin').key}"}
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=60.0) as http:
        while not (arena.exchange.done and not arena.running):  # the season runs to its end
            await asyncio.sleep(0.01)
        status = await http.get("/ops/status", headers=headers)
        command = await http.post("/ops/pause", json={"paused": True}, headers=headers)
        served = not season.done()
    stop.set()
    rows = await season

    assert served
    assert status.json()["engine"]["detail"]["finished"] is True
    assert command.status_code == 503
    assert command.json()["error"]["code"] == "SERVICE_UNAVAILABLE"
    assert len(rows) == 2
