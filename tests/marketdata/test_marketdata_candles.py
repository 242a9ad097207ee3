"""Candles and Funding containers."""

from __future__ import annotations

import numpy as np
import pytest
from marketdata_helpers import MINUTE, T0, make_candles

from gridarena.marketdata import Candles, Funding


def test_construct_when_given_lists_then_arrays_are_contiguous_int64_and_float64() -> None:
    c = Candles("X", MINUTE, [T0, T0 + MINUTE], [1, 2], [2, 3], [1, 1], [2, 3], [5, 6])
    assert c.ts_ms.dtype == np.int64
    for arr in (c.open, c.high, c.low, c.close, c.volume):
        assert arr.dtype == np.float64
        assert arr.flags.c_contiguous
    assert len(c) == 2


def test_construct_when_strided_input_then_copied_to_contiguous() -> None:
    wide = np.arange(20, dtype=np.float64)[::2]
    c = Candles("X", MINUTE, np.arange(10) * MINUTE, wide, wide + 1, wide, wide, wide)
    assert c.open.flags.c_contiguous
    np.testing.assert_array_equal(c.open, wide)


def test_construct_when_lengths_differ_then_raises() -> None:
    with pytest.raises(ValueError, match="close"):
        Candles("X", MINUTE, [T0, T0 + MINUTE], [1, 2], [2, 3], [1, 1], [2], [5, 6])


def test_slice_when_range_given_then_views_of_the_rows() -> None:
    c = make_candles(np.arange(1.0, 11.0))
    part = c.slice(2, 5)
    assert len(part) == 3
    assert part.close.tolist() == [3.0, 4.0, 5.0]
    assert np.shares_memory(part.close, c.close)
    assert part.symbol == c.symbol
    assert part.timeframe_ms == c.timeframe_ms


def test_between_when_bounds_given_then_half_open_interval_by_open_time() -> None:
    c = make_candles(np.arange(1.0, 11.0))
    part = c.between(T0 + 2 * MINUTE, T0 + 5 * MINUTE)
    assert part.ts_ms.tolist() == [T0 + k * MINUTE for k in (2, 3, 4)]
    assert len(c.between(T0 + 30 * MINUTE, None)) == 0
    assert len(c.between(T0 + 5 * MINUTE, T0)) == 0
    assert len(c.between()) == len(c)


def test_to_frame_when_called_then_columns_and_utc_index() -> None:
    c = make_candles([1.0, 2.0, 3.0])
    frame = c.to_frame()
    assert list(frame.columns) == ["ts_ms", "open", "high", "low", "close", "volume"]
    assert str(frame.index.tz) == "UTC"
    assert frame.index[0].isoformat() == "2024-01-01T00:00:00+00:00"
    back = Candles.from_frame(frame, symbol=c.symbol, timeframe_ms=c.timeframe_ms)
    np.testing.assert_array_equal(back.close, c.close)
    np.testing.assert_array_equal(back.ts_ms, c.ts_ms)


def test_funding_between_when_bounds_given_then_events_inside() -> None:
    f = Funding(ts_ms=[0, 10, 20, 30], rate=[0.1, 0.2, 0.3, 0.4])
    assert f.between(10, 30).rate.tolist() == [0.2, 0.3]
    assert len(f) == 4
    with pytest.raises(ValueError, match="must match"):
        Funding(ts_ms=[0, 1], rate=[0.1])
