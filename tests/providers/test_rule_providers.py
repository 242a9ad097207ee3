"""Rule-based baselines: valid decisions on real-ish snapshots, and their own behaviour."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from provider_snapshots import SYMBOLS, make_account, make_context, make_snapshot, real_snapshots

from gridarena.domain.types import Spacing
from gridarena.engine.clock import ManualClock
from gridarena.providers import (
    AccountSummary,
    ActionDecision,
    AtrGridProvider,
    BuyAndHoldProvider,
    DecisionContext,
    GridDecision,
    IndicatorVoterProvider,
    PositionSummary,
    ProviderResult,
    RandomProvider,
    RuleProvider,
    Rules,
    StaticGridProvider,
    check_decision,
)
from gridarena.providers.types import ACTION_NAMES, ActionName
from gridarena.store.enums import ProviderKind

SNAPSHOTS = real_snapshots()


def all_baselines() -> list[RuleProvider]:
    return [
        StaticGridProvider("static"),
        StaticGridProvider("static-pct", range_pct=Decimal("0.01"), levels=40),
        AtrGridProvider("atr"),
        IndicatorVoterProvider("voter", threshold=1),
        BuyAndHoldProvider("hodl"),
        RandomProvider("random", seed=7),
    ]


async def test_decide_when_real_snapshots_then_every_baseline_valid() -> None:
    providers = all_baselines()
    seen: set[str] = set()

    for snapshot in SNAPSHOTS:
        ctx = make_context(snapshot)
        for provider in providers:
            result = await provider.decide(ctx)

            assert result.outcome == "ok", (provider, snapshot.symbol, result.error)
            check_decision(result.decision, ctx)
            assert result.cost == Decimal(0)
            assert result.prompt.startswith("rule=")
            seen.add(type(result.decision).__name__)

    assert seen == {"GridDecision", "ActionDecision"}
    assert {p.kind for p in providers} == {ProviderKind.RULE}


async def test_decide_when_static_grid_then_range_brackets_price_and_pays_fees() -> None:
    ctx = make_context(make_snapshot(price=60_000.0, atr=100.0))

    result = await StaticGridProvider("static", levels=10, atr_k=Decimal(3)).decide(ctx)

    assert isinstance(result.decision, GridDecision)
    spec = result.decision.spec
    assert spec.spacing is Spacing.ARITHMETIC
    assert spec.lower == Decimal(59_700)
    assert spec.upper == Decimal(60_300)
    assert spec.base_allocation == Decimal("100.00")  # 20 % of the 500 balance
    assert spec.leverage == 3
    # 600 wide: 10 slots of 60 would be 0.1 % each, above 2 × 0.02 % maker fee.
    assert spec.grids == 10
    spec.check_spacing(ctx.rules.maker_fee)


async def test_decide_when_static_grid_too_fine_for_fees_then_fewer_slots() -> None:
    rules = Rules(symbols=SYMBOLS, maker_fee=Decimal("0.001"))
    ctx = make_context(make_snapshot(price=60_000.0, atr=100.0), rules=rules)

    result = await StaticGridProvider("static", levels=50).decide(ctx)

    assert isinstance(result.decision, GridDecision)
    spec = result.decision.spec
    assert spec.grids is not None
    assert spec.grids < 50
    spec.check_spacing(rules.maker_fee)


async def test_decide_when_atr_grid_then_spacing_from_atr_and_fee_safe() -> None:
    ctx = make_context(make_snapshot(price=60_000.0, atr=120.0))

    result = await AtrGridProvider("atr", levels=5, atr_multiplier=Decimal("0.5")).decide(ctx)

    assert isinstance(result.decision, GridDecision)
    spec = result.decision.spec
    assert spec.spacing is Spacing.ATR
    assert spec.grid_levels_each_side == 5
    assert spec.atr_multiplier == Decimal("0.5")
    spec.check_spacing(ctx.rules.maker_fee, reference_price=60_000.0, atr=120.0)


async def test_decide_when_atr_tiny_then_multiplier_raised_to_pay_fees() -> None:
    ctx = make_context(make_snapshot(price=60_000.0, atr=5.0))

    result = await AtrGridProvider("atr", atr_multiplier=Decimal("0.5")).decide(ctx)

    assert isinstance(result.decision, GridDecision)
    spec = result.decision.spec
    assert spec.atr_multiplier is not None
    assert spec.atr_multiplier > Decimal("0.5")
    spec.check_spacing(ctx.rules.maker_fee, reference_price=60_000.0, atr=5.0)


async def test_decide_when_atr_missing_then_grid_baselines_adapt() -> None:
    ctx = make_context(make_snapshot(atr=None))

    atr_result = await AtrGridProvider("atr").decide(ctx)
    static_result = await StaticGridProvider("static").decide(ctx)

    assert atr_result.is_hold
    assert atr_result.outcome == "ok"
    assert isinstance(static_result.decision, GridDecision)  # falls back to ± 2 %


async def test_decide_when_grids_not_allowed_then_hold_invalid_not_raise() -> None:
    ctx = make_context(rules=Rules(symbols=SYMBOLS, allow_grid=False))

    result = await StaticGridProvider("static").decide(ctx)

    assert result.outcome == "invalid"
    assert result.is_hold
    assert result.error is not None
    assert "grid decisions are not allowed" in result.error


@pytest.mark.parametrize(
    ("hist", "rsi_state", "kdj_cross", "expected"),
    [
        (5.0, "OVERSOLD", "GOLDEN", "BUY"),
        (-5.0, "OVERBOUGHT", "DEATH", "SELL"),
        (5.0, "OVERBOUGHT", "NONE", "HOLD"),
    ],
)
async def test_decide_when_votes_given_then_voter_follows_majority(
    hist: float, rsi_state: str, kdj_cross: str, expected: ActionName
) -> None:
    snapshot = make_snapshot(macd_hist=hist, rsi_state=rsi_state, kdj_cross=kdj_cross)

    result = await IndicatorVoterProvider("voter").decide(make_context(snapshot))

    assert isinstance(result.decision, ActionDecision)
    action = result.decision.action
    assert action.action == expected
    if expected != "HOLD":
        assert action.confidence == 1.0
        assert action.size_pct == Decimal("0.2")
        assert action.leverage == Decimal(3)
        assert action.take_profit is not None
        assert action.stop_loss is not None


async def test_decide_when_long_and_votes_bearish_then_voter_closes() -> None:
    long = PositionSummary(symbol="BTCUSDT", qty=Decimal("0.002"), entry_price=Decimal(59_000))
    snapshot = make_snapshot(macd_hist=-3.0, rsi_state="OVERBOUGHT")
    ctx = make_context(snapshot, account=make_account(positions=[long]))

    result = await IndicatorVoterProvider("voter").decide(ctx)

    assert isinstance(result.decision, ActionDecision)
    assert result.decision.action.action == "CLOSE"


async def test_decide_when_called_repeatedly_then_buy_and_hold_buys_once() -> None:
    provider = BuyAndHoldProvider("hodl")
    ctx = make_context()

    first = await provider.decide(ctx)
    second = await provider.decide(ctx)
    other = await provider.decide(make_context(make_snapshot(symbol="ETHUSDT", price=3_000.0)))

    assert isinstance(first.decision, ActionDecision)
    assert first.decision.action.action == "BUY"
    assert first.decision.action.size_pct == Decimal("0.2")
    assert second.is_hold
    assert isinstance(other.decision, ActionDecision)
    assert other.decision.action.action == "BUY"


async def test_decide_when_no_margin_available_then_buy_and_hold_holds() -> None:
    ctx = make_context(account=make_account(available="0"))

    result = await BuyAndHoldProvider("hodl").decide(ctx)

    assert result.is_hold
    assert result.outcome == "ok"


async def test_decide_when_same_seed_then_random_sequences_equal() -> None:
    contexts = [make_context(s) for s in SNAPSHOTS[:20]]

    async def run(seed: int) -> list[str]:
        provider = RandomProvider("random", seed=seed)
        return [(await provider.decide(ctx)).model_dump_json() for ctx in contexts]

    first, again, other = await run(3), await run(3), await run(4)

    assert first == again
    assert first != other


async def test_decide_when_clock_given_then_latency_from_clock() -> None:
    clock = ManualClock(start=10.0)

    result = await RandomProvider("random", clock=clock).decide(make_context())

    assert result.latency_ms == 0


# --- property: the random baseline is always valid under the rules ------------------------

_DEC = st.decimals(min_value=Decimal("0.01"), max_value=Decimal(10_000), places=2)


@st.composite
def contexts(draw: st.DrawFn) -> DecisionContext:
    symbol = draw(st.sampled_from(SYMBOLS))
    price = draw(st.floats(min_value=1e-4, max_value=1e6, allow_nan=False))
    atr = draw(st.one_of(st.none(), st.floats(min_value=1e-6, max_value=price)))
    low = draw(st.decimals(min_value=Decimal(1), max_value=Decimal(20), places=1))
    high = low + draw(st.decimals(min_value=Decimal(0), max_value=Decimal(30), places=1))
    extra = draw(st.lists(st.sampled_from(ACTION_NAMES), unique=True))
    rules = Rules(
        symbols=(symbol, *draw(st.lists(st.sampled_from(SYMBOLS), max_size=2))),
        max_position_pct=draw(st.decimals(min_value=Decimal("0.0001"), max_value=1, places=4)),
        min_leverage=low,
        max_leverage=min(high, Decimal(125)),
        allowed_actions=tuple(dict.fromkeys(["HOLD", *extra])),
        allow_grid=draw(st.booleans()),
    )
    balance = draw(st.decimals(min_value=Decimal(0), max_value=Decimal(1_000_000), places=2))
    available = draw(st.decimals(min_value=Decimal(-10), max_value=balance, places=2))
    positions = []
    if draw(st.booleans()):
        qty = draw(st.sampled_from([Decimal("-0.5"), Decimal("0.25")]))
        positions.append(PositionSummary(symbol=symbol, qty=qty, entry_price=Decimal(1)))
    account = AccountSummary(
        balance=balance, equity=balance, available=available, positions=tuple(positions)
    )
    snapshot = make_snapshot(symbol=symbol, price=price, atr=atr)
    return DecisionContext(snapshot=snapshot, account=account, rules=rules, now_ms=1)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ctx=contexts(), seed=st.integers(min_value=0, max_value=2**32))
def test_decide_when_any_context_then_random_baseline_valid_under_rules(
    ctx: DecisionContext, seed: int
) -> None:
    provider = RandomProvider("random", seed=seed)

    results = asyncio.run(_decide_many(provider, ctx, 5))

    for result in results:
        assert result.outcome == "ok", result.error
        check_decision(result.decision, ctx)
        assert isinstance(result.decision, ActionDecision)
        assert result.decision.action.action in ctx.rules.allowed_actions


async def _decide_many(
    provider: RandomProvider, ctx: DecisionContext, n: int
) -> list[ProviderResult]:
    return [await provider.decide(ctx) for _ in range(n)]
