"""Faults and crashes change nothing: a tracked run that is faulted or killed and restarted from
the store ends with exactly the fills and PnL of an undisturbed run, nothing sent twice, no
orphaned order, and the store equal to the venue.
"""

import random
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine

from gridarena.backtest.runner import BacktestConfig, prepare
from gridarena.domain.orders import Order, OrderRequest
from gridarena.engine.build import sim_config
from gridarena.engine.clock import ManualClock
from gridarena.engine.live import TrackedRun, fills_key
from gridarena.engine.session import GridSession
from gridarena.execution.retry import Backoff
from gridarena.execution.tracker import OrderTracker
from gridarena.grid.spec import GridSpec
from gridarena.marketdata.generator import generate_market
from gridarena.store import enums as db
from gridarena.store import repo, session_factory, transaction
from gridarena.venues.sim.exchange import SimExchange
from gridarena.venues.sim.faulty import FaultyVenue
from gridarena.venues.sim.market import SimMarket
from gridarena.venues.sim.venue import SimVenue

MARKET = generate_market(seed=5, n_candles=1200)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
FAST = Backoff(attempts=5, base=0.001, cap=0.01, jitter=False)


class SimulatedCrash(BaseException):
    """The engine process dies here (BaseException: no handler of ours may swallow it)."""


