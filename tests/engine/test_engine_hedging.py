"""Cross-asset hedging in the paper engine: a BTC grid hedged with ETH on real March 2026 data."""

from __future__ import annotations

import itertools
import json
import math
import statistics
from decimal import ROUND_DOWN, Decimal
from typing import Any

import numpy as np
import pytest

from gridarena.config.trading import HedgeSettings
from gridarena.domain.types import Side
from gridarena.engine.build import add_hedge, open_supervisor, paper_run_multi
from gridarena.engine.hedging import HedgeJob, grid_midpoint_spacing
from gridarena.engine.killswitch import account_scope
from gridarena.engine.paper import PaperEngine
from gridarena.engine.session import GridSession
from gridarena.engine.supervisor import RiskEventRecord, RiskSupervisor
from gridarena.grid.spec import GridSpec
from gridarena.marketdata.candles import Candles
from gridarena.marketdata.loader import load_candles
from gridarena.marketdata.paths import shared_market_dir
from gridarena.risk import AccountState, RiskLimits
from gridarena.risk.monitors import MonitorLimits, PortfolioMonitor

DATA_DIR = "binance_spot_1m_5sym_2026-03"
N_CANDLES = 1_600  # 2026-03-23 12:09 UTC onwards, a little over a day
LOOKBACK = 60
K = Decimal("1.5")
CLOSE_K = Decimal("0.5")
# A long BTC grid centred on 70 000 with 200-dollar steps: hedge beyond 300, unhedge within 100.
SPEC = GridSpec(
    symbol="BTCUSDT",
    lower="68000",
    upper="72000",
    grids=20,
    direction="long",
    base_allocation=10_000,
    leverage=2,
)
SETTINGS = HedgeSettings(
    enabled=True,
    primary_instrument="BTCUSDT",
    hedge_instrument="ETHUSDT",
    trigger_spacing_multiple=K,
    lookback_bars=LOOKBACK,
)


def _candles() -> tuple[Candles, Candles]:
    root = shared_market_dir() / DATA_DIR
    paths = [root / f"{s}_1m.parquet" for s in ("BTCUSDT", "ETHUSDT")]
    missing = [p for p in paths if not p.exists()]
    if missing:
        pytest.skip(f"real market data not found at {missing[0]} (see ../shared/data/market)")
    btc, eth = (load_candles(p).slice(0, N_CANDLES) for p in paths)
    return btc, eth


def _engine(
    supervisor: RiskSupervisor | None = None,
) -> tuple[PaperEngine, GridSession, RiskSupervisor, HedgeJob, Candles, Candles]:
    btc, eth = _candles()
    supervisor = supervisor or open_supervisor()
    engine, session, _ = paper_run_multi(SPEC, btc, [eth], balance=50_000, supervisor=supervisor)
    job = add_hedge(supervisor, engine, SETTINGS, session)
    assert job is not None
    return engine, session, supervisor, job, btc, eth


def _hedge_events(supervisor: RiskSupervisor) -> list[RiskEventRecord]:
    return [e for e in supervisor.events if e.kind.startswith("hedge_")]


def _detail(event: RiskEventRecord) -> dict[str, Any]:
    assert event.detail is not None
    out: dict[str, Any] = json.loads(event.detail)
    return out


def _position_at(engine: PaperEngine, symbol: str, ts_ms: int) -> Decimal:
    """Return the account's position in ``symbol`` from its fills up to ``ts_ms``."""
    return sum(
        (
            f.qty if f.side is Side.BUY else -f.qty
            for f in engine.exchange.fills["paper"]
            if f.symbol == symbol and f.ts_ms <= ts_ms
        ),
        Decimal(0),
    )


def _hand_stats(p: list[float], h: list[float]) -> tuple[float, float, float]:
    """Pearson correlation and sample σ of log returns, written out without numpy."""
    rp = [math.log(b / a) for a, b in itertools.pairwise(p)]
    rh = [math.log(b / a) for a, b in itertools.pairwise(h)]
    sp, sh = statistics.stdev(rp), statistics.stdev(rh)
    mp, mh = statistics.fmean(rp), statistics.fmean(rh)
    cov = sum((x - mp) * (y - mh) for x, y in zip(rp, rh, strict=True)) / (len(rp) - 1)
    return cov / (sp * sh), sp, sh


