"""Property: no approved or reduced order breaks a configured limit."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from gridarena.domain.instrument import Instrument
from gridarena.domain.orders import OrderRequest, OrderType
from gridarena.domain.types import Side
from gridarena.risk import (
    AccountState,
    AccountView,
    MarketView,
    OrderIntent,
    OrderSource,
    Reject,
    RiskLimits,
    evaluate,
)

INST = Instrument("BTCUSDT", Decimal("0.1"), Decimal("0.001"), Decimal("0.001"), Decimal(5))


def _dec(lo: int, hi: int, scale: str = "1") -> st.SearchStrategy[Decimal]:
    return st.integers(lo, hi).map(lambda n: Decimal(n) * Decimal(scale))


limits_st = st.builds(
    RiskLimits,
    max_leverage=_dec(1, 50),
    max_symbol_exposure=_dec(1, 100_000),
    max_position_per_trade=_dec(1, 100, "0.01"),
    max_capital_per_symbol=_dec(1, 100, "0.01"),
    max_total_exposure=_dec(1, 300, "0.01"),
    min_order_value=_dec(0, 50),
    max_book_spread_pct=st.none() | _dec(1, 100, "0.01"),
)


@st.composite
def scenario(draw: st.DrawFn) -> tuple[OrderIntent, AccountView, MarketView, RiskLimits]:
    last = draw(_dec(1, 2_000_000, "0.1"))
    half_spread = draw(_dec(0, 50, "0.1"))
    market = MarketView(INST, last, max(last - half_spread, Decimal("0.1")), last + half_spread)
    position = draw(_dec(-50_000, 50_000, "0.001"))
    equity = draw(_dec(-1000, 200_000))
    own = abs(position) * last
    account = AccountView(
        equity=equity,
        available=draw(_dec(0, 200_000)),
        positions={"BTCUSDT": position},
        total_notional=own + draw(_dec(0, 200_000)),
        state=draw(st.sampled_from(AccountState)),
        kill_switch=draw(st.booleans()),
    )
    side = draw(st.sampled_from(Side))
    market_order = draw(st.booleans())
    price = None if market_order else last + draw(_dec(-1000, 1000, "0.1"))
    if price is not None and price <= 0:
        price = last
    kind = OrderType.MARKET if market_order else OrderType.LIMIT
    req = OrderRequest(
        "BTCUSDT",
        side,
        kind,
        draw(_dec(1, 100_000, "0.001")),
        "c",
        price,
        reduce_only=draw(st.booleans()),
    )
    it = OrderIntent(req, draw(_dec(1, 200, "0.1")), draw(st.sampled_from(OrderSource)))
    return it, account, market, draw(limits_st)


@settings(max_examples=400, deadline=None)
@given(scenario())
def test_evaluate_when_any_input_then_accepted_order_keeps_every_limit(
    case: tuple[OrderIntent, AccountView, MarketView, RiskLimits],
) -> None:
    it, account, market, limits = case
    decision = evaluate(it, account, market, limits)
    if isinstance(decision, Reject):
        assert decision.approved.qty == 0
        return
    req = decision.request
    assert 0 < req.qty <= it.request.qty
    assert req.qty % INST.step_size == 0 or req.reduce_only
    before = account.position("BTCUSDT")
    after = before + req.side.sign * req.qty
    if abs(after) <= abs(before) and after * before >= 0:
        return  # only shrinks the position: always allowed, never flips
    assert not req.reduce_only
    assert account.state is AccountState.ACTIVE
    assert not account.kill_switch
    assert it.leverage <= limits.max_leverage
    order_px = req.price if req.price is not None else market.ask
    assert order_px is not None
    value = max(order_px, market.last)
    symbol_after = abs(after) * value
    other = account.total_notional - abs(before) * market.last
    assert req.qty * order_px >= max(limits.min_order_value, INST.min_notional)
    assert req.qty * value <= limits.max_position_per_trade * account.equity
    assert symbol_after <= limits.max_symbol_exposure
    assert symbol_after <= limits.max_capital_per_symbol * account.equity
    assert other + symbol_after <= limits.max_total_exposure * account.equity
    assert other + symbol_after <= limits.max_leverage * account.equity
    new_exposure = max(abs(after) - max(before * req.side.sign, Decimal(0)), Decimal(0))
    assert new_exposure * value <= account.available * it.leverage