class CrashingVenue(FaultyVenue):
    """Kill the engine at random moments: just before, or just after, a venue write."""

    def __init__(self, *args: Any, crash_rate: float, crash_seed: int, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.crash_rate = crash_rate
        self._crash_rng = random.Random(crash_seed)
        self.armed = False
        self.crashes = 0

    def _maybe_crash(self) -> None:
        if self.armed and self._crash_rng.random() < self.crash_rate:
            self.crashes += 1
            raise SimulatedCrash

    async def place_order(self, request: OrderRequest) -> Order:
        self._maybe_crash()
        order = await super().place_order(request)
        self._maybe_crash()
        return order

    async def cancel_order(self, symbol: str, client_id: str) -> Order:
        self._maybe_crash()
        return await super().cancel_order(symbol, client_id)


def _spec(direction: str) -> GridSpec:
    lo, hi = float(MARKET.low.min()), float(MARKET.high.max())
    return GridSpec(
        symbol="BTCUSDT",
        lower=round(lo, 1),
        upper=round(hi, 1),
        grids=20,
        direction=direction,
        base_allocation=10_000,
        leverage=2,
        entry_mode="taker",
    )


async def _run(
    db_engine: Engine, spec: GridSpec, *, fault_rate: float = 0.0, crash_rate: float = 0.0
) -> dict[str, Any]:
    config = BacktestConfig()
    prepared = prepare(spec, MARKET, config=config)
    ex = SimExchange([SimMarket(prepared.instrument, MARKET)], sim_config(config))
    name = f"acct-{uuid.uuid4().hex[:8]}"
    ex.add_account(name, Decimal(100_000))
    factory = session_factory(db_engine)
    sid = f"s-{uuid.uuid4().hex[:8]}"
    with transaction(factory) as s:
        provider = repo.create_provider(s, name=f"p-{sid}", kind=db.ProviderKind.RULE)
        account_id = repo.create_account(
            s, name=name, provider_id=provider.id, venue="sim", starting_balance=Decimal(100_000)
        ).id
        config_id = repo.save_grid_config(s, account_id=account_id, symbol="BTCUSDT", spec={}).id
        repo.create_grid_session(
            s, session_id=sid, account_id=account_id, config_id=config_id, symbol="BTCUSDT"
        )
    venue = CrashingVenue(
        SimVenue(ex, name),
        rate=fault_rate,
        read_rate=fault_rate / 2,
        seed=11,
        crash_rate=crash_rate,
        crash_seed=13,
    )

    async def advance() -> bool:
        if ex.done:
            return False
        ex.step()
        return True

    def fresh() -> TrackedRun:
        tracker = OrderTracker(
            venue=venue,
            factory=factory,
            account_id=account_id,
            backoff=FAST,
            clock=ManualClock(),
            rng=random.Random(1),
        )
        session = GridSession(
            session_id=sid,
            account=name,
            venue=venue,
            spec=spec,
            prepared=prepared,
            gateway=tracker,
        )
        return TrackedRun(session=session, tracker=tracker, advance=advance)

    run = fresh()
    await run.session.start(ex.markets["BTCUSDT"].price_decimal)
    venue.armed = True
    restarts = 0
    while True:
        try:
            await run.run()
            break
        except SimulatedCrash:
            restarts += 1
            while True:  # the restart itself can be killed too
                try:
                    run = fresh()
                    await run.restart(reference_price=prepared.reference_price)
                    break
                except SimulatedCrash:
                    restarts += 1
    venue.armed = False
    await run.poll_fills()
    return {
        "ex": ex,
        "name": name,
        "run": run,
        "restarts": restarts,
        "venue": venue,
        "factory": factory,
        "account_id": account_id,
    }


def _assert_consistent(result: dict[str, Any]) -> None:
    ex, name, run = result["ex"], result["name"], result["run"]
    open_ids = {o.client_id for o in ex.open_orders(name)}
    believed = {c for c in run.session.slot_orders if c is not None}
    assert open_ids == believed, "the engine's open orders are exactly the venue's"
    per_slot: dict[int, int] = {}
    for cid in open_ids:
        slot = run.session.order_slots[cid]
        per_slot[slot] = per_slot.get(slot, 0) + 1
    assert all(n == 1 for n in per_slot.values()), "never two live orders for one slot"
    with result["factory"]() as s:
        stored = {
            o.client_order_id: o.status
            for o in repo.orders_of_session(s, session_id=run.session.id)
        }
        fills = repo.fills_since(s, account_id=result["account_id"], since=EPOCH)
    assert set(ex.orders[name]) <= set(stored), "every venue order is in the store"
    assert all(stored[c] in (db.OrderStatus.ACKNOWLEDGED,) for c in open_ids)
    assert len(fills) == len(ex.fills[name])
    assert sum((f.realized_pnl for f in fills), Decimal(0)) == ex.accounts[name].realized
    position = sum((f.qty if f.side.value == "BUY" else -f.qty for f in fills), Decimal(0))
    assert position == ex.accounts[name].positions["BTCUSDT"].qty


@pytest.mark.parametrize("direction", ["neutral", "long"])
async def test_run_when_faults_injected_then_same_fills_and_pnl_as_clean_run(
    db_engine: Engine, direction: str
) -> None:
    spec = _spec(direction)
    clean = await _run(db_engine, spec)
    faulty = await _run(db_engine, spec, fault_rate=0.1)
    assert sum(faulty["venue"].injected.values()) > 20
    assert fills_key(faulty["ex"].fills[faulty["name"]]) == fills_key(
        clean["ex"].fills[clean["name"]]
    )
    assert (
        faulty["ex"].accounts[faulty["name"]].realized
        == clean["ex"].accounts[clean["name"]].realized
    )
    _assert_consistent(faulty)


async def test_run_when_killed_twenty_times_and_restarted_then_same_fills_and_pnl(
    db_engine: Engine,
) -> None:
    spec = _spec("neutral")
    clean = await _run(db_engine, spec)
    crashed = await _run(db_engine, spec, crash_rate=0.07, fault_rate=0.05)
    assert crashed["restarts"] >= 20
    assert fills_key(crashed["ex"].fills[crashed["name"]]) == fills_key(
        clean["ex"].fills[clean["name"]]
    )
    assert (
        crashed["ex"].accounts[crashed["name"]].realized
        == clean["ex"].accounts[clean["name"]].realized
    )
    _assert_consistent(crashed)


async def test_check_orders_when_venue_dropped_an_order_then_slot_is_rearmed_with_new_id(
    db_engine: Engine,
) -> None:
    result = await _run(db_engine, _spec("neutral"))
    run, ex, name = result["run"], result["ex"], result["name"]
    victim = next(c for c in run.session.slot_orders if c is not None)
    slot = run.session.order_slots[victim]
    ex.cancel(name, "BTCUSDT", victim)  # expired or cancelled behind the engine's back
    assert await run.check_orders() == 1
    replacement = run.session.slot_orders[slot]
    assert replacement is not None
    assert replacement != victim
    assert replacement in {o.client_id for o in ex.open_orders(name)}
    assert await run.check_orders() == 0  # nothing else to fix
