"""`gridarena backtest` and `gridarena up` through the real Typer app."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gridarena.cli import app
from gridarena.marketdata.generator import generate_market
from gridarena.marketdata.writer import save_candles

runner = CliRunner()
SUMMARY_KEYS = {
    "candles",
    "fills",
    "round_trips",
    "realized_pnl",
    "unrealized_pnl",
    "fees",
    "funding",
    "final_equity",
    "max_drawdown",
    "elapsed_s",
}


@pytest.fixture(scope="module")
def market_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    market = generate_market(seed=5, n_candles=5000)
    return save_candles(market, tmp_path_factory.mktemp("data") / "BTCUSDT_1m.parquet")


def _grid_args(path: Path) -> list[str]:
    return [
        "backtest",
        "--data",
        str(path),
        "--symbol",
        "BTCUSDT",
        "--lower",
        "50000",
        "--upper",
        "70000",
        "--grids",
        "20",
        "--spacing",
        "arithmetic",
        "--direction",
        "neutral",
        "--allocation",
        "10000",
        "--leverage",
        "2",
    ]


def test_backtest_when_json_then_prints_one_object_with_summary_keys(market_file: Path) -> None:
    result = runner.invoke(app, [*_grid_args(market_file), "--fill-rule", "touch", "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out.keys() >= SUMMARY_KEYS
    assert out["candles"] == 5000
    assert out["config"]["fill_rule"] == "touch"


def test_backtest_when_spec_file_then_options_override_it(
    market_file: Path, tmp_path: Path
) -> None:
    spec = {
        "model": "chatgpt",
        "strategy": "grid",
        "symbol": "BTCUSDT",
        "lower": 40000,
        "upper": 80000,
        "grids": 10,
        "spacing": "geometric",
        "base_allocation": 5000,
        "leverage": 3,
        "entry_mode": "maker_first",
        "tp_pct": 0.5,
        "sl_pct": 0.5,
        "rebalance": False,
        "notes": "seed signal",
    }
    spec_path = tmp_path / "spec.json"
    spec_path.write_text(json.dumps(spec))
    args = ["backtest", "--data", str(market_file), "--spec", str(spec_path), "--grids", "12"]
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["levels"] == 13


def test_backtest_when_lower_above_upper_then_exit_2_naming_the_field(market_file: Path) -> None:
    args = _grid_args(market_file)
    args[args.index("--lower") + 1] = "80000"
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert "lower" in result.stderr


def test_backtest_when_data_missing_then_exit_2_with_message(tmp_path: Path) -> None:
    result = runner.invoke(app, _grid_args(tmp_path / "nope.parquet"))
    assert result.exit_code == 2
    assert "file not found" in result.stderr


def test_backtest_when_fill_rule_unknown_then_exit_2(market_file: Path) -> None:
    result = runner.invoke(app, [*_grid_args(market_file), "--fill-rule", "maybe"])
    assert result.exit_code == 2
    assert "--fill-rule" in result.stderr


def test_backtest_when_report_requested_then_html_written(
    market_file: Path, tmp_path: Path
) -> None:
    out = tmp_path / "r.html"
    result = runner.invoke(app, [*_grid_args(market_file), "--report", str(out)])
    assert result.exit_code == 0, result.output
    assert out.stat().st_size > 10_000
    assert "Backtest" in result.stdout
