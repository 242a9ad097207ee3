"""The risk supervisor in a paper engine: gate, monitors, kill switch, breaker and calendar."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import select

from gridarena.config.trading import RiskSettings
from gridarena.domain.orders import OrderRequest, OrderType
from gridarena.domain.types import Side
from gridarena.engine.build import add_breakers, build_supervisor, open_supervisor, paper_run
from gridarena.engine.killswitch import GLOBAL, KillSwitchBoard, SwitchState, account_scope
from gridarena.engine.recorder import StoreRecorder
from gridarena.engine.supervisor import RiskSupervisor
from gridarena.grid.spec import GridSpec
from gridarena.marketdata.candles import Candles
from gridarena.marketdata.generator import generate_market
from gridarena.marketdata.loader import load_candles
from gridarena.marketdata.paths import shared_market_dir
from gridarena.risk import AccountState, OrderSource, RiskLimits
from gridarena.risk.calendar import SessionCalendar
from gridarena.risk.monitors import MonitorLimits, PortfolioMonitor
from gridarena.store import make_engine, session_factory
from gridarena.store.migrate import upgrade
from gridarena.store.models import Account, AccountStateChange, Fill, RiskEvent

CRASH_FILE = "binance_spot_BTCUSDT_1m/BTCUSDT_1m_2022.parquet"
DAY_MS = 86_400_000


def _ms(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp() * 1000)


def _crash_candles() -> Candles:
    path = shared_market_dir() / CRASH_FILE
    if not path.exists():
        pytest.skip(f"real market data not found at {path} (see ../shared/data/market)")
    # 2022-06-12 .. 06-14: BTC fell from 28.4k to 22k (-15 % on the 13th alone).
    return load_candles(path).between(_ms("2022-06-12T00:00:00"), _ms("2022-06-15T00:00:00"))


def _store(tmp_path: Path) -> StoreRecorder:
    url = f"sqlite:///{tmp_path / 'risk.db'}"
    upgrade(url)
    return StoreRecorder(session_factory(make_engine(url)))


async def test_paper_when_overleveraged_long_grid_crashes_then_daily_loss_flattens_and_halts(
    tmp_path: Path,
) -> None:
    candles = _crash_candles()
    spec = GridSpec(
        symbol="BTCUSDT",
        lower="24000",
        upper="29000",
        grids=25,
        direction="long",
        base_allocation=10_000,
        leverage=10,
    )
    risk = RiskSettings(
        max_daily_loss=Decimal(1000),
        max_leverage=Decimal(10),
        max_symbol_exposure=Decimal(10**7),
        max_capital_per_symbol=Decimal(1),
        max_total_exposure=Decimal(20),
        atr_spike_circuit_breaker=Decimal(100),
    )
    # The pre-trade caps are set wide on purpose (10x of equity in one symbol): the grid gets
    # its over-leveraged book, and the daily-loss monitor is what has to catch it.
    limits = RiskLimits(
        max_leverage=Decimal(10),
        max_symbol_exposure=Decimal(10**7),
        max_position_per_trade=Decimal(1),
        max_capital_per_symbol=Decimal(10),
        max_total_exposure=Decimal(10),
    )
    supervisor = build_supervisor(risk, limits=limits)
    engine, session, _ = paper_run(spec, candles, balance=10_000, supervisor=supervisor)
    recorder = _store(tmp_path)
    engine.attach_recorder(recorder)

    await engine.run()
    await engine.close()

    halts = [t for t in supervisor.transitions if t.to_state is AccountState.HALTED]
    assert len(halts) == 1
    halt = halts[0]
    assert halt.reason.value == "DAILY_LOSS"
    assert halt.flatten
    # Flat and idle afterwards: the grid stopped, no order rests, no position is left.
    assert session.status.value == "STOPPED"
    assert engine.exchange.open_orders("paper") == []
    assert all(p.qty == 0 for p in engine.exchange.positions("paper"))
    # Nothing opened after the halt: the only later fills are the flatten's sells of the long.
    fills_after = [f for f in engine.exchange.fills["paper"] if f.ts_ms >= halt.at_ms]
    assert fills_after
    assert {f.side for f in fills_after} == {Side.SELL}
    assert [t.reason.value for t in supervisor.transitions] == ["DAILY_LOSS", "DAY_ROLLOVER"]
    # Day loss at the halt was at or beyond the limit, and the flatten realised it.
    assert Decimal(halt.detail["day_pnl"]) <= -1000
    with recorder.factory() as s:
        account = s.scalars(select(Account).where(Account.name == "paper")).one()
        changes = s.scalars(select(AccountStateChange)).all()
        events = s.scalars(select(RiskEvent)).all()
        stored_fills = s.scalars(select(Fill)).all()
    assert [(c.state.value, c.reason_code) for c in changes] == [
        ("HALTED", "DAILY_LOSS"),
        ("ACTIVE", "DAY_ROLLOVER"),
    ]
    assert changes[0].at == datetime.fromtimestamp(halt.at_ms / 1000, tz=UTC)
    kinds = {(e.kind, e.reason_code) for e in events}
    assert ("state_change", "DAILY_LOSS") in kinds
    assert ("flatten", "DAILY_LOSS") in kinds
    assert account.state.value == "ACTIVE"  # a new day; the stopped grid opens nothing
    assert len(stored_fills) == len(engine.exchange.fills["paper"])


async def test_paper_when_halted_then_new_orders_refused_with_reason() -> None:
    candles = generate_market(seed=3, n_candles=300)
    lo, hi = float(candles.low.min()), float(candles.high.max())
    spec = GridSpec(
        symbol="BTCUSDT", lower=round(lo, 1), upper=round(hi, 1), grids=10, base_allocation=5_000
    )
    supervisor = open_supervisor()
    engine, session, _ = paper_run(spec, candles, balance=50_000, supervisor=supervisor)
    await engine.start_all()
    # Halt by a kill switch on the account: the gate refuses any opening order at once.
    await supervisor.kill(account_scope("paper"), reason="test")
    request = OrderRequest(
        symbol="BTCUSDT",
        side=Side.BUY,
        type=OrderType.LIMIT,
        qty=Decimal("0.01"),
        price=Decimal(round(lo, 1)),
        client_id="manual-1",
    )
    gate = supervisor.gateway_for(
        "paper", session.gateway, session.venue, leverage=Decimal(1), source=OrderSource.MANUAL
    )
    with pytest.raises(Exception, match="KILL_SWITCH"):
        await gate.place(request, session_id="m", slot=None, cycle=None)
    refused = [e for e in supervisor.events if e.kind == "order_refused"]
    assert refused[-1].reason_code == "KILL_SWITCH"
    assert refused[-1].requested is not None
    assert refused[-1].approved is not None
    assert refused[-1].approved["qty"] == "0"
    await engine.close()


async def test_kill_when_cancel_all_false_then_resting_orders_stay_and_true_then_cancelled() -> (
    None
):
    candles = generate_market(seed=4, n_candles=200)
    lo, hi = float(candles.low.min()), float(candles.high.max())
    spec = GridSpec(
        symbol="BTCUSDT", lower=round(lo, 1), upper=round(hi, 1), grids=10, base_allocation=5_000
    )
    saved: dict[str, SwitchState] = {}
    board = KillSwitchBoard(load=lambda: saved, persist=saved.__setitem__)
    supervisor = RiskSupervisor(
        RiskLimits.unrestricted(), PortfolioMonitor(MonitorLimits()), kill_switches=board
    )
    engine, _session, _ = paper_run(spec, candles, balance=50_000, supervisor=supervisor)
    await engine.start_all()
    resting = len(engine.exchange.open_orders("paper"))
    assert resting > 0

    await supervisor.kill(GLOBAL, reason="ops")
    assert len(engine.exchange.open_orders("paper")) == resting
    assert supervisor.killed("paper")

    await supervisor.kill(GLOBAL, cancel_all=True, reason="ops")
    assert engine.exchange.open_orders("paper") == []
    # The state survives a restart: a new board loads what was persisted.
    reloaded = KillSwitchBoard(load=lambda: saved)
    assert reloaded.get(GLOBAL) == SwitchState(True, True, "ops")
    assert reloaded.blocks("anyone")
    await engine.close()


def test_kill_switch_when_scope_malformed_then_value_error_names_forms() -> None:
    board = KillSwitchBoard()
    with pytest.raises(ValueError, match="provider:<name>"):
        board.set("everyone", True)
    assert board.snapshot() == {}


def _shocked(k: int = 200) -> Candles:
    candles = generate_market(seed=5, n_candles=400)
    high, low = candles.high.copy(), candles.low.copy()
    high[k] = max(high[k], candles.close[k - 1] * 1.06)
    low[k] = min(low[k], candles.close[k - 1] * 0.94)
    return Candles(
        symbol=candles.symbol, timeframe_ms=candles.timeframe_ms, ts_ms=candles.ts_ms,
        open=candles.open, high=high, low=low, close=candles.close, volume=candles.volume,
    )  # fmt: skip


async def test_breaker_when_calm_returns_then_a_grid_an_operator_paused_stays_paused() -> None:
    shocked = _shocked()
    lo, hi = float(shocked.low.min()) * 0.99, float(shocked.high.max()) * 1.01
    spec = GridSpec(symbol="BTCUSDT", lower=round(lo, 1), upper=round(hi, 1), grids=10,
                    base_allocation=5_000)  # fmt: skip
    supervisor = open_supervisor()
    engine, session, _ = paper_run(spec, shocked, balance=50_000, supervisor=supervisor)
    add_breakers(supervisor, engine, RiskSettings())
    await engine.start_all()
    await session.pause()  # the operator's pause, before the shock

    while not engine.exchange.done:
        await engine.step()
    await engine.close()

    kinds = [e.detail.split()[1] for e in supervisor.events if e.kind == "circuit_breaker"]
    assert kinds[:2] == ["PAUSE", "RESUME"]
    assert session.status.value == "PAUSED"
    assert engine.exchange.open_orders("paper") == []


async def test_breaker_when_price_shock_then_grids_pause_and_resume_after_calm() -> None:
    candles = generate_market(seed=5, n_candles=400)
    close = candles.close.copy()
    high, low, open_ = candles.high.copy(), candles.low.copy(), candles.open.copy()
    # One violent candle at 200: a 12 % range, then the market calms down again.
    k = 200
    high[k] = max(high[k], close[k - 1] * 1.06)
    low[k] = min(low[k], close[k - 1] * 0.94)
    shocked = Candles(
        symbol=candles.symbol,
        timeframe_ms=candles.timeframe_ms,
        ts_ms=candles.ts_ms,
        open=open_,
        high=high,
        low=low,
        close=close,
        volume=candles.volume,
    )
    lo, hi = float(low.min()) * 0.99, float(high.max()) * 1.01
    spec = GridSpec(symbol="BTCUSDT", lower=round(lo, 1), upper=round(hi, 1), grids=10,
                    base_allocation=5_000)  # fmt: skip
    supervisor = open_supervisor()
    engine, session, _ = paper_run(spec, shocked, balance=50_000, supervisor=supervisor)
    add_breakers(supervisor, engine, RiskSettings())
    statuses: list[str] = []
    await engine.start_all()
    while not engine.exchange.done:
        await engine.step()
        statuses.append(session.status.value)
    await engine.close()
    kinds = [e.detail.split()[1] for e in supervisor.events if e.kind == "circuit_breaker"]
    assert kinds[:2] == ["PAUSE", "RESUME"]
    assert "PAUSED" in statuses
    assert statuses[-1] == "RUNNING"
    assert np.isfinite(float(engine.exchange.balance("paper").equity))


async def test_calendar_when_session_close_nears_then_positions_flattened() -> None:
    candles = generate_market(seed=6, n_candles=600)
    lo, hi = float(candles.low.min()), float(candles.high.max())
    spec = GridSpec(symbol="BTCUSDT", lower=round(lo, 1), upper=round(hi, 1), grids=10,
                    direction="long", base_allocation=5_000)  # fmt: skip
    start = int(candles.ts_ms[0])
    # A session that closes 5 hours into the data; flatten 10 minutes before.
    close_at = datetime.fromtimestamp((start + 5 * 3_600_000) / 1000, tz=UTC)
    calendar = SessionCalendar.from_config(
        {
            "tz": "UTC",
            "sessions": [{"days": "Mon-Sun", "open": "00:00", "close": close_at.strftime("%H:%M")}],
            "flatten_before_s": 600,
        }
    )
    supervisor = RiskSupervisor(
        RiskLimits.unrestricted(), PortfolioMonitor(MonitorLimits()), calendar=calendar
    )
    engine, session, _ = paper_run(spec, candles, balance=50_000, supervisor=supervisor)
    await engine.run()
    await engine.close()
    flat = [e for e in supervisor.events if e.kind == "flatten"]
    assert flat
    assert flat[0].reason_code == "SESSION_END"
    assert flat[0].ts_ms <= start + 5 * 3_600_000
    assert session.status.value == "STOPPED"
    assert all(p.qty == 0 for p in engine.exchange.positions("paper"))
