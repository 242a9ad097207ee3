"""Parameter sweeps: expansion and skips, ranking, parallel = serial, rerun of the best row."""

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from gridarena.backtest.runner import BacktestConfig, run_backtest
from gridarena.backtest.sweep import (
    METRICS,
    SweepResult,
    SweepRow,
    expand_grid,
    rank,
    rerun,
    run_sweep,
    skip_reason,
)
from gridarena.marketdata import load_candles, shared_market_dir
from gridarena.marketdata.candles import Candles
from gridarena.marketdata.generator import generate_market

BASE: dict[str, Any] = {"symbol": "BTCUSDT", "base_allocation": 10_000}
SPACE: dict[str, list[Any]] = {
    "lower": [58_000, 58_500, 59_000],
    "upper": [61_000, 61_500],
    "grids": [10, 20],
    "direction": ["neutral", "long"],
}


@pytest.fixture(scope="module")
def market() -> Candles:
    return generate_market(n_candles=4_000, seed=3)


@pytest.fixture(scope="module")
def sweep(market: Candles) -> SweepResult:
    return run_sweep(market, BASE, SPACE, workers=2)


def test_expand_when_all_valid_then_cartesian_product_in_field_order() -> None:
    exp = expand_grid(BASE, SPACE)
    assert exp.total == len(exp.candidates) == 3 * 2 * 2 * 2
    assert exp.skip_reasons == {}
    first, last = exp.candidates[0], exp.candidates[-1]
    assert first.params == {"lower": 58_000, "upper": 61_000, "grids": 10, "direction": "neutral"}
    assert last.params == {"lower": 59_000, "upper": 61_500, "grids": 20, "direction": "long"}
    assert [c.index for c in exp.candidates] == list(range(exp.total))


def test_expand_when_lower_not_below_upper_then_skipped_and_counted_by_reason() -> None:
    exp = expand_grid(BASE, {"lower": [60_000, 62_000, 63_000], "upper": [62_000], "grids": [10]})
    assert exp.total == 3
    assert [c.params["lower"] for c in exp.candidates] == [60_000]
    assert list(exp.skip_reasons.values()) == [2]
    assert "must be below upper" in next(iter(exp.skip_reasons))


def test_expand_when_spacing_below_two_maker_fees_then_skipped_with_reason() -> None:
    # 100 grids over 59,900–60,100: 2 quote per level, far below 2 × 2 bp of 60,000.
    exp = expand_grid(BASE, {"lower": [59_900], "upper": [60_100], "grids": [4, 100]})
    assert [c.params["grids"] for c in exp.candidates] == [4]
    (reason,) = exp.skip_reasons
    assert reason.startswith("grids: per-level spacing")
    assert "maker fee" in reason


def test_expand_when_values_repeat_then_each_combination_once() -> None:
    exp = expand_grid(BASE, {"lower": [58_000, 58_000], "upper": [61_000], "grids": [10, 10]})
    assert exp.total == 1
    assert exp.space == {"lower": (58_000,), "upper": (61_000,), "grids": (10,)}


def test_expand_when_numpy_values_then_validated_like_python_numbers() -> None:
    exp = expand_grid(
        BASE,
        {"lower": np.linspace(58_000, 59_000, 3), "upper": [61_000.0]}
        | {"grids": np.array([10, 20])},
    )
    assert exp.total == len(exp.candidates) == 6
    assert type(exp.candidates[0].params["grids"]) is int


def test_expand_when_fill_rule_and_path_swept_then_config_carries_them() -> None:
    space = {"lower": [58_000], "upper": [61_000], "grids": [10]}
    space |= {"fill_rule": ["touch", "cross"], "path": ["ohlc"]}
    exp = expand_grid(BASE, space, config=BacktestConfig(fill_rule="cross", path="nearest"))
    assert [(c.config.fill_rule, c.config.path) for c in exp.candidates] == [
        ("touch", "ohlc"),
        ("cross", "ohlc"),
    ]


def test_expand_when_allocation_swept_then_spec_base_allocation_set() -> None:
    space = {"lower": [58_000], "upper": [61_000], "grids": [10], "allocation": [500, 900]}
    exp = expand_grid({"symbol": "BTCUSDT"}, space)
    assert [float(c.spec.base_allocation) for c in exp.candidates] == [500.0, 900.0]


@pytest.mark.parametrize(
    ("space", "match"),
    [
        ({"lower": [1], "colour": ["red"]}, "cannot sweep colour"),
        ({"lower": []}, "no values"),
        ({"fill_rule": ["near"]}, "fill_rule"),
    ],
)
def test_expand_when_space_invalid_then_raises_value_error(
    space: dict[str, list[Any]], match: str
) -> None:
    with pytest.raises(ValueError, match=match):
        expand_grid(BASE, space)


