from decimal import Decimal
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from gridarena.domain.instrument import INSTRUMENTS, Instrument
from gridarena.grid.levels import (
    arithmetic_levels,
    atr_levels,
    build_levels,
    geometric_from_price,
    geometric_levels,
    round_levels,
)
from gridarena.grid.spec import GridSpec, GridSpecError

BTC = INSTRUMENTS["BTCUSDT"]
MES = INSTRUMENTS["MES"]
TICK_01 = Instrument("T", Decimal("0.1"), Decimal("0.001"), Decimal("0.001"), Decimal(0))


def _on_tick(levels: np.ndarray[Any, Any], tick: Decimal) -> bool:
    return all(Decimal(repr(x)) % tick == 0 for x in levels.tolist())


def test_arithmetic_levels_when_100_to_200_with_4_grids_then_step_25() -> None:
    levels = arithmetic_levels(100, 200, 4)
    assert levels.dtype == np.float64
    assert levels.tolist() == [100.0, 125.0, 150.0, 175.0, 200.0]


def test_geometric_levels_when_100_to_400_with_2_grids_then_ratio_2() -> None:
    assert geometric_levels(100, 400, 2).tolist() == [100.0, 200.0, 400.0]


def test_geometric_levels_when_many_grids_then_constant_ratio_and_exact_ends() -> None:
    levels = geometric_levels(Decimal(1000), Decimal(2000), 10)
    ratios = levels[1:] / levels[:-1]
    np.testing.assert_allclose(ratios, 2 ** (1 / 10), rtol=1e-12)
    assert (levels[0], levels[-1]) == (1000.0, 2000.0)


def test_geometric_from_price_when_1000_r1pct_n2_then_five_levels_on_tick() -> None:
    raw = geometric_from_price(1000, 0.01, 2)
    np.testing.assert_allclose(raw, [980.1, 990.0, 1000.0, 1010.0, 1020.1], rtol=1e-12)
    assert round_levels(raw, TICK_01).tolist() == [980.1, 990.0, 1000.0, 1010.0, 1020.1]


def test_atr_levels_when_step_is_tick_multiple_then_exact() -> None:
    raw = atr_levels(5000, 10, 0.5, 2)
    assert round_levels(raw, MES).tolist() == [4990.0, 4995.0, 5000.0, 5005.0, 5010.0]


def test_atr_levels_when_step_off_tick_then_rounded_to_nearest_quarter() -> None:
    # step = 10.3 × 0.45 = 4.635; 4995.365 → 4995.25 and 5004.635 → 5004.75 on a 0.25 tick.
    levels = round_levels(atr_levels(5000, 10.3, 0.45, 1), MES)
    assert levels.tolist() == [4995.25, 5000.0, 5004.75]


def test_round_levels_when_levels_collapse_on_tick_then_error_names_grids() -> None:
    raw = arithmetic_levels(100, 100.3, 6)  # 0.05 apart on a 0.1 tick
    with pytest.raises(GridSpecError, match="grids") as err:
        round_levels(raw, BTC)
    assert err.value.field == "grids"


def test_round_levels_when_level_not_positive_then_error() -> None:
    with pytest.raises(GridSpecError, match="atr_multiplier"):
        round_levels(atr_levels(10, 5, 1, 3), MES, field="atr_multiplier")


def test_round_levels_when_level_below_half_tick_then_error() -> None:
    with pytest.raises(GridSpecError, match="grids"):
        round_levels([0.01, 1.0, 2.0], BTC)


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda: arithmetic_levels(200, 100, 4), "lower"),
        (lambda: arithmetic_levels(100, 200, 0), "grids"),
        (lambda: geometric_levels(0, 200, 4), "lower"),
        (lambda: geometric_levels(100, float("nan"), 4), "upper"),
        (lambda: geometric_from_price(100, 1.5, 2), "grid_ratio"),
        (lambda: geometric_from_price(100, 0.01, 0), "grid_levels_each_side"),
        (lambda: atr_levels(100, -1, 0.5, 2), "atr"),
        (lambda: atr_levels(float("inf"), 1, 0.5, 2), "reference_price"),
    ],
)
def test_level_generators_when_bad_argument_then_error_names_it(call: Any, field: str) -> None:
    with pytest.raises(GridSpecError, match=field):
        call()


