"""Decision types, the shared reply parser and the rules check."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from provider_snapshots import SYMBOLS, make_account, make_context, make_snapshot
from pydantic import ValidationError

from gridarena.config import ExecutionSettings, RiskSettings
from gridarena.providers import (
    Action,
    ActionDecision,
    DecisionError,
    GridDecision,
    PositionSummary,
    ProviderResult,
    Rules,
    hold,
    parse_decision,
    to_wire,
)
from gridarena.providers.types import MAX_REASONING
from gridarena.providers.validate import extract_json

BUY: dict[str, Any] = {
    "action": "BUY",
    "symbol": "BTCUSDT",
    "size_pct": 0.2,
    "leverage": 10,
    "confidence": 0.9,
    "reasoning": "ok",
}


def test_action_when_buy_without_size_then_rejected() -> None:
    with pytest.raises(ValidationError, match="BUY requires size_pct and leverage"):
        Action(action="BUY", symbol="BTCUSDT")


def test_action_when_buy_stop_above_take_profit_then_rejected() -> None:
    with pytest.raises(ValidationError, match=r"stop_loss .* below take_profit"):
        Action.model_validate({**BUY, "take_profit": 100, "stop_loss": 110})


def test_action_when_sell_take_profit_above_stop_then_rejected() -> None:
    with pytest.raises(ValidationError, match=r"take_profit .* below stop_loss"):
        Action.model_validate({**BUY, "action": "SELL", "take_profit": 110, "stop_loss": 100})


def test_action_when_lowercase_and_hold_with_sizes_then_normalised() -> None:
    action = Action.model_validate(
        {"action": "hold", "symbol": "btcusdt", "size_pct": 0.3, "leverage": 99}
    )

    assert (action.action, action.symbol, action.size_pct, action.leverage) == (
        "HOLD",
        "BTCUSDT",
        None,
        None,
    )


def test_action_when_reasoning_too_long_then_clipped() -> None:
    action = Action.model_validate({**BUY, "reasoning": "x" * 5000})

    assert len(action.reasoning) == MAX_REASONING


def test_action_when_unknown_key_then_rejected() -> None:
    with pytest.raises(ValidationError, match="Extra inputs"):
        Action.model_validate({**BUY, "analysis": "..."})


def test_action_when_float_given_then_exact_decimal() -> None:
    action = Action.model_validate({**BUY, "size_pct": 0.1})

    assert action.size_pct == Decimal("0.1")


def test_rules_when_hold_not_allowed_then_rejected() -> None:
    with pytest.raises(ValidationError, match="HOLD must be allowed"):
        Rules(symbols=SYMBOLS, allowed_actions=("BUY", "SELL"))


def test_rules_when_band_inverted_then_rejected() -> None:
    with pytest.raises(ValidationError, match="min_leverage"):
        Rules(symbols=SYMBOLS, min_leverage=Decimal(10), max_leverage=Decimal(3))


def test_extract_when_json_amid_prose_then_found() -> None:
    assert extract_json('Decision: {"action": "HOLD"} -- done') == {"action": "HOLD"}


def test_extract_when_no_json_then_decision_error() -> None:
    with pytest.raises(DecisionError, match="no JSON object"):
        extract_json("I would hold for now.")


def test_parse_when_symbol_omitted_then_snapshot_symbol_used() -> None:
    reply = {k: v for k, v in BUY.items() if k != "symbol"}

    decision = parse_decision(reply, make_context())

    assert isinstance(decision, ActionDecision)
    assert decision.action.symbol == "BTCUSDT"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"size_pct": 0.25}, "size_pct at most 0.20"),
        ({"leverage": 2}, "outside the allowed 3x to 10x"),
        ({"leverage": 11}, "outside the allowed 3x to 10x"),
        ({"symbol": "ETHUSDT"}, "symbol must be BTCUSDT"),
        ({"take_profit": 59_000}, "take_profit 59000 must be above the price"),
        ({"stop_loss": 60_500}, "stop_loss 60500 must be below the price"),
        ({"action": "CLOSE"}, "CLOSE needs an open position"),
        ({"action": "FLIP"}, "action"),
    ],
)
def test_parse_when_rule_broken_then_error_names_it(change: dict[str, Any], message: str) -> None:
    with pytest.raises(DecisionError, match=message):
        parse_decision(json.dumps({**BUY, **change}), make_context())


def test_parse_when_more_than_available_then_rejected() -> None:
    ctx = make_context(account=make_account(available="20"))

    with pytest.raises(DecisionError, match="more than the 20 USDT available"):
        parse_decision({**BUY, "size_pct": 0.1}, ctx)


def test_parse_when_symbol_not_tradable_then_rejected() -> None:
    ctx = make_context(make_snapshot(symbol="DOGEUSDT", price=0.2))

    with pytest.raises(DecisionError, match="DOGEUSDT is not tradable"):
        parse_decision({**BUY, "symbol": "DOGEUSDT"}, ctx)


def test_parse_when_action_not_allowed_then_rejected() -> None:
    ctx = make_context(rules=Rules(symbols=SYMBOLS, allowed_actions=("CLOSE", "HOLD")))

    with pytest.raises(DecisionError, match="BUY is not allowed"):
        parse_decision(BUY, ctx)


def test_parse_when_close_with_position_then_ok() -> None:
    short = PositionSummary(symbol="BTCUSDT", qty=Decimal(-1), entry_price=Decimal(61_000))
    ctx = make_context(account=make_account(positions=[short]))

    decision = parse_decision({"action": "CLOSE", "size_pct": 0.5}, ctx)

    assert isinstance(decision, ActionDecision)
    assert decision.action.size_pct == Decimal("0.5")


def test_parse_when_grid_spacing_below_fees_then_rejected() -> None:
    grid = {"spacing": "arithmetic", "lower": 59_990, "upper": 60_010, "grids": 100}
    reply = {"action": "GRID", "grid": {**grid, "base_allocation": 50, "leverage": 3}}

    with pytest.raises(DecisionError, match="below 2 × maker fee"):
        parse_decision(reply, make_context())


def test_parse_when_grid_allocation_above_cap_then_rejected() -> None:
    grid = {"spacing": "arithmetic", "lower": 58_000, "upper": 62_000, "grids": 10}
    reply = {"action": "GRID", "grid": {**grid, "base_allocation": 150, "leverage": 3}}

    with pytest.raises(DecisionError, match="base_allocation 150 commits"):
        parse_decision(reply, make_context())


def test_parse_when_grid_settings_incomplete_then_error_prefixed_grid() -> None:
    reply = {"action": "GRID", "grid": {"spacing": "arithmetic", "base_allocation": 50}}

    with pytest.raises(DecisionError, match=r"^grid: .*requires lower, upper, grids"):
        parse_decision(reply, make_context())


def test_parse_when_grid_without_object_then_rejected() -> None:
    with pytest.raises(DecisionError, match='needs a "grid" object'):
        parse_decision({"action": "GRID"}, make_context())


def test_to_wire_when_parsed_back_then_same_decision() -> None:
    ctx = make_context()
    grid = {"spacing": "atr", "atr_multiplier": 0.5, "grid_levels_each_side": 4}
    decisions = [
        parse_decision({**BUY, "take_profit": 61_000.5, "stop_loss": 59_000}, ctx),
        parse_decision(
            {"action": "GRID", "grid": {**grid, "base_allocation": 60, "leverage": 4}}, ctx
        ),
        ActionDecision(action=hold("BTCUSDT", "wait")),
    ]

    for decision in decisions:
        assert parse_decision(to_wire(decision), ctx) == decision


def test_result_when_dumped_then_decision_round_trips() -> None:
    ctx = make_context()
    decision = parse_decision(
        {
            "action": "GRID",
            "confidence": 0.4,
            "grid": {
                "spacing": "arithmetic",
                "lower": 58_000,
                "upper": 62_000,
                "grids": 10,
                "base_allocation": 60,
                "leverage": 3,
            },
        },
        ctx,
    )
    result = ProviderResult(decision=decision, prompt="p", cost=Decimal("0.0012"))

    again = ProviderResult.model_validate_json(result.model_dump_json())

    assert again == result
    assert isinstance(again.decision, GridDecision)


def test_rules_when_from_settings_then_seed_limits_and_fee() -> None:
    rules = Rules.from_settings(
        ["btcusdt"],
        risk=RiskSettings(max_leverage=Decimal(5)),
        execution=ExecutionSettings(maker_fee_bps=Decimal(2)),
    )

    assert rules.symbols == ("BTCUSDT",)
    assert rules.max_position_pct == Decimal("0.20")
    assert (rules.min_leverage, rules.max_leverage) == (Decimal(3), Decimal(5))
    assert rules.maker_fee == Decimal("0.0002")