def test_skip_reason_when_numbers_differ_then_same_key() -> None:
    a = skip_reason(ValueError("lower (60000) must be below upper (59000.5)"))
    b = skip_reason(ValueError("lower (61000) must be below upper (1e4)"))
    assert a == b == "lower (#) must be below upper (#)"


@pytest.mark.parametrize("metric", list(METRICS))
def test_rank_when_metric_chosen_then_rows_sorted_best_first(
    sweep: SweepResult, metric: str
) -> None:
    ranked = rank(sweep.rows, metric)
    values = [r.metric(metric) for r in ranked]
    assert values == sorted(values, reverse=True)
    assert ranked[0].metric(metric) == max(getattr(r.summary, METRICS[metric]) for r in ranked)


def test_rank_when_metric_unknown_then_raises() -> None:
    with pytest.raises(ValueError, match="metric"):
        rank([], "profit")


def test_rank_when_values_tie_then_expansion_order_kept(sweep: SweepResult) -> None:
    row = sweep.rows[0]
    twins = [SweepRow(i, row.params, row.summary, row.spec, row.config) for i in (5, 2, 9)]
    assert [r.index for r in rank(twins, "return")] == [2, 5, 9]


def test_run_sweep_when_parallel_and_serial_then_identical_summaries(
    market: Candles, sweep: SweepResult
) -> None:
    serial = run_sweep(market, BASE, SPACE, workers=1)
    assert (sweep.workers, serial.workers) == (2, 1)
    assert [r.index for r in serial.rows] == [r.index for r in sweep.rows]
    assert [r.summary for r in serial.rows] == [r.summary for r in sweep.rows]


def test_run_sweep_when_small_chunks_then_every_config_run_once(market: Candles) -> None:
    result = run_sweep(market, BASE, SPACE, workers=2, chunk_size=1)
    assert sorted(r.index for r in result.rows) == list(range(24))
    assert (result.configs, result.skipped) == (24, 0)


def test_run_sweep_when_row_rerun_then_summary_matches_single_backtest(
    market: Candles, sweep: SweepResult
) -> None:
    best = sweep.rows[0]
    single = run_backtest(best.spec, market, config=best.config, record=False)
    assert single.run.summary == best.summary
    again = rerun(best, market)
    assert again.run.summary == best.summary
    assert again.run.equity.shape[0] == len(market)


def test_run_sweep_when_market_rejects_sizing_then_counted_not_raised(market: Candles) -> None:
    # 100 quote over 10 slots is 10 per level: below BTCUSDT's minimum order size.
    space = {"lower": [58_000], "upper": [61_000], "grids": [10], "allocation": [100, 10_000]}
    result = run_sweep(market, {"symbol": "BTCUSDT"}, space, workers=2, chunk_size=1)
    assert [r.params["allocation"] for r in result.rows] == [10_000]
    (reason,) = result.skip_reasons
    assert reason.startswith("base_allocation: slot # at #")
    assert (result.skipped, result.total) == (1, 2)


def test_run_sweep_when_reported_then_json_has_counts_and_top_rows(sweep: SweepResult) -> None:
    d = sweep.to_dict(top=3)
    assert (d["configs"], d["skipped"], d["combinations"]) == (24, 0, 24)
    assert min(d["configs_per_s"], d["elapsed_s"]) > 0
    assert [row["rank"] for row in d["top"]] == [1, 2, 3]
    assert set(d["top"][0]) == {"rank", "index", "params", "metric", "summary"}
    assert d["top"][0]["metric"] == d["top"][0]["summary"]["total_return"]


def test_run_sweep_when_metric_unknown_then_raises(market: Candles) -> None:
    with pytest.raises(ValueError, match="metric"):
        run_sweep(market, BASE, SPACE, metric="pnl")


def test_run_sweep_when_real_btc_month_then_rows_match_single_backtests() -> None:
    path = shared_market_dir() / "binance_spot_BTCUSDT_1m" / "BTCUSDT_1m_2024.parquet"
    if not Path(path).is_file():
        pytest.skip(f"real market data not available: {path} (set GRIDARENA_MARKET_DATA)")
    month = load_candles(path).slice(0, 44_640)
    space = {"lower": [38_000, 40_000], "upper": [48_000, 50_000], "grids": [20, 40]}
    result = run_sweep(month, {"symbol": "BTCUSDT", "base_allocation": 10_000}, space, workers=2)
    assert result.configs == 8
    for row in result.rows:
        single = run_backtest(row.spec, month, config=row.config, record=False)
        assert single.run.summary == row.summary
