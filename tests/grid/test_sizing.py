from decimal import Decimal
from typing import Any

import numpy as np
import pytest

from gridarena.domain.instrument import INSTRUMENTS, Instrument
from gridarena.grid.levels import build_levels
from gridarena.grid.sizing import (
    distance_ranks,
    equal_base,
    equal_quote,
    pyramid,
    risk_based,
    size_slots,
    slot_entry_prices,
)
from gridarena.grid.spec import GridSpec, GridSpecError

BTC = INSTRUMENTS["BTCUSDT"]
MES = INSTRUMENTS["MES"]
UNIT = Instrument("U", Decimal("0.01"), Decimal(1), Decimal(1), Decimal(0))


def _spec(**fields: Any) -> GridSpec:
    return GridSpec.from_signal({"symbol": "BTCUSDT", "base_allocation": 1000, **fields})


def test_slot_entry_prices_when_long_and_short_slots_then_lower_or_upper_level() -> None:
    entries = slot_entry_prices([1.0, 2.0, 3.0, 4.0], np.array([1, 1, -1], dtype=np.int8))
    assert entries.tolist() == [1.0, 2.0, 4.0]


def test_slot_entry_prices_when_shapes_mismatch_then_raises() -> None:
    with pytest.raises(ValueError, match="N directions"):
        slot_entry_prices([1.0, 2.0, 3.0], [1, 1, 1])


def test_equal_quote_when_four_slots_then_same_quote_each() -> None:
    qtys = equal_quote([100.0, 200.0, 400.0, 500.0], 1200)
    assert qtys.dtype == np.float64
    assert qtys.tolist() == [3.0, 1.5, 0.75, 0.6]


def test_equal_quote_when_float_division_would_undershoot_then_decimal_exact() -> None:
    # In float 0.3 / 0.1 = 2.9999999999999996, which floors to 2 steps.
    assert equal_quote([0.1, 0.1, 0.1], 0.9, instrument=UNIT).tolist() == [3.0, 3.0, 3.0]


def test_equal_quote_when_instrument_then_rounded_down_to_step() -> None:
    qtys = equal_quote([60000.0, 61000.0], 1000, instrument=BTC)
    assert qtys.tolist() == [0.008, 0.008]  # 500 / 60000 = 0.00833…, 500 / 61000 = 0.0081…


def test_equal_quote_when_contract_multiplier_then_quote_per_contract() -> None:
    # One MES contract at 5000 is 25 000 quote.
    assert equal_quote([5000.0, 5000.0], 100_000, instrument=MES).tolist() == [2.0, 2.0]


def test_equal_base_when_prices_sum_to_1000_then_one_unit_each() -> None:
    qtys = equal_base([100.0, 200.0, 300.0, 400.0], 1000)
    assert qtys.tolist() == [1.0, 1.0, 1.0, 1.0]
    assert float(np.dot(qtys, [100.0, 200.0, 300.0, 400.0])) == 1000.0


def test_distance_ranks_when_symmetric_grid_then_each_side_ranked_from_zero() -> None:
    ranks = distance_ranks([97.0, 98.0, 99.0, 101.0, 102.0, 103.0], 100)
    assert ranks.tolist() == [2, 1, 0, 0, 1, 2]


def test_distance_ranks_when_equal_distances_on_one_side_then_share_rank() -> None:
    assert distance_ranks([98.0, 98.0, 99.0], 100).tolist() == [1, 1, 0]


def test_pyramid_when_alpha_half_then_hand_computed_lots() -> None:
    # weights 2, 1.5, 1, 1, 1.5, 2; Σ w·p = 900; base = 1800 / 900 = 2.
    prices = [97.0, 98.0, 99.0, 101.0, 102.0, 103.0]
    qtys = pyramid(prices, 1800, 0.5, 100.0)
    assert qtys.tolist() == [4.0, 3.0, 2.0, 2.0, 3.0, 4.0]
    assert float(np.dot(qtys, prices)) == 1800.0


def test_pyramid_when_alpha_zero_then_equal_base() -> None:
    prices = [100.0, 200.0, 300.0, 400.0]
    assert pyramid(prices, 1000, 0, 250.0).tolist() == equal_base(prices, 1000).tolist()


def test_pyramid_when_negative_alpha_then_raises() -> None:
    with pytest.raises(ValueError, match="alpha"):
        pyramid([100.0, 101.0], 1000, -0.5, 100.5)


def test_risk_based_when_mes_150_risk_atr_10_then_three_contracts() -> None:
    assert risk_based([5000.0] * 4, 150, 10, 5).tolist() == [3.0, 3.0, 3.0, 3.0]


