"""The order tracker never sends an order twice and never loses one, whatever fails."""

import random
import uuid
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from gridarena.domain.instrument import INSTRUMENTS
from gridarena.domain.orders import Order, OrderRequest, OrderType
from gridarena.domain.types import Side
from gridarena.engine.clock import ManualClock
from gridarena.execution.retry import Backoff
from gridarena.execution.tracker import OrderTracker
from gridarena.marketdata.candles import Candles
from gridarena.store import enums as db
from gridarena.store import repo, session_factory, transaction
from gridarena.venues.errors import OrderNotFound, OrderRejected
from gridarena.venues.sim.exchange import SimExchange
from gridarena.venues.sim.faulty import FaultyVenue
from gridarena.venues.sim.market import SimMarket
from gridarena.venues.sim.venue import SimVenue

D = Decimal
FAST = Backoff(attempts=6, base=0.01, cap=0.05, jitter=False)


def _exchange() -> SimExchange:
    rows = np.array([[60_000.0, 60_100.0, 59_900.0, 60_000.0]] * 3)
    candles = Candles(
        symbol="BTCUSDT",
        timeframe_ms=60_000,
        ts_ms=np.arange(3, dtype=np.int64) * 60_000,
        open=rows[:, 0],
        high=rows[:, 1],
        low=rows[:, 2],
        close=rows[:, 3],
        volume=np.ones(3),
    )
    ex = SimExchange([SimMarket(INSTRUMENTS["BTCUSDT"], candles)])
    ex.add_account("a", D(1_000_000))
    return ex


def _account(factory: sessionmaker[Session]) -> int:
    with transaction(factory) as s:
        provider = repo.create_provider(
            s, name=f"p-{uuid.uuid4().hex[:8]}", kind=db.ProviderKind.RULE
        )
        account = repo.create_account(
            s,
            name=f"a-{uuid.uuid4().hex[:8]}",
            provider_id=provider.id,
            venue="sim",
            starting_balance=D(1_000_000),
        )
        return account.id


def _tracker(
    db_engine: Engine, script: list[str | None], **faulty: object
) -> tuple[OrderTracker, SimExchange, ManualClock]:
    factory = session_factory(db_engine)
    ex = _exchange()
    venue = FaultyVenue(SimVenue(ex, "a"), script=script, **faulty)  # type: ignore[arg-type]
    clock = ManualClock()
    tracker = OrderTracker(
        venue=venue,
        factory=factory,
        account_id=_account(factory),
        backoff=FAST,
        clock=clock,
        rng=random.Random(1),
    )
    return tracker, ex, clock


def _request(i: int, price: str = "59000") -> OrderRequest:
    cid = f"t-{uuid.uuid4().hex[:10]}-{i}"
    return OrderRequest("BTCUSDT", Side.BUY, OrderType.LIMIT, D("0.01"), cid, price=D(price))


def _history(tracker: OrderTracker, cid: str) -> list[str]:
    with tracker.factory() as s:
        row = repo.get_order_by_client_id(s, account_id=tracker.account_id, client_order_id=cid)
        assert row is not None
        return [t.to_status.value for t in repo.order_history(s, order_id=row.id)]


async def test_submit_when_venue_answers_then_every_transition_is_stored(db_engine: Engine) -> None:
    tracker, ex, _ = _tracker(db_engine, [])
    req = _request(0)
    order = await tracker.submit(req, session_id=None, slot=3, cycle=1)
    assert order is not None
    assert _history(tracker, req.client_id) == ["INTENT", "SENT", "ACKNOWLEDGED"]
    assert len(ex.orders["a"]) == 1


async def test_submit_when_reply_lost_after_accept_then_found_by_client_id_not_resent(
    db_engine: Engine,
) -> None:
    tracker, ex, _ = _tracker(db_engine, ["after_accept"])
    req = _request(1)
    order = await tracker.submit(req)
    assert order is not None
    assert order.client_id == req.client_id
    assert tracker.stats.resolved_found == 1
    assert tracker.stats.resent == 0
    assert list(ex.orders["a"]) == [req.client_id]
    assert _history(tracker, req.client_id) == ["INTENT", "SENT", "UNKNOWN", "ACKNOWLEDGED"]


async def test_submit_when_lost_before_accept_then_resent_with_same_id_once_absent(
    db_engine: Engine,
) -> None:
    tracker, ex, _ = _tracker(db_engine, ["before_accept"])
    req = _request(2)
    await tracker.submit(req)
    assert tracker.stats.resent == 1
    assert list(ex.orders["a"]) == [req.client_id]
    assert _history(tracker, req.client_id) == ["INTENT", "SENT", "UNKNOWN", "SENT", "ACKNOWLEDGED"]


