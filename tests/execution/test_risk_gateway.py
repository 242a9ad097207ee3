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
