"""The paper engine's bookkeeping: the order sessions react in, the equity book."""

from decimal import Decimal

import pytest

from gridarena.domain.orders import OrderRequest, OrderType
from gridarena.domain.types import Side
from gridarena.engine.build import open_supervisor, paper_run
from gridarena.engine.equity import EquityBook
from gridarena.engine.session import GridSession
from gridarena.grid.spec import GridSpec
from gridarena.marketdata.generator import generate_market
from gridarena.venues.base import FundingPaid
from gridarena.venues.base import VenueEvent as Event
from gridarena.venues.sim.venue import SimVenue

MARKET = generate_market(seed=5, n_candles=300)


def _spec() -> GridSpec:
    lo, hi = float(MARKET.low.min()), float(MARKET.high.max())
    return GridSpec(
        symbol="BTCUSDT", lower=round(lo, 1), upper=round(hi, 1), grids=10,
        base_allocation=1_000, leverage=2,
    )  # fmt: skip


async def test_drain_when_several_sessions_touched_then_they_react_in_arrival_order() -> None:
    engine, first, prepared = paper_run(_spec(), MARKET, supervisor=open_supervisor())
    sessions = [first]
    for i in range(2, 8):
        account = f"acct-{i}"
        engine.exchange.add_account(account, Decimal(1_000))
        session = GridSession(
            session_id=f"s{i}",
            account=account,
            venue=SimVenue(engine.exchange, account),
            spec=_spec(),
            prepared=prepared,
        )
        engine.add_session(session)
        sessions.append(session)
    handled: list[str] = []
    for s in sessions:

        async def handle(event: Event, sid: str = s.id) -> None:
            del event
            handled.append(sid)

        engine._queues[s.id]._handler = handle
    arrival = list(reversed(sessions))
    for s in arrival:
        engine._push(s, FundingPaid("BTCUSDT", Decimal(0), Decimal(0), 0))
    await engine.drain()
    assert handled == [s.id for s in arrival]
    await engine.close()


def test_sample_when_account_has_no_money_then_drawdown_stays_zero() -> None:
    engine, _, _ = paper_run(_spec(), MARKET, supervisor=open_supervisor())
    engine.exchange.add_account("empty", Decimal(0))
    book = EquityBook(engine.exchange, keep_curves=2)
    book.add("paper")
    book.add("empty")
    equity = book.sample()  # a zero peak must not divide (warnings are errors here)
    assert equity.tolist() == [1_000.0, 0.0]
    assert book.max_drawdown("empty") == 0.0
    assert book.curves == {"paper": [1_000.0], "empty": [0.0]}


async def test_sample_when_account_trades_without_a_session_then_curve_follows_its_position() -> (
    None
):
    engine, _, _ = paper_run(_spec(), MARKET, supervisor=open_supervisor())
    ex = engine.exchange
    ex.add_account("trader", Decimal(1_000))
    engine.equity.add("trader")
    ex.place("trader", OrderRequest("BTCUSDT", Side.BUY, OrderType.MARKET, Decimal("0.01"), "m-1"))
    await engine.run(max_ticks=40)
    acct = ex.accounts["trader"]
    pos = acct.positions["BTCUSDT"]
    expected = float(acct.wallet) + float(pos.qty) * (
        ex.markets["BTCUSDT"].price - float(pos.entry)
    )
    curve = engine.equity.curves["trader"]
    assert len(set(curve)) > 1  # it moves with the price, not the starting wallet
    assert curve[-1] == pytest.approx(expected)
    await engine.close()
