from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from gridarena.domain.types import Direction, RangeExit, Sizing, Spacing
from gridarena.grid.spec import GridSpec, GridSpecError

# Seed 000's webhook example, verbatim.
SEED_SIGNAL: dict[str, Any] = {
    "model": "chatgpt",
    "strategy": "grid",
    "symbol": "SOLUSDT",
    "lower": 180.0,
    "upper": 210.0,
    "grids": 12,
    "spacing": "arithmetic",
    "base_allocation": 2000,
    "leverage": 2,
    "entry_mode": "maker_first",
    "tp_pct": 0.03,
    "sl_pct": 0.05,
    "rebalance": False,
    "notes": "Range-bound strategy",
}

ATR_SIGNAL: dict[str, Any] = {
    "symbol": "MES",
    "spacing": "atr",
    "atr_multiplier": 0.45,
    "grid_levels_each_side": 5,
    "base_allocation": 10000,
    "sizing": "risk",
    "risk_per_level": 150,
}

FROM_PRICE_SIGNAL: dict[str, Any] = {
    "symbol": "BTCUSDT",
    "direction": "BOTH",
    "spacing": "GEOMETRIC_FROM_PRICE",
    "grid_ratio": 0.05,
    "grid_levels_each_side": 3,
    "base_allocation": 1000,
}


def _messages(err: ValidationError) -> str:
    # Only locations and messages: the input echo in str(err) would repeat the keys we sent.
    return " | ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in err.errors())


def _signal(base: dict[str, Any], **changes: Any) -> dict[str, Any]:
    out = {**base, **changes}
    return {k: v for k, v in out.items() if v is not None}


def test_from_signal_when_seed_example_then_valid_spec_with_decimals() -> None:
    spec = GridSpec.from_signal(SEED_SIGNAL)
    assert spec.symbol == "SOLUSDT"
    assert spec.model == "chatgpt"
    assert (spec.lower, spec.upper) == (Decimal("180.0"), Decimal("210.0"))
    assert spec.base_allocation == Decimal(2000)
    assert spec.tp_pct == Decimal("0.03")
    assert spec.spacing is Spacing.ARITHMETIC
    assert spec.direction is Direction.NEUTRAL
    assert spec.sizing is Sizing.EQUAL_QUOTE
    assert spec.range_exit is RangeExit.NONE
    assert spec.atr_period == 14
    assert spec.slot_count == 12


def test_from_signal_when_float_prices_then_exact_decimal_not_binary_expansion() -> None:
    spec = GridSpec.from_signal(_signal(SEED_SIGNAL, lower=180.1, upper="210.3"))
    assert spec.lower == Decimal("180.1")
    assert spec.upper == Decimal("210.3")


def test_from_signal_when_other_seed_fields_then_parsed() -> None:
    spec = GridSpec.from_signal(
        _signal(
            SEED_SIGNAL,
            direction="long",
            trailing_up=True,
            trailing_down=False,
            stop_bottom=170,
            stop_top=220,
            trigger_price=185.5,
            sizing="PYRAMID",
            pyramid_alpha=0.5,
            range_exit="stop_and_close",
        )
    )
    assert spec.direction is Direction.LONG
    assert spec.trailing_up
    assert spec.stop_bottom == Decimal(170)
    assert spec.trigger_price == Decimal("185.5")
    assert spec.pyramid_alpha == Decimal("0.5")
    assert spec.range_exit is RangeExit.STOP_AND_CLOSE


def test_from_signal_when_geometric_from_price_with_both_then_neutral_and_derived_slots() -> None:
    spec = GridSpec.from_signal(FROM_PRICE_SIGNAL)
    assert spec.direction is Direction.NEUTRAL
    assert spec.lower is None
    assert spec.price_anchored
    assert spec.slot_count == 6