@given(
    lower=st.floats(min_value=1.0, max_value=100_000.0),
    width=st.floats(min_value=0.01, max_value=5.0),
    grids=st.integers(min_value=2, max_value=200),
    geometric=st.booleans(),
)
def test_round_levels_when_any_grid_then_increasing_tick_multiples_or_clear_error(
    lower: float, width: float, grids: int, geometric: bool
) -> None:
    upper = lower * (1.0 + width)
    raw = (
        geometric_levels(lower, upper, grids)
        if geometric
        else arithmetic_levels(lower, upper, grids)
    )
    try:
        levels = round_levels(raw, BTC)
    except GridSpecError as exc:
        failed_field: str | None = exc.field
    else:
        failed_field = None
    if failed_field is not None:
        # Only a grid finer than the tick may collapse, and the error points at `grids`.
        assert failed_field == "grids"
        assert float(np.min(np.diff(raw))) < float(BTC.tick_size)
        return
    assert levels.size == grids + 1
    assert np.all(np.diff(levels) > 0)
    assert _on_tick(levels, BTC.tick_size)


def _spec(**fields: Any) -> GridSpec:
    return GridSpec.from_signal({"symbol": "BTCUSDT", "base_allocation": 1000, **fields})


def test_build_levels_when_arithmetic_spec_then_range_levels() -> None:
    spec = _spec(lower=60000, upper=62000, grids=4)
    levels = build_levels(spec, BTC, reference_price=61000)
    assert levels.tolist() == [60000.0, 60500.0, 61000.0, 61500.0, 62000.0]


def test_build_levels_when_geometric_spec_then_rounded_ratio_levels() -> None:
    spec = _spec(spacing="geometric", lower=50000, upper=60000, grids=3)
    levels = build_levels(spec, BTC, reference_price=55000)
    # 50000 × 1.2^(k/3): 53132.928…, 56462.161… rounded to 0.1
    assert levels.tolist() == [50000.0, 53132.9, 56462.2, 60000.0]


def test_build_levels_when_from_price_spec_then_centered_on_reference() -> None:
    spec = _spec(spacing="geometric_from_price", grid_ratio=0.01, grid_levels_each_side=2)
    levels = build_levels(spec, TICK_01, reference_price=1000.0)
    assert levels.tolist() == [980.1, 990.0, 1000.0, 1010.0, 1020.1]


def test_build_levels_when_atr_spec_then_atr_times_multiplier_spacing() -> None:
    spec = _spec(symbol="MES", spacing="atr", atr_multiplier=0.5, grid_levels_each_side=2)
    levels = build_levels(spec, MES, reference_price=5000.0, atr=10.0)
    assert levels.tolist() == [4990.0, 4995.0, 5000.0, 5005.0, 5010.0]


def test_build_levels_when_atr_spec_without_atr_then_error() -> None:
    spec = _spec(symbol="MES", spacing="atr", atr_multiplier=0.5, grid_levels_each_side=2)
    with pytest.raises(GridSpecError, match="ATR"):
        build_levels(spec, MES, reference_price=5000.0)


def test_build_levels_when_atr_grid_leaves_bounds_then_error_names_bound() -> None:
    spec = _spec(symbol="MES", spacing="atr", atr_multiplier=1, grid_levels_each_side=2, lower=4985)
    with pytest.raises(GridSpecError, match="lower"):
        build_levels(spec, MES, reference_price=5000.0, atr=10.0)
    spec = _spec(symbol="MES", spacing="atr", atr_multiplier=1, grid_levels_each_side=2, upper=5015)
    with pytest.raises(GridSpecError, match="upper"):
        build_levels(spec, MES, reference_price=5000.0, atr=10.0)


def test_build_levels_when_stop_inside_price_anchored_grid_then_error_names_stop() -> None:
    base = {"spacing": "geometric_from_price", "grid_ratio": 0.01, "grid_levels_each_side": 2}
    with pytest.raises(GridSpecError, match="stop_bottom"):
        build_levels(_spec(**base, stop_bottom=985), TICK_01, reference_price=1000.0)
    with pytest.raises(GridSpecError, match="stop_top"):
        build_levels(_spec(**base, stop_top=1020), TICK_01, reference_price=1000.0)
    levels = build_levels(
        _spec(**base, stop_bottom=950, stop_top=1050), TICK_01, reference_price=1000
    )
    assert levels.size == 5
