"""Loading candle and funding files in the repo, freqtrade and Binance layouts."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.feather as paf
import pyarrow.parquet as pq
import pytest
from marketdata_helpers import MINUTE, T0, make_candles, real_file

from gridarena.marketdata import (
    CandleDataError,
    Candles,
    Funding,
    find_funding_file,
    load_candles,
    load_funding,
    load_many,
    save_candles,
    save_funding,
)
from gridarena.marketdata.naming import infer_symbol


def _assert_same(a: Candles, b: Candles) -> None:
    for name in ("ts_ms", "open", "high", "low", "close", "volume"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))


@pytest.mark.parametrize(
    ("name", "symbol"),
    [
        ("BTCUSDT_1m_2024.parquet", "BTCUSDT"),
        ("BTCUSDT_PERP_1m.parquet", "BTCUSDT"),
        ("ETH_BTC-5m.feather", "ETHBTC"),
        ("BTC_USDT_USDT-1m-futures.feather", "BTCUSDT"),
        ("BTCUSDT-1m-2024-01-01.csv", "BTCUSDT"),
        ("solusdt_15m.parquet", "SOLUSDT"),
    ],
)
def test_infer_symbol_when_common_file_names_then_exchange_symbol(name: str, symbol: str) -> None:
    assert infer_symbol(name) == symbol


def test_infer_symbol_when_name_has_no_symbol_then_raises() -> None:
    with pytest.raises(ValueError, match="cannot infer a symbol"):
        infer_symbol("1m_2024.parquet")


@pytest.mark.parametrize("suffix", [".parquet", ".feather", ".csv"])
def test_load_when_saved_in_repo_schema_then_round_trips(tmp_path: Path, suffix: str) -> None:
    c = make_candles(np.linspace(100.0, 120.0, 300), symbol="ABCUSDT", step_ms=5 * MINUTE)
    path = save_candles(c, tmp_path / f"ABCUSDT_5m{suffix}")
    loaded = load_candles(path)
    assert loaded.symbol == "ABCUSDT"
    assert loaded.timeframe_ms == 5 * MINUTE
    _assert_same(loaded, c)
    assert loaded.close.flags.writeable


def test_load_when_parquet_written_then_schema_and_zstd_like_the_shared_files(
    tmp_path: Path,
) -> None:
    path = save_candles(make_candles([1.0, 2.0, 3.0]), tmp_path / "X_1m.parquet")
    meta = pq.ParquetFile(path).metadata
    assert pq.read_schema(path).names == ["ts_ms", "open", "high", "low", "close", "volume"]
    assert meta.row_group(0).column(0).compression == "ZSTD"


def test_load_when_freqtrade_date_column_then_converted_to_ms(tmp_path: Path) -> None:
    c = make_candles(np.linspace(1.0, 2.0, 10))
    table = pa.table(
        {
            "date": pa.array(c.ts_ms * 1_000_000, pa.timestamp("ns", tz="UTC")),
            **{k: getattr(c, k) for k in ("open", "high", "low", "close", "volume")},
        }
    )
    path = tmp_path / "ABC_USDT-1m.feather"
    paf.write_feather(table, path)
    loaded = load_candles(path)
    assert loaded.symbol == "ABCUSDT"
    _assert_same(loaded, c)


def test_load_when_headerless_binance_csv_with_microseconds_then_ms(tmp_path: Path) -> None:
    c = make_candles([10.0, 11.0, 12.0, 11.5])
    lines = [
        # Binance public data: 12 columns, no header; 2025 files use microseconds.
        f"{ts * 1000},{o},{h},{lo},{cl},{v},{ts * 1000 + 59_999_999},1.0,3,0.5,0.5,0"
        for ts, o, h, lo, cl, v in zip(
            c.ts_ms, c.open, c.high, c.low, c.close, c.volume, strict=True
        )
    ]
    path = tmp_path / "BTCUSDT-1m-2025-01-01.csv"
    path.write_text("\n".join(lines) + "\n")
    loaded = load_candles(path)
    assert loaded.symbol == "BTCUSDT"
    assert loaded.timeframe_ms == MINUTE
    _assert_same(loaded, c)


def test_load_when_csv_has_open_time_header_then_used_as_time(tmp_path: Path) -> None:
    path = tmp_path / "ETHUSDT-1h.csv"
    path.write_text(
        "open_time,open,high,low,close,volume\n"
        f"{T0},10,11,9,10.5,1\n{T0 + 3_600_000},10.5,12,10,11,2\n"
    )
    loaded = load_candles(path)
    assert loaded.timeframe_ms == 3_600_000
    assert loaded.ts_ms.tolist() == [T0, T0 + 3_600_000]


def test_load_when_symbol_given_then_overrides_file_name(tmp_path: Path) -> None:
    path = save_candles(make_candles([1.0, 2.0]), tmp_path / "whatever_1m.parquet")
    assert load_candles(path, symbol="XYZUSDT").symbol == "XYZUSDT"


def test_load_when_single_row_then_timeframe_from_file_name(tmp_path: Path) -> None:
    path = save_candles(make_candles([1.0]), tmp_path / "ABCUSDT_15m.csv")  # csv: no metadata
    assert load_candles(path).timeframe_ms == 15 * MINUTE


def test_load_when_saved_by_gridarena_then_symbol_and_timeframe_from_metadata(
    tmp_path: Path,
) -> None:
    c = make_candles([1.0], symbol="SOLUSDT", step_ms=4 * 3_600_000)
    path = save_candles(c, tmp_path / "out.parquet")
    loaded = load_candles(path)
    assert loaded.symbol == "SOLUSDT"
    assert loaded.timeframe_ms == 4 * 3_600_000
    assert load_candles(path, symbol="OTHER").symbol == "OTHER"


def test_load_when_file_missing_then_file_not_found(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no such file"):
        load_candles(tmp_path / "NOPE_1m.parquet")


def test_load_when_unsupported_suffix_then_raises(tmp_path: Path) -> None:
    path = tmp_path / "BTCUSDT_1m.json"
    path.write_text("[]")
    with pytest.raises(ValueError, match="unsupported file type"):
        load_candles(path)


def test_load_when_no_time_column_then_names_the_expected_columns(tmp_path: Path) -> None:
    path = tmp_path / "BTCUSDT_1m.parquet"
    pq.write_table(pa.table({"open": [1.0], "close": [1.0]}), path)
    with pytest.raises(CandleDataError, match="no time column"):
        load_candles(path)


def test_load_when_rows_invalid_then_raises_unless_validation_disabled(tmp_path: Path) -> None:
    c = make_candles([1.0, 2.0, 3.0])
    high = c.high.copy()
    high[1] = 0.5
    bad = Candles(c.symbol, c.timeframe_ms, c.ts_ms, c.open, high, c.low, c.close, c.volume)
    path = save_candles(bad, tmp_path / "BAD_1m.parquet")
    with pytest.raises(CandleDataError, match="row 1"):
        load_candles(path)
    assert len(load_candles(path, validate=False)) == 3


def test_load_many_when_yearly_files_then_concatenated_in_time_order(tmp_path: Path) -> None:
    c = make_candles(np.linspace(100.0, 200.0, 90), symbol="BTCUSDT")
    paths = [
        save_candles(c.slice(60, 90), tmp_path / "BTCUSDT_1m_2026.parquet"),
        save_candles(c.slice(0, 30), tmp_path / "BTCUSDT_1m_2024.parquet"),
        save_candles(c.slice(30, 60), tmp_path / "BTCUSDT_1m_2025.parquet"),
    ]
    merged = load_many(paths)
    assert merged.symbol == "BTCUSDT"
    _assert_same(merged, c)


def test_load_many_when_symbols_differ_then_raises(tmp_path: Path) -> None:
    a = save_candles(make_candles([1.0, 2.0], symbol="AAAUSDT"), tmp_path / "a_1m.parquet")
    b = save_candles(make_candles([1.0, 2.0], symbol="BBBUSDT"), tmp_path / "b_1m.parquet")
    with pytest.raises(CandleDataError, match="different symbols"):
        load_many([a, b])


def test_load_many_when_files_overlap_then_raises_naming_both(tmp_path: Path) -> None:
    c = make_candles(np.linspace(1.0, 2.0, 20), symbol="BTCUSDT")
    a = save_candles(c.slice(0, 12), tmp_path / "BTCUSDT_1m_2024.parquet")
    b = save_candles(c.slice(10, 20), tmp_path / "BTCUSDT_1m_2025.parquet")
    with pytest.raises(
        CandleDataError, match=r"BTCUSDT_1m_2025\.parquet starts .* inside BTCUSDT_1m_2024\.parquet"
    ):
        load_many([a, b])


def test_find_funding_file_when_usdm_layout_then_found_and_loaded(tmp_path: Path) -> None:
    candle_path = save_candles(make_candles([1.0, 2.0]), tmp_path / "BTCUSDT_PERP_1m.parquet")
    assert find_funding_file(candle_path) is None
    events = Funding(ts_ms=[T0, T0 + 8 * 3_600_000], rate=[0.0001, -0.00005])
    save_funding(events, tmp_path / "funding" / "BTCUSDT_PERP_funding.parquet")
    found = find_funding_file(candle_path)
    assert found == tmp_path / "funding" / "BTCUSDT_PERP_funding.parquet"
    loaded = load_funding(found)
    assert loaded.ts_ms.tolist() == events.ts_ms.tolist()
    assert loaded.rate.tolist() == events.rate.tolist()


def test_load_when_real_freqtrade_feather_then_symbol_and_5m() -> None:
    c = load_candles(real_file("freqtrade_testdata/ETH_BTC-5m.feather"))
    assert c.symbol == "ETHBTC"
    assert c.timeframe_ms == 5 * MINUTE
    assert len(c) == 5760
    assert c.ts_ms[0] == 1_515_560_100_000  # 2018-01-10 04:55 UTC


def test_load_when_real_usdm_perp_then_funding_file_beside_it() -> None:
    path = real_file("binance_usdm_1m_2025-05/BTCUSDT_PERP_1m.parquet")
    c = load_candles(path)
    assert c.symbol == "BTCUSDT"
    funding_path = find_funding_file(path)
    assert funding_path is not None
    funding = load_funding(funding_path)
    assert len(funding) == 266
    # 8-hourly events (Binance stamps them a few ms late).
    assert np.all(np.abs(np.diff(funding.ts_ms) - 8 * 3_600_000) < 1_000)


def test_load_when_few_rows_with_a_gap_then_timeframe_is_a_real_step(tmp_path: Path) -> None:
    c = make_candles([1.0, 2.0, 3.0], ts=[T0, T0 + MINUTE, T0 + 9 * MINUTE])
    path = save_candles(c, tmp_path / "ABCUSDT.parquet")
    assert load_candles(path).timeframe_ms == MINUTE


def test_load_when_rows_unsorted_then_validation_names_the_row(tmp_path: Path) -> None:
    c = make_candles([1.0, 2.0, 3.0], ts=[T0 + 2 * MINUTE, T0, T0 + MINUTE])
    path = save_candles(c, tmp_path / "ABCUSDT_1m.parquet")
    with pytest.raises(CandleDataError, match=r"row 1 .*unsorted"):
        load_candles(path)
