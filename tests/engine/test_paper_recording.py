"""A paper run is recorded in the store (SQLite and Postgres): orders, transitions, fills, state."""

import uuid
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import Engine, func, select

from gridarena.engine.build import open_supervisor, paper_run
from gridarena.engine.recorder import StoreRecorder
from gridarena.grid.spec import GridSpec
from gridarena.marketdata.generator import generate_market
from gridarena.store import enums as db
from gridarena.store import session_factory
from gridarena.store.models import Balance, Fill, GridSession, Order, OrderTransition, Position

MARKET = generate_market(seed=21, n_candles=1500)


async def test_paper_when_recorded_then_store_equals_venue(db_engine: Engine) -> None:
    lo, hi = float(MARKET.low.min()), float(MARKET.high.max())
    spec = GridSpec(
        symbol="BTCUSDT",
        lower=round(lo, 1),
        upper=round(hi, 1),
        grids=16,
        base_allocation=10_000,
        leverage=2,
        direction="long",
    )
    sid = f"rec-{uuid.uuid4().hex[:8]}"
    account = f"acct-{sid}"
    engine, _session, _ = paper_run(
        spec, MARKET, balance=30_000, account=account, session_id=sid, supervisor=open_supervisor()
    )
    factory = session_factory(db_engine)
    engine.attach_recorder(StoreRecorder(factory))
    await engine.run()
    await engine.close()
    venue_orders = engine.exchange.orders[account]
    venue_fills = engine.exchange.fills[account]
    with factory() as s:
        orders = s.scalars(select(Order).where(Order.session_id == sid)).all()
        assert {o.client_order_id for o in orders} == set(venue_orders)
        for order in orders:
            venue = venue_orders[order.client_order_id]
            assert order.status.value == {"NEW": "ACKNOWLEDGED"}.get(
                venue.status.value, venue.status.value
            )
            assert order.filled_qty == venue.filled
        account_id = orders[0].account_id
        fills = s.scalars(select(Fill).where(Fill.account_id == account_id)).all()
        assert len(fills) == len(venue_fills) > 0
        assert (
            sum((f.realized_pnl for f in fills), Decimal(0))
            == engine.exchange.accounts[account].realized
        )
        transitions = s.scalar(
            select(func.count())
            .select_from(OrderTransition)
            .join(Order)
            .where(Order.session_id == sid)
        )
        assert transitions >= 2 * len(orders)  # INTENT→SENT→ACKNOWLEDGED at least
        (grid,) = s.scalars(select(GridSession).where(GridSession.id == sid)).all()
        assert (grid.status, grid.stop_reason) == (db.SessionStatus.STOPPED, "replay_end")
        position = s.scalars(select(Position).where(Position.account_id == account_id)).one()
        assert position.qty == engine.exchange.positions(account)[0].qty
        balance = s.scalars(select(Balance).where(Balance.account_id == account_id)).one()
        assert balance.wallet == engine.exchange.balance(account).wallet


def test_flush_when_risk_events_buffered_then_stored_as_repo_stores_each(db_engine: Engine) -> None:
    from gridarena.engine.supervisor import RiskEventRecord
    from gridarena.store import repo, transaction
    from gridarena.store.models import RiskEvent

    factory = session_factory(db_engine)
    recorder = StoreRecorder(factory)
    account = f"risk-{uuid.uuid4().hex[:8]}"
    account_id = recorder.open_account(account, Decimal(1_000))
    values = {"qty": "0.5", "price": "100", "notional": "50", "leverage": "2"}
    records = [
        RiskEventRecord(account, 60_000 * i, "order_refused", "MIN_NOTIONAL", "no-such-session",
                        requested=values, approved=values | {"qty": "0"}, detail=f"BUY {i}")
        for i in range(3)
    ]  # fmt: skip
    recorder.risk_event(records[0])
    recorder.risk_event(records[1])
    assert recorder.flush() == 1  # one write for both
    recorder.risk_event(records[2])  # after a flush: the next batch
    assert recorder.flush() == 1
    with transaction(factory) as s:
        for r in records:  # the same events, one by one through the repository
            repo.add_risk_event(
                s, account_id=account_id, kind=r.kind, reason_code=r.reason_code,
                requested=r.requested, approved=r.approved, detail=r.detail,
                ts=datetime.fromtimestamp(r.ts_ms / 1000, tz=UTC),
            )  # fmt: skip

    def row(e: RiskEvent) -> tuple[object, ...]:
        return (e.account_id, e.session_id, e.ts, e.kind, e.reason_code, e.requested,
                e.approved, e.detail)  # fmt: skip

    with factory() as s:
        stored = s.scalars(
            select(RiskEvent).where(RiskEvent.account_id == account_id).order_by(RiskEvent.id)
        ).all()
    assert len(stored) == 6
    assert [row(e) for e in stored[:3]] == [row(e) for e in stored[3:]]
