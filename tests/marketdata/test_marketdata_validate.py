"""Candle validation: corrupt rows fail with row and timestamp, gaps are reported."""

from __future__ import annotations

import numpy as np
import pytest
from marketdata_helpers import MINUTE, T0, make_candles, real_file

from gridarena.marketdata import CandleDataError, Candles, load_candles, validate_candles


def _with(c: Candles, **columns: np.ndarray) -> Candles:
    """Return a copy of ``c`` with some OHLCV columns replaced."""
    fields = {name: getattr(c, name).copy() for name in ("open", "high", "low", "close", "volume")}
    return Candles(c.symbol, c.timeframe_ms, c.ts_ms, **{**fields, **columns})


def test_validate_when_clean_then_report_counts_rows_and_no_gaps() -> None:
    c = make_candles(np.linspace(100, 110, 50))
    report = validate_candles(c)
    assert report.rows == 50
    assert report.first_ts_ms == T0
    assert report.last_ts_ms == T0 + 49 * MINUTE
    assert report.gaps == 0
    assert report.missing_candles == 0
    assert report.largest_gap_ms == 0
    assert report.zero_volume_rows == 0


def test_validate_when_empty_then_report_has_no_range() -> None:
    report = validate_candles(make_candles([]))
    assert report.rows == 0
    assert report.first_ts_ms is None
    assert report.last_ts_ms is None


@pytest.mark.parametrize(
    ("column", "row", "value", "message"),
    [
        ("close", 7, np.nan, "close is NaN or infinite"),
        ("volume", 3, np.inf, "volume is NaN or infinite"),
        ("low", 5, 0.0, "low <= 0"),
        ("low", 5, -1.0, "low <= 0"),
        ("high", 4, 50.0, "high < low"),
        ("volume", 6, -1.0, "volume < 0"),
    ],
)
def test_validate_when_bad_value_then_raises_naming_row_and_timestamp(
    column: str, row: int, value: float, message: str
) -> None:
    c = make_candles(np.linspace(100, 110, 10))
    arr = getattr(c, column).copy()
    arr[row] = value
    bad = _with(c, **{column: arr})
    with pytest.raises(CandleDataError, match=message) as info:
        validate_candles(bad)
    text = str(info.value)
    assert f"row {row} " in text
    assert f"ts_ms={T0 + row * MINUTE}" in text
    assert "2024-01-01T00:0" in text


def test_validate_when_high_below_close_then_raises() -> None:
    c = make_candles(np.linspace(100, 110, 10))
    high = c.high.copy()
    high[2] = c.close[2] - 0.01
    with pytest.raises(CandleDataError, match=r"row 2 .*high < max\(open, close\)"):
        validate_candles(_with(c, high=high))


def test_validate_when_low_above_open_then_raises() -> None:
    c = make_candles(np.linspace(100, 110, 10))
    low = c.low.copy()
    low[8] = min(c.open[8], c.close[8]) + 0.01
    with pytest.raises(CandleDataError, match=r"row 8 .*low > min\(open, close\)"):
        validate_candles(_with(c, low=low))


def test_validate_when_timestamps_unsorted_then_raises_at_the_later_row() -> None:
    ts = [T0 + k * MINUTE for k in (0, 1, 3, 2, 4)]
    with pytest.raises(CandleDataError, match=r"row 3 .*unsorted"):
        validate_candles(make_candles([1.0, 2, 3, 4, 5], ts=ts))


def test_validate_when_duplicate_timestamp_then_raises() -> None:
    ts = [T0 + k * MINUTE for k in (0, 1, 1, 2)]
    with pytest.raises(CandleDataError, match=r"row 2 .*duplicate timestamp"):
        validate_candles(make_candles([1.0, 2, 3, 4], ts=ts))


def test_validate_when_step_off_grid_then_raises() -> None:
    ts = [T0, T0 + MINUTE, T0 + MINUTE + 30_000]
    with pytest.raises(CandleDataError, match=r"row 2 .*not a multiple"):
        validate_candles(make_candles([1.0, 2, 3], ts=ts))


def test_validate_when_gaps_then_reported_with_largest_and_its_start() -> None:
    minutes = [0, 1, 2, 5, 6, 20, 21]  # holes of 2 and 13 candles
    c = make_candles(np.linspace(100, 101, 7), ts=[T0 + m * MINUTE for m in minutes])
    report = validate_candles(c)
    assert report.gaps == 2
    assert report.missing_candles == 15
    assert report.largest_gap_ms == 14 * MINUTE
    assert report.largest_gap_start_ms == T0 + 6 * MINUTE
    assert report.to_dict()["largest_gap_start"] == "2024-01-01T00:06:00Z"


def test_validate_when_gaps_not_allowed_then_raises() -> None:
    c = make_candles([1.0, 2, 3], ts=[T0, T0 + MINUTE, T0 + 10 * MINUTE])
    with pytest.raises(CandleDataError, match="1 gap"):
        validate_candles(c, allow_gaps=False)


def test_validate_when_zero_volume_then_counted_not_rejected() -> None:
    c = make_candles(np.linspace(1, 2, 5))
    vol = c.volume.copy()
    vol[[1, 3]] = 0.0
    assert validate_candles(_with(c, volume=vol)).zero_volume_rows == 2


def test_validate_when_real_2023_file_then_reports_the_81_minute_outage() -> None:
    c = load_candles(real_file("binance_spot_BTCUSDT_1m/BTCUSDT_1m_2023.parquet"))
    report = validate_candles(c)
    assert report.rows == 525_520
    assert report.gaps == 1
    assert report.largest_gap_ms == 81 * MINUTE
    assert report.to_dict()["largest_gap_start"] == "2023-03-24T12:39:00Z"
    assert report.zero_volume_rows == 72
    with pytest.raises(CandleDataError, match="2023-03-24T12:39:00Z"):
        validate_candles(c, allow_gaps=False)