async def test_hedge_when_long_grid_leaves_midpoint_then_eth_sell_sized_by_corr_sigma_ratio() -> (
    None
):
    engine, _session, supervisor, _job, btc, eth = _engine()
    await engine.run()
    await engine.close()

    opened = next(e for e in _hedge_events(supervisor) if e.kind == "hedge_open")
    assert opened.reason_code == "HEDGE_OPEN"
    assert opened.session_id == "s1"
    d = _detail(opened)
    # The event is stamped at the next candle's open: candle i-1 just closed.
    i = int(np.searchsorted(btc.ts_ms, opened.ts_ms))
    assert int(btc.ts_ms[i]) == opened.ts_ms
    price, hedge_price = (
        Decimal(repr(float(btc.close[i - 1]))),
        Decimal(repr(float(eth.close[i - 1]))),
    )
    assert Decimal(d["price"]) == price
    assert Decimal(d["hedge_price"]) == hedge_price
    assert abs(price - Decimal(70_000)) > K * 200
    # Hand computation on the last LOOKBACK returns of closed candles only (no look-ahead).
    window = slice(i - 1 - LOOKBACK, i)
    corr, sp, sh = _hand_stats(btc.close[window].tolist(), eth.close[window].tolist())
    assert float(d["correlation"]) == pytest.approx(corr, rel=1e-9)
    assert float(d["sigma_primary"]) == pytest.approx(sp, rel=1e-9)
    assert float(d["sigma_hedge"]) == pytest.approx(sh, rel=1e-9)
    assert float(d["ratio"]) == pytest.approx(corr * sp / sh, rel=1e-9)
    assert 0.5 < corr < 1.0
    position = _position_at(engine, "BTCUSDT", opened.ts_ms)
    assert position > 0
    assert Decimal(d["position"]) == position
    step = engine.exchange.markets["ETHUSDT"].instrument.step_size
    raw = position * price * Decimal(repr(corr * sp / sh)) / hedge_price
    expected = (raw / step).to_integral_value(rounding=ROUND_DOWN) * step
    assert Decimal(d["qty"]) == expected
    assert expected > 0
    # A long primary with a positive ratio is hedged by selling ETH, filled at once.
    assert d["side"] == "SELL"
    eth_fills = [f for f in engine.exchange.fills["paper"] if f.symbol == "ETHUSDT"]
    assert eth_fills[0].side is Side.SELL
    assert eth_fills[0].qty == expected
    assert eth_fills[0].ts_ms == opened.ts_ms
    assert opened.approved is not None
    assert Decimal(opened.approved["qty"]) == expected


async def test_hedge_when_price_returns_inside_close_band_then_closed_reduce_only() -> None:
    engine, _session, supervisor, job, _btc, _eth = _engine()
    await engine.run()
    await engine.close()

    events = _hedge_events(supervisor)
    assert [e.kind for e in events[:2]] == ["hedge_open", "hedge_close"]
    opened, closed = events[0], events[1]
    d = _detail(closed)
    assert closed.reason_code == "HEDGE_CLOSE"
    assert d["why"] == "returned"
    assert Decimal(d["distance"]) <= CLOSE_K * 200
    assert d["side"] == "BUY"
    assert d["qty"] == _detail(opened)["qty"]
    assert d["ratio"] == _detail(opened)["ratio"]
    assert d["correlation"] == _detail(opened)["correlation"]
    assert _position_at(engine, "ETHUSDT", closed.ts_ms) == 0
    close_orders = [
        o.request
        for o in engine.exchange.orders["paper"].values()
        if o.request.symbol == "ETHUSDT" and o.request.side is Side.BUY
    ]
    assert close_orders
    assert all(r.reduce_only for r in close_orders)
    # Opens and closes alternate; the planner's view matches what the venue holds at the end.
    kinds = [e.kind for e in events]
    assert all(a != b for a, b in itertools.pairwise(kinds))
    held = _position_at(engine, "ETHUSDT", 2**62)
    assert job.planner is not None
    assert (job.planner.open_hedge is None) == (held == 0)


