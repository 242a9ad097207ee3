"""EMA, MACD and trend classification against independent pandas computations."""

from __future__ import annotations

import numpy as np
import pytest
from indicators_helpers import assert_same_nan, real_candles, ref_ema, ref_macd

from gridarena.indicators import BEARISH, BULLISH, NEUTRAL, ema, macd, macd_trend, trend


@pytest.mark.parametrize("period", [1, 2, 12, 26, 200])
def test_ema_when_real_btc_closes_then_matches_sma_seeded_pandas_ewm(period: int) -> None:
    close = real_candles().close
    result = ema(close, period)
    expected = ref_ema(close, period)
    assert result.dtype == np.float64
    assert_same_nan(result, expected)
    assert np.isnan(result[: period - 1]).all()
    np.testing.assert_allclose(result, expected, rtol=1e-9)


def test_ema_when_small_series_then_hand_computed_values() -> None:
    # period 3: seed mean(1, 2, 3) = 2 at bar 2, then k = 0.5: 2 + (4 − 2)/2 = 3, 3 + (8 − 3)/2.
    np.testing.assert_allclose(ema([1.0, 2.0, 3.0, 4.0, 8.0], 3)[2:], [2.0, 3.0, 5.5])


@pytest.mark.parametrize("symbol", ["BTCUSDT", "XRPUSDT"])
def test_macd_when_real_closes_then_matches_independent_seeding(symbol: str) -> None:
    close = real_candles(symbol).close
    line, signal, hist = macd(close, 12, 26, 9)
    ref_line, ref_signal, ref_hist = ref_macd(close, 12, 26, 9)
    for got, want in ((line, ref_line), (signal, ref_signal), (hist, ref_hist)):
        assert_same_nan(got, want)
        # The lines are differences of ~price-sized EMAs: compare on the price scale too.
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-11 * float(np.median(close)))
    assert np.isnan(line[:33]).all()
    assert not np.isnan(line[33:]).any()


def test_macd_when_fast_not_shorter_than_slow_then_raises() -> None:
    with pytest.raises(ValueError, match=r"fast \(26\) must be shorter than slow \(12\)"):
        macd(np.arange(100.0), fast=26, slow=12)


def test_macd_when_fast_is_one_then_raises_with_talib_minimum() -> None:
    with pytest.raises(ValueError, match="fast must be an integer >= 2"):
        macd(np.arange(100.0), fast=1)


def test_macd_when_fewer_bars_than_warm_up_then_all_nan() -> None:
    for out in macd(np.arange(1.0, 34.0)):  # 33 bars; the first value needs 34
        assert np.isnan(out).all()


def test_macd_trend_when_lines_cross_then_classifies_each_bar() -> None:
    line = np.array([np.nan, 1.0, 2.0, -1.0, 0.5])
    signal = np.array([np.nan, 0.5, 2.0, 0.0, 0.5])
    codes = macd_trend(line, signal, line - signal)
    np.testing.assert_array_equal(codes, [NEUTRAL, BULLISH, NEUTRAL, BEARISH, NEUTRAL])
    assert codes.dtype == np.int8


def test_trend_when_real_btc_closes_then_matches_independent_ema_rule() -> None:
    close = real_candles().close
    fast, slow, bars = 12, 26, 3
    ef, es = ref_ema(close, fast), ref_ema(close, slow)
    slope = np.full(close.size, np.nan)
    slope[bars:] = es[bars:] - es[:-bars]
    expected = np.where((ef > es) & (slope > 0), 1, np.where((ef < es) & (slope < 0), -1, 0))
    result = trend(close, fast, slow, slope_bars=bars)
    # Bars where fast and slow (or the slope) tie within rounding may flip; none should here.
    np.testing.assert_array_equal(result, expected)
    assert {BULLISH, BEARISH, NEUTRAL} <= set(result.tolist())


def test_trend_when_threshold_set_then_small_gaps_are_neutral() -> None:
    close = np.linspace(100.0, 101.0, 200)  # a gentle rise: fast above slow by ~0.07 %
    assert trend(close)[-1] == BULLISH
    assert trend(close, threshold=0.01)[-1] == NEUTRAL


@pytest.mark.parametrize("bad", [0, -3, 2.5, True])
def test_ema_when_period_invalid_then_raises_clear_error(bad: object) -> None:
    with pytest.raises(ValueError, match="period must be an integer >= 1"):
        ema(np.arange(10.0), bad)  # type: ignore[arg-type]


def test_ema_when_period_longer_than_series_then_all_nan() -> None:
    assert np.isnan(ema(np.arange(5.0), 6)).all()


def test_ema_when_input_is_2d_then_raises() -> None:
    with pytest.raises(ValueError, match="1-D"):
        ema(np.ones((3, 3)), 2)