async def test_submit_when_stale_read_says_absent_then_duplicate_refusal_is_adopted(
    db_engine: Engine,
) -> None:
    # The reply is lost after acceptance, then a lagging replica says "no such order": the
    # tracker re-sends with the SAME id, the venue refuses the duplicate (-4116), and the
    # tracker adopts the order it already has. Still exactly one order.
    tracker, ex, _ = _tracker(db_engine, ["after_accept"])
    venue = tracker.venue
    assert isinstance(venue, FaultyVenue)
    original = venue.get_order
    calls = 0

    async def stale_once(symbol: str, client_id: str) -> Order:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise OrderNotFound("Order does not exist.", code=-2013)
        return await original(symbol, client_id)

    venue.get_order = stale_once  # type: ignore[method-assign]
    req = _request(3)
    order = await tracker.submit(req)
    assert order is not None
    assert tracker.stats.adopted_duplicates == 1
    assert list(ex.orders["a"]) == [req.client_id]
    assert ex.stats["duplicate_client_id"] == 1


async def test_submit_when_venue_refuses_then_rejected_is_stored_and_raised(
    db_engine: Engine,
) -> None:
    tracker, ex, _ = _tracker(db_engine, [])
    req = _request(4, price="59000.05")  # off the tick
    with pytest.raises(OrderRejected):
        await tracker.submit(req)
    assert _history(tracker, req.client_id)[-1] == "REJECTED"
    assert ex.orders["a"] == {}


async def test_submit_when_intent_already_stored_then_venue_is_asked_not_sent_again(
    db_engine: Engine,
) -> None:
    tracker, ex, _ = _tracker(db_engine, [])
    req = _request(5)
    await tracker.submit(req)
    again = await tracker.submit(req)  # e.g. after a restart
    assert again is not None
    assert ex.stats["accepted"] == 1
    assert ex.stats["duplicate_client_id"] == 0


async def test_submit_when_rate_limited_then_waits_retry_after_on_the_clock(
    db_engine: Engine,
) -> None:
    tracker, ex, clock = _tracker(db_engine, ["rate_limited", "rate_limited"])
    await tracker.submit(_request(6))
    assert clock.sleeps == [0.01, 0.01]
    assert len(ex.orders["a"]) == 1


async def test_cancel_when_reply_lost_then_cancellation_is_confirmed_and_stored(
    db_engine: Engine,
) -> None:
    tracker, _ex, _ = _tracker(db_engine, [None, "after_accept"])
    req = _request(7)
    await tracker.submit(req)
    order = await tracker.cancel("BTCUSDT", req.client_id)
    assert order is not None
    assert order.status.value == "CANCELED"
    assert _history(tracker, req.client_id)[-1] == "CANCELED"


async def test_record_fill_when_same_trade_twice_then_second_is_ignored(db_engine: Engine) -> None:
    tracker, ex, _ = _tracker(db_engine, [])
    req = OrderRequest(
        "BTCUSDT", Side.BUY, OrderType.MARKET, D("0.01"), f"m-{uuid.uuid4().hex[:8]}"
    )
    await tracker.submit(req)
    (fill,) = ex.fills["a"]
    assert tracker.record_fill(fill) is True
    assert tracker.record_fill(fill) is False


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    faults=st.lists(
        st.sampled_from(
            [None, None, "after_accept", "before_accept", "unavailable", "rate_limited"]
        ),
        max_size=40,
    ),
    stale=st.floats(0, 0.3),
)
async def test_submit_when_any_faults_then_each_order_exists_once_and_store_equals_venue(
    db_engine: Engine, faults: list[str | None], stale: float
) -> None:
    tracker, ex, _ = _tracker(db_engine, faults, read_rate=stale, seed=len(faults))
    requests = [_request(i, price=str(59_000 - 10 * i)) for i in range(12)]
    results: list[object] = []
    for r in requests:
        try:
            results.append(await tracker.submit(r))
        except OrderRejected:
            results.append("rejected")
    venue_ids = list(ex.orders["a"])
    assert len(venue_ids) == len(set(venue_ids))  # never twice
    with tracker.factory() as s:
        for req, result in zip(requests, results, strict=True):
            row = repo.get_order_by_client_id(
                s, account_id=tracker.account_id, client_order_id=req.client_id
            )
            assert row is not None
            if result == "rejected":  # refused (e.g. rate limit outlasted the retries)
                assert req.client_id not in ex.orders["a"]
                assert row.status is db.OrderStatus.REJECTED
            elif result is not None:  # resolved: the store says what the venue says
                assert req.client_id in ex.orders["a"]
                assert row.status is db.OrderStatus.ACKNOWLEDGED
            else:  # unresolved stays UNKNOWN for reconciliation, never silently dropped
                assert row.status in (db.OrderStatus.UNKNOWN, db.OrderStatus.SENT)