async def test_flatten_when_account_halts_with_hedge_open_then_hedge_closed_and_not_reopened() -> (
    None
):
    # A 40-dollar trailing drawdown halts the account (sticky) while the first hedge is on.
    supervisor = RiskSupervisor(
        RiskLimits.unrestricted(),
        PortfolioMonitor(MonitorLimits(trailing_drawdown=Decimal(40))),
    )
    engine, session, supervisor, job, _btc, _eth = _engine(supervisor)
    await engine.run()
    await engine.close()

    halt = next(t for t in supervisor.transitions if t.to_state is AccountState.HALTED)
    events = _hedge_events(supervisor)
    opens = [e for e in events if e.kind == "hedge_open"]
    assert opens
    assert opens[0].ts_ms < halt.at_ms
    # The supervisor's flatten closed the hedge with everything else...
    flat = next(e for e in supervisor.events if e.kind == "flatten")
    assert _position_at(engine, "ETHUSDT", flat.ts_ms) == 0
    assert all(p.qty == 0 for p in engine.exchange.positions("paper"))
    # ...and the job noticed at the next candle close and told its planner.
    closes = [e for e in events if e.kind == "hedge_close"]
    assert len(closes) == 1
    assert _detail(closes[0])["why"] == "closed_elsewhere"
    assert closes[0].ts_ms >= halt.at_ms
    assert job.planner is not None
    assert job.planner.open_hedge is None
    # Nothing re-opened while HALTED (the unhalted run re-hedges around candle 1559).
    assert [e for e in events if e.ts_ms > halt.at_ms and e.kind == "hedge_open"] == []
    assert supervisor.state("paper") is AccountState.HALTED
    eth_after = [
        f for f in engine.exchange.fills["paper"] if f.symbol == "ETHUSDT" and f.ts_ms > flat.ts_ms
    ]
    assert eth_after == []
    assert session.status.value == "STOPPED"


async def test_hedge_when_kill_switch_refuses_then_recorded_and_run_continues() -> None:
    engine, _session, supervisor, job, btc, _eth = _engine()
    btc_market = engine.exchange.markets["BTCUSDT"]
    await engine.start_all()
    while btc_market.i < 40:  # the grid holds its long before the switch goes on
        await engine.step()
    await supervisor.kill(account_scope("paper"), reason="test")
    while btc_market.i < 200:
        await engine.step()
    # The hedge was refused once (one attempt per excursion), recorded, not raised.
    refused = [e for e in supervisor.events if e.kind == "hedge_refused"]
    assert len(refused) == 1
    assert refused[0].reason_code == "HEDGE_OPEN"
    d = _detail(refused[0])
    assert d["refused"] == "KILL_SWITCH"
    assert d["action"] == "open"
    assert float(d["ratio"]) > 0
    gate_refusals = [
        e
        for e in supervisor.events
        if e.kind == "order_refused" and e.detail is not None and "ga-hdg-" in e.detail
    ]
    assert [e.reason_code for e in gate_refusals] == ["KILL_SWITCH"]
    assert job.planner is not None
    assert job.planner.open_hedge is None
    assert _position_at(engine, "ETHUSDT", 2**62) == 0
    # Switch off: once price has come back and leaves again, the hedge opens normally.
    await supervisor.kill(account_scope("paper"), active=False)
    await engine.run()
    await engine.close()
    assert btc_market.done
    opened = [e for e in _hedge_events(supervisor) if e.kind == "hedge_open"]
    assert opened
    assert opened[0].ts_ms > int(btc.ts_ms[200])
    assert _position_at(engine, "ETHUSDT", opened[0].ts_ms) < 0


async def test_add_hedge_when_disabled_or_mismatched_then_none_or_value_error() -> None:
    btc, eth = _candles()
    supervisor = open_supervisor()
    engine, session, _ = paper_run_multi(SPEC, btc, [eth], balance=50_000, supervisor=supervisor)
    assert add_hedge(supervisor, engine, HedgeSettings(), session) is None
    assert supervisor.hedges == []
    with pytest.raises(ValueError, match="primary_instrument"):
        add_hedge(supervisor, engine, HedgeSettings(enabled=True), session)
    wrong = SETTINGS.model_copy(update={"hedge_instrument": "SOLUSDT"})
    with pytest.raises(ValueError, match="SOLUSDT"):
        add_hedge(supervisor, engine, wrong, session)
    with pytest.raises(ValueError, match="timestamps"):
        paper_run_multi(SPEC, btc, [eth.slice(1)], supervisor=open_supervisor())
    await engine.close()


def test_midpoint_spacing_when_grid_geometric_then_step_around_middle() -> None:
    assert grid_midpoint_spacing([100.0, 110.0, 120.0, 130.0]) == (Decimal(115), Decimal(10))
    mid, step = grid_midpoint_spacing([100.0, 110.0, 121.0, 133.1])
    assert mid == Decimal("116.55")
    assert step == Decimal("11.0")
    with pytest.raises(ValueError, match="two levels"):
        grid_midpoint_spacing([100.0])


def test_hedge_job_when_primary_unnamed_or_bands_inverted_then_value_error() -> None:
    with pytest.raises(ValueError, match="session_id"):
        HedgeJob("ETHUSDT")
    with pytest.raises(ValueError, match="close_k"):
        HedgeJob("ETHUSDT", session_id="s1", k=1, close_k=2)
    job = HedgeJob("ETHUSDT", account="paper", primary_symbol="BTCUSDT", lookback_bars=10)
    assert job.lookback_bars == 10
