"""Every order passes the risk gate before it reaches the venue; refusals carry reason codes."""

from decimal import Decimal

import numpy as np
import pytest

from gridarena.domain.instrument import INSTRUMENTS
from gridarena.domain.orders import OrderRequest, OrderType
from gridarena.domain.types import Side
from gridarena.execution.gateway import DirectGateway
from gridarena.execution.risk_gateway import RiskGateway, RiskRefused
from gridarena.marketdata.candles import Candles
from gridarena.risk import Reject, RiskLimits
from gridarena.venues.sim.exchange import SimExchange
from gridarena.venues.sim.market import SimMarket
from gridarena.venues.sim.venue import SimVenue

D = Decimal


def _venue() -> tuple[SimExchange, SimVenue]:
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
    ex.add_account("a", D(10_000))
    return ex, SimVenue(ex, "a")


def _gate(venue: SimVenue, **kw: object) -> tuple[RiskGateway, list[object]]:
    decisions: list[object] = []
    gate = RiskGateway(
        DirectGateway(venue),
        venue=venue,
        limits=RiskLimits(max_price_deviation_pct=None),
        leverage=D(2),
        on_decision=lambda _req, d: decisions.append(d),
        **kw,  # type: ignore[arg-type]
    )
    return gate, decisions


def _buy(qty: str, cid: str) -> OrderRequest:
    return OrderRequest("BTCUSDT", Side.BUY, OrderType.LIMIT, D(qty), cid, price=D("59000"))


async def test_place_when_within_limits_then_order_reaches_venue_unchanged() -> None:
    ex, venue = _venue()
    gate, decisions = _gate(venue)
    await gate.place(_buy("0.01", "ok-1"), session_id="s", slot=0, cycle=1)
    assert ex.get("a", "ok-1").qty == D("0.01")
    assert type(decisions[0]).__name__ == "Approve"


async def test_place_when_above_per_trade_cap_then_reduced_before_sending() -> None:
    ex, venue = _venue()
    gate, decisions = _gate(venue)
    # 20 % of 10,000 equity = 2,000 quote per trade → 0.033 BTC at 59,000 (step 0.001).
    await gate.place(_buy("0.1", "big-1"), session_id="s", slot=0, cycle=1)
    assert ex.get("a", "big-1").qty == D("0.033")
    assert type(decisions[0]).__name__ == "Reduce"


async def test_place_when_kill_switch_on_then_refused_and_nothing_sent() -> None:
    ex, venue = _venue()
    gate, decisions = _gate(venue, kill_switch=lambda: True)
    with pytest.raises(RiskRefused) as err:
        await gate.place(_buy("0.01", "k-1"), session_id="s", slot=0, cycle=1)
    assert "KILL_SWITCH" in err.value.reason_codes
    assert ex.orders["a"] == {}
    assert isinstance(decisions[0], Reject)


# --- the simulator's in-process views: the same figures, fresh for every order ----------------


class _ProxiedSim(SimVenue):
    """The same simulator, not recognised as one: read through the venue protocol."""


def _two_candle_venue(second: float) -> tuple[SimExchange, SimVenue]:
    rows = np.array([[60_000.0] * 4, [second] * 4])
    candles = Candles(
        symbol="BTCUSDT",
        timeframe_ms=60_000,
        ts_ms=np.arange(2, dtype=np.int64) * 60_000,
        open=rows[:, 0],
        high=rows[:, 1],
        low=rows[:, 2],
        close=rows[:, 3],
        volume=np.ones(2),
    )
    ex = SimExchange([SimMarket(INSTRUMENTS["BTCUSDT"], candles)])
    ex.add_account("a", D(10_000))
    return ex, SimVenue(ex, "a")


async def test_views_when_sim_venue_then_equal_what_the_venue_calls_give() -> None:
    ex, venue = _venue()
    ex.set_leverage("a", "BTCUSDT", 3)
    ex.place("a", OrderRequest("BTCUSDT", Side.BUY, OrderType.MARKET, D("0.05"), "m1"))
    ex.place("a", _buy("0.02", "r1"))
    ex.step()
    ex.step()
    fast, _ = _gate(venue)
    slow, _ = _gate(_ProxiedSim(ex, "a"))
    assert fast._sim is venue
    assert slow._sim is None
    assert await fast._views("BTCUSDT") == await slow._views("BTCUSDT")


async def test_place_when_earlier_order_took_the_margin_then_next_is_cut_to_what_is_left() -> None:
    ex, venue = _two_candle_venue(60_000.0)
    ex.set_leverage("a", "BTCUSDT", 1)
    decisions: list[object] = []
    gate = RiskGateway(
        DirectGateway(venue),
        venue=venue,
        limits=RiskLimits.unrestricted(),
        leverage=D(1),
        on_decision=lambda _req, d: decisions.append(d),
    )
    await gate.place(_buy("0.1", "m-1"), session_id="s", slot=0, cycle=1)  # reserves 5,900
    await gate.place(_buy("0.1", "m-2"), session_id="s", slot=1, cycle=1)
    assert type(decisions[0]).__name__ == "Approve"
    assert type(decisions[1]).__name__ == "Reduce"
    assert "INSUFFICIENT_MARGIN" in decisions[1].reasons  # type: ignore[attr-defined]
    assert ex.get("a", "m-2").qty == D("0.068")  # 4,100 left, valued at the last 60,000


async def test_place_when_price_moved_then_deviation_checked_against_the_new_price() -> None:
    ex, venue = _two_candle_venue(57_000.0)
    gate = RiskGateway(
        DirectGateway(venue), venue=venue, limits=RiskLimits(), leverage=D(2)
    )  # fmt: skip
    over = D("61000")  # 1.7 % through 60,000; 7 % through 57,000 (the band is 5 %)
    await gate.place(
        OrderRequest("BTCUSDT", Side.BUY, OrderType.LIMIT, D("0.01"), "d-1", price=over),
        session_id="s", slot=0, cycle=1,
    )  # fmt: skip
    for _ in range(5):
        ex.step()
    assert ex.markets["BTCUSDT"].price == 57_000.0
    with pytest.raises(RiskRefused) as err:
        await gate.place(
            OrderRequest("BTCUSDT", Side.BUY, OrderType.LIMIT, D("0.01"), "d-2", price=over),
            session_id="s", slot=0, cycle=2,
        )  # fmt: skip
    assert "PRICE_DEVIATION" in err.value.reason_codes


async def test_place_when_symbol_outside_the_accounts_list_then_refused() -> None:
    ex, venue = _venue()
    gate, decisions = _gate(venue, allowed_symbols=lambda: frozenset({"ETHUSDT"}))
    with pytest.raises(RiskRefused) as err:
        await gate.place(_buy("0.01", "off-1"), session_id="s", slot=0, cycle=1)
    assert "SYMBOL_NOT_ALLOWED" in err.value.reason_codes
    assert ex.orders["a"] == {}
    assert isinstance(decisions[0], Reject)
