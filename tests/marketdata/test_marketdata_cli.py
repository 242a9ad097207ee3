"""`gridarena data` commands, driven through Typer's CliRunner on `data_app`."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
from marketdata_fake_binance import FakeBinance, serve
from marketdata_helpers import MINUTE, T0, make_candles, real_file
from typer.testing import CliRunner

from gridarena.marketdata import generate_market, load_candles, load_funding, save_candles
from gridarena.marketdata.cli import data_app

runner = CliRunner()


def _ok(args: list[str]) -> str:
    result = runner.invoke(data_app, args)
    assert result.exit_code == 0, result.output
    return result.output


def _fails(args: list[str]) -> str:
    result = runner.invoke(data_app, args)
    assert result.exit_code != 0
    # A clean exit (typer.Exit / usage error), never an unhandled exception.
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    return result.output


def test_data_when_no_arguments_then_help_lists_commands() -> None:
    result = runner.invoke(data_app, [])
    for command in ("download", "info", "resample", "generate"):
        assert command in result.output


def test_generate_when_seed_and_count_then_file_with_that_market(tmp_path: Path) -> None:
    out = tmp_path / "gen.parquet"
    funding = tmp_path / "funding" / "BTCUSDT_PERP_funding.parquet"
    text = _ok(
        [
            *("generate", "--seed", "3", "--candles", "2000", "--out", str(out)),
            *("--start", "2024-02-01", "--funding-out", str(funding)),
        ]
    )
    assert "wrote 2,000" in text
    got = load_candles(out, symbol="BTCUSDT")
    expected = generate_market(seed=3, n_candles=2_000, start_ms=T0 + 31 * 1_440 * MINUTE)
    np.testing.assert_array_equal(got.close, expected.close)
    np.testing.assert_array_equal(got.ts_ms, expected.ts_ms)
    assert len(load_funding(funding)) == 5


def test_generate_when_bad_timeframe_then_clear_error(tmp_path: Path) -> None:
    out = _fails(["generate", "--timeframe", "5x", "--out", str(tmp_path / "g.parquet")])
    assert "unknown timeframe '5x'" in out


def test_info_when_file_then_table_with_rows_and_range(tmp_path: Path) -> None:
    path = save_candles(make_candles(np.linspace(10, 20, 120)), tmp_path / "ABCUSDT_1m.parquet")
    text = _ok(["info", str(path)])
    assert "ABCUSDT" in text
    assert "120" in text
    assert "2024-01-01T00:00:00Z" in text
    assert "none" in text  # no gaps


def test_info_when_json_then_machine_readable_report(tmp_path: Path) -> None:
    minutes = [0, 1, 2, 10, 11]
    c = make_candles([1.0, 2, 3, 4, 5], ts=[T0 + m * MINUTE for m in minutes])
    path = save_candles(c, tmp_path / "ABCUSDT_1m.csv")
    report = json.loads(_ok(["info", str(path), "--json"]))
    assert report["rows"] == 5
    assert report["gaps"] == 1
    assert report["missing_candles"] == 7
    assert report["largest_gap_start"] == "2024-01-01T00:02:00Z"
    assert report["timeframe_ms"] == MINUTE


def test_info_when_strict_and_gaps_then_fails_naming_the_gap(tmp_path: Path) -> None:
    c = make_candles([1.0, 2, 3], ts=[T0, T0 + MINUTE, T0 + 9 * MINUTE])
    path = save_candles(c, tmp_path / "ABCUSDT_1m.parquet")
    assert "gap" in _fails(["info", str(path), "--strict"])


def test_info_when_file_missing_then_clear_error(tmp_path: Path) -> None:
    assert "no such file" in _fails(["info", str(tmp_path / "NOPE_1m.parquet")])


def test_info_when_rows_corrupt_then_error_names_the_row(tmp_path: Path) -> None:
    c = make_candles([1.0, 2.0, 3.0])
    low = c.low.copy()
    low[2] = -1.0
    bad = type(c)(c.symbol, c.timeframe_ms, c.ts_ms, c.open, c.high, low, c.close, c.volume)
    path = save_candles(bad, tmp_path / "BAD_1m.parquet")
    assert "row 2" in _fails(["info", str(path)])


def test_info_when_real_usdm_file_then_mentions_funding() -> None:
    path = real_file("binance_usdm_1m_2025-05/BTCUSDT_PERP_1m.parquet")
    report = json.loads(_ok(["info", str(path), "--json"]))
    assert report["symbol"] == "BTCUSDT"
    assert report["funding"].startswith("266 events")


def test_resample_when_15m_then_output_file_aggregated(tmp_path: Path) -> None:
    src = save_candles(generate_market(n_candles=600), tmp_path / "BTCUSDT_1m.parquet")
    out = tmp_path / "BTCUSDT_15m.parquet"
    assert "wrote 40 15m candles" in _ok(
        ["resample", str(src), "--timeframe", "15m", "--out", str(out)]
    )
    got = load_candles(out)
    assert got.timeframe_ms == 15 * MINUTE
    assert len(got) == 40


def test_resample_when_unknown_timeframe_then_clear_error(tmp_path: Path) -> None:
    src = save_candles(make_candles([1.0, 2.0]), tmp_path / "ABCUSDT_1m.parquet")
    out = _fails(
        ["resample", str(src), "--timeframe", "fast", "--out", str(tmp_path / "o.parquet")]
    )
    assert "unknown timeframe 'fast'" in out


def test_download_when_local_venue_then_parquet_in_repo_schema(tmp_path: Path) -> None:
    source = generate_market(seed=5, n_candles=1_500, start_ms=T0)
    out = tmp_path / "BTCUSDT_1m.parquet"
    with serve(FakeBinance({"BTCUSDT": source}, {"BTCUSDT": ("BTC", "USDT")})) as venue:
        args = ["download", "--exchange", "binance", "--symbol", "BTC/USDT", "--timeframe", "1m"]
        args += ["--since", "2024-01-01", "--until", "2024-01-01T20:00", "--out", str(out)]
        text = _ok([*args, "--base-url", venue.base_url])
    assert "wrote 1,200 candles" in text
    assert pq.read_schema(out).names == ["ts_ms", "open", "high", "low", "close", "volume"]
    got = load_candles(out)
    np.testing.assert_array_equal(got.ts_ms, source.ts_ms[:1_200])
    np.testing.assert_allclose(got.close, source.close[:1_200], rtol=1e-12)


def test_download_when_bad_date_then_clear_error_and_no_file(tmp_path: Path) -> None:
    out = tmp_path / "x.parquet"
    text = _fails(
        ["download", "--symbol", "BTC/USDT", "--since", "last tuesday", "--out", str(out)]
    )
    assert "bad date 'last tuesday'" in text
    assert not out.exists()


def test_download_when_until_before_since_then_clear_error(tmp_path: Path) -> None:
    args = ["download", "--symbol", "BTC/USDT", "--since", "2024-02-01", "--until", "2024-01-01"]
    assert "must be after" in _fails([*args, "--out", str(tmp_path / "x.parquet")])


def test_download_when_symbol_unknown_then_clear_error(tmp_path: Path) -> None:
    source = make_candles([1.0, 2.0], symbol="BTCUSDT")
    with serve(FakeBinance({"BTCUSDT": source}, {"BTCUSDT": ("BTC", "USDT")})) as venue:
        args = ["download", "--symbol", "FOO/BAR", "--since", "2024-01-01"]
        text = _fails([*args, "--out", str(tmp_path / "x.parquet"), "--base-url", venue.base_url])
    assert "no market 'FOO/BAR'" in text


def test_info_when_file_is_not_parquet_then_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "BTCUSDT_1m.parquet"
    path.write_text("this is not parquet")
    assert "error:" in _fails(["info", str(path)])


def test_generate_when_output_type_unknown_then_clear_error(tmp_path: Path) -> None:
    text = _fails(["generate", "--candles", "10", "--out", str(tmp_path / "g.xlsx")])
    assert "unsupported output type" in text