def test_from_signal_when_atr_risk_spec_then_valid() -> None:
    spec = GridSpec.from_signal(ATR_SIGNAL)
    assert spec.atr_multiplier == Decimal("0.45")
    assert spec.risk_per_level == Decimal(150)
    assert spec.slot_count == 10


def test_from_signal_when_unknown_key_then_rejected_by_name() -> None:
    with pytest.raises(ValidationError) as err:
        GridSpec.from_signal(_signal(SEED_SIGNAL, lower_bound=40000))
    assert "lower_bound: Extra inputs are not permitted" in _messages(err.value)


def test_spec_when_assigned_then_frozen() -> None:
    spec = GridSpec.from_signal(SEED_SIGNAL)
    with pytest.raises(ValidationError):
        spec.grids = 3  # type: ignore[misc]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"lower": 210, "upper": 180}, "lower"),
        ({"lower": 200, "upper": 200}, "lower"),
        ({"grids": 1}, "grids"),
        ({"grids": 501}, "grids"),
        ({"lower": float("nan")}, "lower"),
        ({"upper": float("inf")}, "upper"),
        ({"base_allocation": "NaN"}, "base_allocation"),
        ({"tp_pct": float("nan")}, "tp_pct"),
        ({"base_allocation": 0}, "base_allocation"),
        ({"base_allocation": -100}, "base_allocation"),
        ({"leverage": 0}, "leverage"),
        ({"leverage": -2}, "leverage"),
        ({"leverage": 126}, "leverage"),
        ({"tp_pct": 0}, "tp_pct"),
        ({"tp_pct": 2}, "tp_pct"),
        ({"sl_pct": -0.05}, "sl_pct"),
        ({"sl_pct": 1.5}, "sl_pct"),
        ({"stop_bottom": 180}, "stop_bottom"),
        ({"stop_bottom": 190}, "stop_bottom"),
        ({"stop_top": 210}, "stop_top"),
        ({"stop_top": 200}, "stop_top"),
        ({"spacing": "geometric", "lower": 0}, "lower"),
        ({"lower": None}, "lower"),
        ({"grids": None}, "grids"),
        ({"grid_ratio": 0.01}, "grid_ratio"),
        ({"atr_multiplier": 0.5}, "atr_multiplier"),
        ({"sizing": "pyramid"}, "pyramid_alpha"),
        ({"pyramid_alpha": 0.5}, "pyramid_alpha"),
        ({"sizing": "risk"}, "risk_per_level"),
        ({"spacing": "zigzag"}, "spacing"),
        ({"direction": "sideways"}, "direction"),
        ({"strategy": "dca"}, "strategy"),
        ({"symbol": ""}, "symbol"),
        ({"trigger_price": -1}, "trigger_price"),
        ({"atr_period": 0}, "atr_period"),
    ],
)
def test_from_signal_when_bad_field_then_error_names_field(
    changes: dict[str, Any], field: str
) -> None:
    signal = {**SEED_SIGNAL, **changes}
    signal = {k: v for k, v in signal.items() if v is not None}
    with pytest.raises(ValidationError) as err:
        GridSpec.from_signal(signal)
    assert field in _messages(err.value)


@pytest.mark.parametrize(
    ("base", "changes", "field"),
    [
        (FROM_PRICE_SIGNAL, {"grid_ratio": None}, "grid_ratio"),
        (FROM_PRICE_SIGNAL, {"grid_levels_each_side": None}, "grid_levels_each_side"),
        (FROM_PRICE_SIGNAL, {"grid_ratio": 1}, "grid_ratio"),
        (FROM_PRICE_SIGNAL, {"atr_multiplier": 0.5}, "atr_multiplier"),
        (FROM_PRICE_SIGNAL, {"grids": 4}, "grids"),
        (ATR_SIGNAL, {"atr_multiplier": None}, "atr_multiplier"),
        (ATR_SIGNAL, {"atr_multiplier": 0}, "atr_multiplier"),
        (ATR_SIGNAL, {"grid_levels_each_side": None}, "grid_levels_each_side"),
        (ATR_SIGNAL, {"grid_levels_each_side": 251}, "grid_levels_each_side"),
        (ATR_SIGNAL, {"grid_ratio": 0.01}, "grid_ratio"),
        (ATR_SIGNAL, {"lower": 5000, "upper": 4000}, "lower"),
        (ATR_SIGNAL, {"stop_bottom": 5000, "stop_top": 4000}, "stop_bottom"),
    ],
)
def test_from_signal_when_price_anchored_field_bad_then_error_names_field(
    base: dict[str, Any], changes: dict[str, Any], field: str
) -> None:
    signal = {**base, **changes}
    signal = {k: v for k, v in signal.items() if v is not None}
    with pytest.raises(ValidationError) as err:
        GridSpec.from_signal(signal)
    assert field in _messages(err.value)


