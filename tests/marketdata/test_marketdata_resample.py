"""Resampling to coarser timeframes: UTC-aligned buckets, OHLCV aggregation, no fill."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from marketdata_helpers import MINUTE, T0, make_candles, real_file

from gridarena.marketdata import load_candles, parse_timeframe, resample

_VALID = [
    ("1m", 60_000),
    ("15m", 900_000),
    ("1h", 3_600_000),
    ("4h", 14_400_000),
    ("1d", 86_400_000),
    ("1w", 604_800_000),
    ("30s", 30_000),
    (300_000, 300_000),
]


@pytest.mark.parametrize(("text", "ms"), _VALID)
def test_parse_timeframe_when_valid_then_milliseconds(text: str | int, ms: int) -> None:
    assert parse_timeframe(text) == ms


@pytest.mark.parametrize("text", ["", "15", "m", "0m", "1M", "1y", "15 minutes", "-5m", 0])
def test_parse_timeframe_when_unknown_then_raises(text: str | int) -> None:
    with pytest.raises(ValueError, match="timeframe"):
        parse_timeframe(text)


def test_resample_when_5m_from_1m_then_ohlcv_aggregated() -> None:
    # Start at 00:03 so the first 5m bucket (00:00) is partial.
    c = make_candles(np.arange(1.0, 13.0), start_ms=T0 + 3 * MINUTE)
    out = resample(c, "5m")
    assert out.timeframe_ms == 5 * MINUTE
    assert out.ts_ms.tolist() == [T0, T0 + 5 * MINUTE, T0 + 10 * MINUTE]
    assert out.open.tolist() == [c.open[0], c.open[2], c.open[7]]
    assert out.close.tolist() == [c.close[1], c.close[6], c.close[11]]
    assert out.high.tolist() == [c.high[:2].max(), c.high[2:7].max(), c.high[7:].max()]
    assert out.low.tolist() == [c.low[:2].min(), c.low[2:7].min(), c.low[7:].min()]
    assert out.volume.tolist() == [4.0, 10.0, 10.0]


def test_resample_when_source_has_hole_then_empty_buckets_absent() -> None:
    minutes = [0, 1, 2, 30, 31]  # nothing between 00:03 and 00:29
    c = make_candles([1.0, 2.0, 3.0, 4.0, 5.0], ts=[T0 + m * MINUTE for m in minutes])
    out = resample(c, "15m")
    assert out.ts_ms.tolist() == [T0, T0 + 30 * MINUTE]


def test_resample_when_weekly_then_buckets_start_on_monday() -> None:
    c = make_candles(np.linspace(1.0, 2.0, 20), step_ms=86_400_000)  # 2024-01-01 is a Monday
    out = resample(c, "1w")
    assert out.ts_ms.tolist() == [T0, T0 + 7 * 86_400_000, T0 + 14 * 86_400_000]


@pytest.mark.parametrize("target", ["30s", "90s", "150s"])
def test_resample_when_target_not_a_multiple_then_raises(target: str) -> None:
    with pytest.raises(ValueError, match="whole multiple"):
        resample(make_candles([1.0, 2.0]), target)


def test_resample_when_empty_then_empty_with_target_timeframe() -> None:
    out = resample(make_candles([]), "1h")
    assert len(out) == 0
    assert out.timeframe_ms == 3_600_000


@settings(max_examples=60, deadline=None)
@given(
    offsets=st.lists(st.integers(0, 600), min_size=1, max_size=120, unique=True),
    target=st.sampled_from(["2m", "5m", "15m", "1h"]),
    seed=st.integers(0, 2**31),
)
def test_resample_when_random_series_then_matches_pandas_reference(
    offsets: list[int], target: str, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    minutes = np.sort(np.asarray(offsets))
    c = make_candles(
        100 + rng.standard_normal(minutes.size).cumsum(), ts=list(T0 + minutes * MINUTE)
    )
    out = resample(c, target)
    frame = c.to_frame()
    buckets = frame.resample(pd.Timedelta(milliseconds=parse_timeframe(target)), origin="epoch")
    agg = {"open": "first", "high": "max", "low": "min", "close": "last", "volume": "sum"}
    ref = buckets.agg(agg)[buckets["volume"].count() > 0]  # pandas fills empty buckets; we don't
    np.testing.assert_array_equal(out.ts_ms, ref.index.as_unit("ms").asi8)
    for name in ("open", "high", "low", "close", "volume"):
        np.testing.assert_allclose(getattr(out, name), ref[name].to_numpy(), rtol=0, atol=1e-9)
    assert np.all(out.high >= np.maximum(out.open, out.close))
    assert np.all(out.low <= np.minimum(out.open, out.close))


def test_resample_when_real_1m_to_15m_then_equals_binance_15m_candles() -> None:
    one = load_candles(real_file("binance_spot_BTCUSDT_1m/BTCUSDT_1m_2024.parquet"))
    fifteen = load_candles(real_file("binance_spot_15m_2023-04_2024-04/BTCUSDT_15m.parquet"))
    overlap_end = int(fifteen.ts_ms[-1]) + 15 * MINUTE
    mine = resample(one.between(None, overlap_end), "15m")
    theirs = fifteen.between(int(mine.ts_ms[0]), None)
    assert len(mine) == len(theirs) == 9_599
    np.testing.assert_array_equal(mine.ts_ms, theirs.ts_ms)
    for name in ("open", "high", "low", "close"):
        np.testing.assert_array_equal(getattr(mine, name), getattr(theirs, name))
    np.testing.assert_allclose(mine.volume, theirs.volume, rtol=1e-12)
