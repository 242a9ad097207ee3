"""Spec → levels and sizes → kernel: each spacing, sizing and direction end to end."""

from decimal import Decimal

import numpy as np
import pytest

from gridarena.backtest import layout as k
from gridarena.backtest.runner import BacktestConfig, prepare, run_backtest
from gridarena.domain.fees import FeeSchedule
from gridarena.grid.spec import GridSpec, GridSpecError
from gridarena.marketdata.candles import Candles
from gridarena.marketdata.generator import generate_market


def _candles(rows: list[tuple[float, float, float, float]]) -> Candles:
    arr = np.array(rows, np.float64)
    return Candles(
        symbol="BTCUSDT",
        timeframe_ms=60_000,
        ts_ms=np.arange(len(rows), dtype=np.int64) * 60_000,
        open=arr[:, 0],
        high=arr[:, 1],
        low=arr[:, 2],
        close=arr[:, 3],
        volume=np.ones(len(rows)),
    )


FLAT = _candles([(60_000.0, 60_010.0, 59_990.0, 60_000.0)] * 30)
NO_FEES = BacktestConfig(fees=FeeSchedule(maker=Decimal(0), taker=Decimal(0)), fill_rule="touch")


def test_prepare_when_arithmetic_equal_quote_then_levels_and_sizes_match_hand_computation() -> None:
    spec = GridSpec(
        symbol="BTCUSDT", lower=50_000, upper=70_000, grids=4, base_allocation=1000, leverage=2
    )
    prep = prepare(spec, FLAT, config=NO_FEES)
    assert prep.levels.tolist() == [50_000.0, 55_000.0, 60_000.0, 65_000.0, 70_000.0]
    # Neutral at 60,000: long slots buy at 50k/55k, short slots sell at 65k/70k; 500 quote
    # each, floored to the 0.001 step.
    assert prep.qty.tolist() == [0.01, 0.009, 0.007, 0.007]


def test_prepare_when_geometric_spacing_then_levels_have_constant_ratio() -> None:
    spec = GridSpec(
        symbol="BTCUSDT",
        lower=40_000,
        upper=90_000,
        grids=2,
        spacing="geometric",
        base_allocation=1000,
        direction="long",
    )
    prep = prepare(spec, FLAT, config=NO_FEES)
    assert prep.levels.tolist() == [40_000.0, 60_000.0, 90_000.0]
    assert prep.params.geometric


def test_prepare_when_atr_spacing_then_uses_only_candles_before_start() -> None:
    market = generate_market(seed=3, n_candles=500)
    spec = GridSpec(
        symbol="BTCUSDT",
        spacing="atr",
        atr_multiplier=2,
        grid_levels_each_side=3,
        base_allocation=10_000,
        leverage=3,
    )
    prep = prepare(spec, market)
    assert prep.start_index == spec.atr_period + 1
    assert prep.reference_price == float(market.open[prep.start_index])
    steps = np.diff(prep.levels)
    assert np.allclose(steps, steps[0], atol=0.11)
    # Changing candles after the start must not change the grid (no look-ahead).
    later = market.slice(0, prep.start_index + 1)
    assert prepare(spec, later).levels.tolist() == prep.levels.tolist()


def test_prepare_when_spacing_cannot_pay_fees_then_error_names_grids() -> None:
    spec = GridSpec(
        symbol="BTCUSDT", lower=59_000, upper=61_000, grids=400, base_allocation=1e6, leverage=1
    )
    with pytest.raises(GridSpecError) as err:
        prepare(spec, FLAT)
    assert err.value.field == "grids"


def test_prepare_when_allocation_too_small_then_error_names_base_allocation() -> None:
    spec = GridSpec(symbol="BTCUSDT", lower=50_000, upper=70_000, grids=10, base_allocation=50)
    with pytest.raises(GridSpecError) as err:
        prepare(spec, FLAT)
    assert err.value.field == "base_allocation"


@pytest.mark.parametrize("direction", ["long", "short", "neutral"])
@pytest.mark.parametrize("spacing", ["arithmetic", "geometric"])
def test_run_backtest_when_generated_market_then_books_reconcile(
    direction: str, spacing: str
) -> None:
    market = generate_market(seed=11, n_candles=20_000)
    lo, hi = float(market.low.min()), float(market.high.max())
    spec = GridSpec(
        symbol="BTCUSDT",
        lower=round(lo, 1),
        upper=round(hi, 1),
        grids=20,
        spacing=spacing,
        direction=direction,
        base_allocation=10_000,
        leverage=2,
    )
    result = run_backtest(spec, market)
    s = result.run.summary
    f = result.run.fills
    assert s.fills == f.shape[0] > 0
    assert s.final_equity == pytest.approx(
        10_000 + s.realized_pnl + s.unrealized_pnl - s.fees + s.funding - s.liquidation_loss
    )
    assert abs((f[:, k.F_SIDE] * f[:, k.F_QTY]).sum() - s.position) < 1e-9
    assert result.to_dict()["config"]["fill_rule"] == "cross"


def test_run_backtest_when_pyramid_sizing_then_far_slots_are_larger() -> None:
    spec = GridSpec(
        symbol="BTCUSDT",
        lower=50_000,
        upper=59_000,
        grids=3,
        base_allocation=3000,
        direction="long",
        sizing="pyramid",
        pyramid_alpha=1,
    )
    prep = prepare(spec, FLAT, config=NO_FEES)
    # Every long slot is below 60,000; the nearest is rank 0, the farthest rank 2.
    assert prep.qty[0] > prep.qty[1] > prep.qty[2]