def test_risk_based_when_instrument_then_rounded_down() -> None:
    # 150 / (7 × 5) = 4.28… contracts → 4.
    assert risk_based([5000.0, 5010.0], 150, 7, 5, instrument=MES).tolist() == [4.0, 4.0]


def test_risk_based_when_zero_atr_then_raises() -> None:
    with pytest.raises(ValueError, match="atr"):
        risk_based([5000.0], 150, 0, 5)


def test_size_slots_when_seed_grid_then_step_rounded_equal_quote() -> None:
    spec = _spec(
        symbol="ETHUSDT", lower=3000, upper=3400, grids=4, base_allocation=2000, leverage=2
    )
    entries = build_levels(spec, INSTRUMENTS["ETHUSDT"], reference_price=3200)[:-1]
    qtys = size_slots(spec, INSTRUMENTS["ETHUSDT"], entries, reference_price=3200)
    # 1000 quote per slot at 3000, 3100, 3200, 3300.
    assert qtys.tolist() == [0.333, 0.322, 0.312, 0.303]


def test_size_slots_when_qty_rounds_to_zero_then_error_names_base_allocation() -> None:
    spec = _spec(lower=60000, upper=62000, grids=20)
    with pytest.raises(GridSpecError, match="base_allocation") as err:
        size_slots(spec, BTC, np.linspace(60000, 61900, 20), reference_price=61000)
    assert err.value.field == "base_allocation"
    assert "min_qty 0.001" in str(err.value)


def test_size_slots_when_notional_under_min_then_message_gives_notional_and_minimum() -> None:
    # 2000 / 25 = 80 quote per slot → 0.001 BTC ≈ 60 quote < 100.
    spec = _spec(lower=60000, upper=62500, grids=25, base_allocation=2000)
    with pytest.raises(GridSpecError, match="base_allocation") as err:
        size_slots(spec, BTC, np.linspace(60000, 62400, 25), reference_price=61000)
    assert "notional 60.00" in str(err.value)
    assert "min_notional 100" in str(err.value)


def test_size_slots_when_qty_above_max_qty_then_error() -> None:
    small = Instrument(
        "S", Decimal("0.01"), Decimal("0.1"), Decimal("0.1"), Decimal(0), max_qty=Decimal(5)
    )
    spec = _spec(symbol="S", lower=1, upper=3, grids=2)
    with pytest.raises(GridSpecError, match="max_qty"):
        size_slots(spec, small, [1.0, 2.0], reference_price=2)


def test_size_slots_when_pyramid_then_total_within_budget() -> None:
    spec = _spec(
        symbol="U",
        lower=97,
        upper=104,
        grids=7,
        base_allocation=900,
        leverage=2,
        sizing="pyramid",
        pyramid_alpha=0.5,
    )
    prices = [97.0, 98.0, 99.0, 101.0, 102.0, 103.0]
    assert size_slots(spec, UNIT, prices, reference_price=100).tolist() == [4, 3, 2, 2, 3, 4]


def _risk_spec(**fields: Any) -> GridSpec:
    return GridSpec.from_signal(
        {
            "symbol": "MES",
            "spacing": "atr",
            "atr_multiplier": 0.5,
            "grid_levels_each_side": 2,
            "base_allocation": 40000,
            "leverage": 10,
            "sizing": "risk",
            "risk_per_level": 150,
            **fields,
        }
    )


def test_size_slots_when_risk_sizing_then_r_over_atr_times_multiplier() -> None:
    qtys = size_slots(
        _risk_spec(), MES, [4990.0, 4995.0, 5005.0, 5010.0], reference_price=5000, atr=10
    )
    assert qtys.tolist() == [3.0, 3.0, 3.0, 3.0]


def test_size_slots_when_risk_sizing_without_atr_then_error() -> None:
    with pytest.raises(GridSpecError, match="ATR"):
        size_slots(_risk_spec(), MES, [4990.0, 5010.0], reference_price=5000)


def test_size_slots_when_risk_sizing_overspends_budget_then_error_names_risk_per_level() -> None:
    # 4 slots × 3 contracts × 25 000 = 300 000 quote > 40 000 × 1.
    with pytest.raises(GridSpecError, match="risk_per_level") as err:
        size_slots(
            _risk_spec(leverage=1),
            MES,
            [4990.0, 4995.0, 5005.0, 5010.0],
            reference_price=5000,
            atr=10,
        )
    assert err.value.field == "risk_per_level"
