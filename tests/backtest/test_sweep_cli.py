"""`gridarena sweep` through Typer's CliRunner on the real app, on a small generated market."""

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from gridarena.backtest.sweep_cli import parse_numbers, parse_optional
from gridarena.cli import app
from gridarena.marketdata import save_candles
from gridarena.marketdata.generator import generate_market

runner = CliRunner()


@pytest.fixture(scope="module")
def data_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sweep") / "BTCUSDT_1m.parquet"
    save_candles(generate_market(n_candles=3_000, seed=11), path)
    return path


def _sweep(data_file: Path, *args: str) -> dict[str, Any]:
    argv = ["sweep", "--data", str(data_file), "--workers", "2", "--json", *args]
    result = runner.invoke(app, argv)
    assert result.exit_code == 0, result.output
    out: dict[str, Any] = json.loads(result.stdout)
    return out


def _fails(args: list[str]) -> str:
    result = runner.invoke(app, ["sweep", *args])
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    return result.output


def test_sweep_when_json_then_one_object_with_counts_and_ranked_rows(data_file: Path) -> None:
    args = ["--lower", "58500,59000", "--upper", "61000", "--grids", "10:30:3", "--top", "4"]
    out = _sweep(data_file, *args, "--fill-rule", "touch", "--path", "olhc")
    assert {"configs", "skipped", "elapsed_s", "configs_per_s", "top"} <= set(out)
    assert (out["configs"], out["skipped"], out["workers"]) == (6, 0, 2)
    assert [row["rank"] for row in out["top"]] == [1, 2, 3, 4]
    returns = [row["summary"]["total_return"] for row in out["top"]]
    assert returns == sorted(returns, reverse=True)
    grids = {row["params"]["grids"] for row in out["top"]}
    assert grids <= {10, 20, 30}
    assert out["top"][0]["params"]["fill_rule"] == "touch"
    assert out["top"][0]["params"]["path"] == "olhc"


def test_sweep_when_fill_rules_listed_then_each_rule_swept(data_file: Path) -> None:
    out = _sweep(data_file, "--grids", "20", "--fill-rule", "touch,cross", "--top", "5")
    assert out["configs"] == 2
    assert {row["params"]["fill_rule"] for row in out["top"]} == {"touch", "cross"}


def test_sweep_when_metric_sharpe_then_rows_ranked_by_sharpe(data_file: Path) -> None:
    out = _sweep(data_file, "--lower", "58500", "--upper", "61000,61500", "--metric", "sharpe")
    sharpes = [row["summary"]["sharpe"] for row in out["top"]]
    assert sharpes == sorted(sharpes, reverse=True)
    assert out["metric"] == "sharpe"


def test_sweep_when_some_combinations_invalid_then_skipped_and_reported(data_file: Path) -> None:
    out = _sweep(data_file, "--lower", "58000,62000", "--upper", "61000", "--grids", "10")
    assert (out["configs"], out["skipped"]) == (1, 1)
    assert "must be below upper" in next(iter(out["skip_reasons"]))


def test_sweep_when_table_output_then_ranking_printed(data_file: Path) -> None:
    args = ["sweep", "--data", str(data_file), "--grids", "10,20", "--no-progress"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "Sweep — top 2 of 2 by return" in result.stdout
    assert "configs/s" in result.stdout


def test_sweep_when_report_requested_then_html_written(data_file: Path, tmp_path: Path) -> None:
    report = tmp_path / "sweep.html"
    _sweep(data_file, "--grids", "10,20", "--leverage", "1,2", "--report", str(report))
    text = report.read_text()
    assert text.startswith("<!DOCTYPE html>")
    assert "heat map" in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--grids", "10,x"], "--grids"),
        (["--grids", "10.5"], "whole number"),
        (["--lower", "1:2:0"], "--lower"),
        (["--metric", "pnl"], "--metric"),
        (["--direction", "up"], "--direction"),
        (["--fill-rule", "near"], "--fill-rule"),
        (["--workers", "0"], "--workers"),
        (["--maker-fee", "2"], "--maker-fee"),
        (["--data", "/nonexistent/candles.parquet"], "file not found"),
        (["--lower", "70000", "--upper", "61000"], "invalid"),
    ],
)
def test_sweep_when_input_bad_then_exit_2_with_message(args: list[str], message: str) -> None:
    assert message in _fails(args)


def test_parse_numbers_when_range_then_inclusive_linspace_without_float_noise() -> None:
    assert parse_numbers("0.1:0.3:3", "x") == [0.1, 0.2, 0.3]
    assert parse_numbers("10:30:3,30,40", "grids", integer=True) == [10, 20, 30, 40]
    assert parse_numbers("5:5:1", "x") == [5.0]


def test_parse_optional_when_none_given_then_feature_off_kept_in_list() -> None:
    assert parse_optional("none,0.02,off,0.01:0.02:2", "tp-pct") == [None, 0.02, 0.01]