def test_from_signal_when_price_anchored_with_bounds_then_accepted() -> None:
    spec = GridSpec.from_signal(_signal(ATR_SIGNAL, lower=4000, upper=6000, grids=10))
    assert (spec.lower, spec.upper, spec.grids) == (Decimal(4000), Decimal(6000), 10)


def test_check_spacing_when_seed_grid_then_passes() -> None:
    GridSpec.from_signal(SEED_SIGNAL).check_spacing(Decimal("0.0002"), reference_price=195)


def test_check_spacing_when_arithmetic_step_below_two_fees_then_names_grids() -> None:
    # (101 - 100) / 100 = 0.01 per level, 0.0099 % of 101 < 2 × 0.02 %.
    spec = GridSpec.from_signal(_signal(SEED_SIGNAL, lower=100, upper=101, grids=100))
    with pytest.raises(GridSpecError, match="grids") as err:
        spec.check_spacing(Decimal("0.0002"), reference_price=100.5)
    assert err.value.field == "grids"
    assert isinstance(err.value, ValueError)


def test_check_spacing_when_geometric_step_below_two_fees_then_names_grids() -> None:
    spec = GridSpec.from_signal(
        _signal(SEED_SIGNAL, spacing="geometric", lower=100, upper=102, grids=100)
    )
    with pytest.raises(GridSpecError, match="grids"):
        spec.check_spacing("0.0002", reference_price=101)
    spec.check_spacing("0.00005", reference_price=101)


def test_check_spacing_when_maker_rebate_then_any_spacing_passes() -> None:
    spec = GridSpec.from_signal(_signal(SEED_SIGNAL, lower=100, upper=101, grids=100))
    spec.check_spacing(Decimal("-0.0001"), reference_price=100.5)


def test_check_spacing_when_grid_ratio_below_two_fees_then_names_grid_ratio() -> None:
    spec = GridSpec.from_signal(_signal(FROM_PRICE_SIGNAL, grid_ratio=0.0003))
    with pytest.raises(GridSpecError, match="grid_ratio"):
        spec.check_spacing(Decimal("0.0002"), reference_price=60000)
    GridSpec.from_signal(FROM_PRICE_SIGNAL).check_spacing(Decimal("0.0002"), reference_price=1)


def test_check_spacing_when_atr_step_below_two_fees_then_names_atr_multiplier() -> None:
    spec = GridSpec.from_signal(_signal(ATR_SIGNAL, atr_multiplier=0.01))
    # step = 0.5 × 0.01 = 0.005 on a price of 5000: 1e-6 relative.
    with pytest.raises(GridSpecError, match="atr_multiplier"):
        spec.check_spacing(Decimal("0.0002"), reference_price=5000, atr=0.5)
    GridSpec.from_signal(ATR_SIGNAL).check_spacing("0.0002", reference_price=5000, atr=20)


def test_check_spacing_when_atr_spacing_without_atr_then_raises() -> None:
    with pytest.raises(GridSpecError, match="atr"):
        GridSpec.from_signal(ATR_SIGNAL).check_spacing(Decimal("0.0002"), reference_price=5000)
