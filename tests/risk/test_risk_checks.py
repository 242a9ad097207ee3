"""One test per pre-trade check, at the limit and one step or tick beyond it."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest

from gridarena.config.trading import ExecutionSettings, RiskSettings
from gridarena.domain.instrument import Instrument
from gridarena.domain.orders import OrderRequest, OrderType
from gridarena.domain.types import Side
from gridarena.risk import (
    AccountState,
    AccountView,
    Approve,
    Decision,
    MarketView,
    OrderIntent,
    OrderSource,
    ReasonCode,
    Reduce,
    Reject,
    RiskLimits,
    evaluate,
)

D = Decimal

INST = Instrument("BTCUSDT", D("0.1"), D("0.001"), D("0.001"), D(5), max_leverage=125)
MARKET = MarketView(INST, last=D(100), bid=D("99.9"), ask=D("100.1"))
LOOSE = RiskLimits(
    max_leverage=D(10),
    max_symbol_exposure=D(10**9),
    max_position_per_trade=D(1000),
    max_capital_per_symbol=D(1000),
    max_total_exposure=D(1000),
    min_order_value=D(5),
    max_price_deviation_pct=D(5),
)
ACCOUNT = AccountView(equity=D(10_000), available=D(10**9))


def intent(
    qty: str,
    side: Side = Side.BUY,
    price: str | None = "100",
    *,
    leverage: str = "1",
    source: OrderSource = OrderSource.GRID,
    reduce_only: bool = False,
) -> OrderIntent:
    kind = OrderType.MARKET if price is None else OrderType.LIMIT
    px = None if price is None else D(price)
    req = OrderRequest("BTCUSDT", side, kind, D(qty), "cid-1", px, reduce_only=reduce_only)
    return OrderIntent(req, D(leverage), source)


def run(
    it: OrderIntent,
    account: AccountView = ACCOUNT,
    market: MarketView = MARKET,
    **limits: object,
) -> Decision:
    return evaluate(it, account, market, dataclasses.replace(LOOSE, **limits))  # type: ignore[arg-type]


def assert_reduced(decision: Decision, qty: str, code: ReasonCode) -> None:
    assert isinstance(decision, Reduce), decision
    assert decision.qty == D(qty) == decision.request.qty == decision.approved.qty
    assert code in decision.reasons


def assert_rejected(decision: Decision, code: ReasonCode) -> None:
    assert isinstance(decision, Reject), decision
    assert code in decision.reason_codes
    assert decision.approved.qty == 0


def test_build_limits_when_from_settings_then_copies_risk_and_slippage() -> None:
    risk = RiskSettings(max_leverage=D(7), max_book_spread_pct=D("0.3"), trading_enabled=False)
    limits = RiskLimits.from_settings(risk, ExecutionSettings(slippage_bps=D(25)))
    assert limits.max_leverage == D(7)
    assert limits.max_book_spread_pct == D("0.3")
    assert limits.slippage_bps == D(25)
    assert limits.trading_enabled is False


def test_submit_when_within_every_limit_then_approves_with_record() -> None:
    decision = run(intent("1"))
    assert isinstance(decision, Approve)
    assert decision.requested == decision.approved
    assert decision.approved.notional == D(100)


@pytest.mark.parametrize(("qty", "approved"), [("20", True), ("20.001", False)])
def test_submit_when_per_trade_cap_then_reduces_one_step_over(qty: str, approved: bool) -> None:
    decision = run(intent(qty), max_position_per_trade=D("0.2"))
    if approved:
        assert isinstance(decision, Approve)
    else:
        assert_reduced(decision, "20", ReasonCode.POSITION_CAP)


def test_submit_when_symbol_exposure_at_limit_then_approves_and_step_over_reduces() -> None:
    account = dataclasses.replace(ACCOUNT, positions={"BTCUSDT": D(2)}, total_notional=D(200))
    assert isinstance(run(intent("3"), account, max_symbol_exposure=D(500)), Approve)
    decision = run(intent("3.001"), account, max_symbol_exposure=D(500))
    assert_reduced(decision, "3", ReasonCode.SYMBOL_EXPOSURE)


def test_submit_when_symbol_capital_share_exceeded_then_reduces() -> None:
    assert isinstance(run(intent("5"), max_capital_per_symbol=D("0.05")), Approve)
    decision = run(intent("5.001"), max_capital_per_symbol=D("0.05"))
    assert_reduced(decision, "5", ReasonCode.SYMBOL_CAPITAL_SHARE)


def test_submit_when_total_exposure_exceeded_then_reduces() -> None:
    account = dataclasses.replace(ACCOUNT, total_notional=D(7000))  # other symbols
    assert isinstance(run(intent("10"), account, max_total_exposure=D("0.8")), Approve)
    decision = run(intent("10.001"), account, max_total_exposure=D("0.8"))
    assert_reduced(decision, "10", ReasonCode.TOTAL_EXPOSURE)


def test_submit_when_margin_short_then_reduces_to_affordable() -> None:
    account = dataclasses.replace(ACCOUNT, available=D(100))
    assert isinstance(run(intent("2", leverage="2"), account), Approve)
    assert_reduced(run(intent("2.001", leverage="2"), account), "2", ReasonCode.INSUFFICIENT_MARGIN)


def test_submit_when_leverage_over_max_then_rejects() -> None:
    assert isinstance(run(intent("1", leverage="10")), Approve)
    assert_rejected(run(intent("1", leverage="10.01")), ReasonCode.MAX_LEVERAGE)
    in_use = dataclasses.replace(ACCOUNT, leverage_in_use={"BTCUSDT": D(11)})
    assert_rejected(run(intent("1"), in_use), ReasonCode.MAX_LEVERAGE)


def test_submit_when_account_leverage_exceeded_then_reduces() -> None:
    account = dataclasses.replace(ACCOUNT, equity=D(100))
    assert isinstance(run(intent("10"), account), Approve)
    assert_reduced(run(intent("10.001"), account), "10", ReasonCode.MAX_LEVERAGE)


def test_submit_when_llm_leverage_outside_band_then_rejects() -> None:
    assert isinstance(run(intent("1", leverage="3", source=OrderSource.LLM)), Approve)
    llm_low = intent("1", leverage="2.99", source=OrderSource.LLM)
    assert_rejected(run(llm_low), ReasonCode.LEVERAGE_BAND)
    assert isinstance(run(intent("1", leverage="2.99")), Approve)  # grid: no band
    banded = dataclasses.replace(ACCOUNT, leverage_band=(D(1), D(2)))
    assert_rejected(run(llm_low, banded), ReasonCode.LEVERAGE_BAND)


def test_submit_when_below_min_notional_then_rejects() -> None:
    assert isinstance(run(intent("0.05")), Approve)  # 0.05 x 100 = 5
    assert_rejected(run(intent("0.049")), ReasonCode.MIN_NOTIONAL)


def test_submit_when_reduced_under_min_notional_then_rejects_with_both_codes() -> None:
    decision = run(intent("1"), max_symbol_exposure=D("4.99"))
    assert_rejected(decision, ReasonCode.MIN_NOTIONAL)
    assert ReasonCode.SYMBOL_EXPOSURE in decision.reason_codes  # type: ignore[union-attr]


def test_submit_when_spread_too_wide_then_rejects() -> None:
    at_limit = dataclasses.replace(MARKET, bid=D("99.95"), ask=D("100.05"))
    assert isinstance(run(intent("1"), market=at_limit, max_book_spread_pct=D("0.1")), Approve)
    wide = dataclasses.replace(MARKET, bid=D("99.95"), ask=D("100.1"))
    decision = run(intent("1"), market=wide, max_book_spread_pct=D("0.1"))
    assert_rejected(decision, ReasonCode.SPREAD_TOO_WIDE)


def test_submit_market_when_touch_beyond_slippage_then_rejects() -> None:
    assert isinstance(run(intent("1", price=None), slippage_bps=D(10)), Approve)  # ask 100.1
    far = dataclasses.replace(MARKET, ask=D("100.2"))
    assert_rejected(run(intent("1", price=None), market=far), ReasonCode.SLIPPAGE)
    no_book = dataclasses.replace(MARKET, bid=None, ask=None)
    assert_rejected(run(intent("1", price=None), market=no_book), ReasonCode.MARKET_DATA_MISSING)


def test_submit_limit_when_price_through_deviation_band_then_rejects() -> None:
    assert isinstance(run(intent("1", price="105")), Approve)
    assert_rejected(run(intent("1", price="105.1")), ReasonCode.PRICE_DEVIATION)
    assert isinstance(run(intent("1", Side.SELL, "95")), Approve)
    assert_rejected(run(intent("1", Side.SELL, "94.9")), ReasonCode.PRICE_DEVIATION)
    assert isinstance(run(intent("1", price="50")), Approve)  # passive level far away


def test_submit_when_symbol_not_allowed_then_rejects() -> None:
    account = dataclasses.replace(ACCOUNT, allowed_symbols=frozenset({"ETHUSDT"}))
    assert_rejected(run(intent("1"), account), ReasonCode.SYMBOL_NOT_ALLOWED)


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"kill_switch": True}, ReasonCode.KILL_SWITCH),
        ({"state": AccountState.HALTED}, ReasonCode.ACCOUNT_HALTED),
        ({"state": AccountState.REDUCING}, ReasonCode.ACCOUNT_REDUCING),
    ],
)
def test_submit_when_account_restricted_then_rejects_opening_and_allows_close(
    changes: dict[str, object], code: ReasonCode
) -> None:
    account = dataclasses.replace(ACCOUNT, positions={"BTCUSDT": D(1)}, **changes)  # type: ignore[arg-type]
    assert_rejected(run(intent("1"), account), code)
    assert isinstance(run(intent("1", Side.SELL, reduce_only=True), account), Approve)
    plain_close = run(intent("1", Side.SELL), account)
    assert_rejected(plain_close, ReasonCode.REDUCE_ONLY_REQUIRED)


def test_submit_when_global_trading_disabled_then_rejects() -> None:
    assert_rejected(run(intent("1"), trading_enabled=False), ReasonCode.KILL_SWITCH)


def test_close_when_reduce_only_would_flip_then_reduces_to_position() -> None:
    account = dataclasses.replace(ACCOUNT, positions={"BTCUSDT": D("-0.5")})
    assert isinstance(run(intent("0.5", reduce_only=True), account), Approve)
    decision = run(intent("0.501", reduce_only=True), account)
    assert_reduced(decision, "0.5", ReasonCode.REDUCE_ONLY_WOULD_FLIP)


def test_close_when_reduce_only_without_opposite_position_then_rejects() -> None:
    assert_rejected(run(intent("1", reduce_only=True)), ReasonCode.REDUCE_ONLY_WOULD_INCREASE)


def test_close_when_dust_below_min_notional_then_still_approves() -> None:
    account = dataclasses.replace(ACCOUNT, positions={"BTCUSDT": D("0.01")})
    assert isinstance(run(intent("0.01", Side.SELL, reduce_only=True), account), Approve)


def test_submit_when_quantity_not_positive_then_rejects_invalid() -> None:
    assert_rejected(run(intent("0")), ReasonCode.INVALID_ORDER)
