"""RSI and KDJ (values, states, crosses) against independent pandas and loop computations."""

from __future__ import annotations

import numpy as np
import pytest
from indicators_helpers import assert_same_nan, real_candles, ref_kdj, ref_rsi

from gridarena.indicators import (
    DEATH,
    GOLDEN,
    NO_CROSS,
    OVERBOUGHT,
    OVERSOLD,
    kdj,
    kdj_cross,
    kdj_state,
    rsi,
    rsi_state,
)


@pytest.mark.parametrize(("symbol", "period"), [("BTCUSDT", 14), ("XRPUSDT", 14), ("ETHUSDT", 2)])
def test_rsi_when_real_closes_then_matches_wilder_reference(symbol: str, period: int) -> None:
    close = real_candles(symbol).close
    result = rsi(close, period)
    expected = ref_rsi(close, period)
    assert_same_nan(result, expected)
    assert np.isnan(result[:period]).all()
    np.testing.assert_allclose(result, expected, rtol=1e-9, atol=1e-9)


def test_rsi_when_prices_flat_then_zero_like_talib() -> None:
    assert rsi(np.full(20, 5.0), 14)[14:].tolist() == [0.0] * 6


def test_rsi_when_only_gains_then_hundred() -> None:
    assert rsi(np.arange(1.0, 21.0), 14)[-1] == pytest.approx(100.0)


def test_rsi_when_period_one_then_raises_talib_minimum() -> None:
    with pytest.raises(ValueError, match="period must be an integer >= 2"):
        rsi(np.arange(10.0), 1)


def test_rsi_state_when_thresholds_crossed_then_codes() -> None:
    values = np.array([np.nan, 71.0, 70.0, 50.0, 30.0, 29.9])
    np.testing.assert_array_equal(rsi_state(values), [0, OVERBOUGHT, 0, 0, 0, OVERSOLD])
    np.testing.assert_array_equal(rsi_state(values, 60.0, 55.0), [0, 1, 1, -1, -1, -1])


def test_rsi_state_when_bands_inverted_then_raises() -> None:
    with pytest.raises(ValueError, match="oversold"):
        rsi_state(np.array([50.0]), overbought=30.0, oversold=70.0)


@pytest.mark.parametrize(("symbol", "n", "m1", "m2"), [("BTCUSDT", 9, 3, 3), ("XRPUSDT", 14, 5, 2)])
def test_kdj_when_real_candles_then_matches_loop_reference(
    symbol: str, n: int, m1: int, m2: int
) -> None:
    c = real_candles(symbol)
    k, d, j = kdj(c.high, c.low, c.close, n, m1, m2)
    rk, rd, rj = ref_kdj(c.high, c.low, c.close, n, m1, m2)
    for got, want in ((k, rk), (d, rd), (j, rj)):
        assert_same_nan(got, want)
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-9)
    assert np.isnan(k[: n - 1]).all()
    assert not np.isnan(k[n - 1 :]).any()


def test_kdj_when_three_bars_then_hand_computed_first_values() -> None:
    high, low, close = [10.0, 12.0, 11.0], [8.0, 9.0, 9.0], [9.0, 11.0, 10.0]
    k, d, j = kdj(high, low, close, n=2, m1=3, m2=3)
    # bar 1: RSV = (11 − 8)/(12 − 8)·100 = 75, K = 2/3·50 + 75/3 = 58.33…, D = 2/3·50 + K/3.
    k1 = 2 / 3 * 50 + 75 / 3
    d1 = 2 / 3 * 50 + k1 / 3
    assert np.isnan(k[0])
    assert k[1] == pytest.approx(k1)
    assert d[1] == pytest.approx(d1)
    assert j[1] == pytest.approx(3 * k1 - 2 * d1)
    # bar 2: RSV = (10 − 9)/(12 − 9)·100.
    assert k[2] == pytest.approx(2 / 3 * k1 + 100 / 3 / 3)


def test_kdj_when_window_flat_then_k_unchanged() -> None:
    k, d, _ = kdj([5.0] * 6, [5.0] * 6, [5.0] * 6, n=3)
    assert k[2:].tolist() == [50.0] * 4
    assert d[2:].tolist() == [50.0] * 4


def test_kdj_when_lengths_differ_then_raises() -> None:
    with pytest.raises(ValueError, match="equal length"):
        kdj([1.0, 2.0], [1.0], [1.0, 2.0])


def test_kdj_when_n_longer_than_series_then_all_nan() -> None:
    for line in kdj(np.ones(5), np.ones(5), np.ones(5), n=9):
        assert np.isnan(line).all()


@pytest.mark.parametrize("field", ["n", "m1", "m2"])
def test_kdj_when_parameter_zero_then_raises_naming_it(field: str) -> None:
    with pytest.raises(ValueError, match=f"{field} must be an integer >= 1"):
        kdj(np.ones(20), np.ones(20), np.ones(20), **{field: 0})


def test_kdj_state_and_cross_when_k_crosses_d_then_codes() -> None:
    k = np.array([np.nan, 10.0, 30.0, 85.0, 50.0, 50.0])
    d = np.array([np.nan, 20.0, 25.0, 60.0, 55.0, 50.0])
    np.testing.assert_array_equal(kdj_state(k), [0, OVERSOLD, 0, OVERBOUGHT, 0, 0])
    np.testing.assert_array_equal(kdj_cross(k, d), [0, NO_CROSS, GOLDEN, NO_CROSS, DEATH, 0])


def test_kdj_cross_when_real_candles_then_every_cross_flips_the_order() -> None:
    c = real_candles()
    k, d, _ = kdj(c.high, c.low, c.close)
    cross = kdj_cross(k, d)
    golden, death = np.flatnonzero(cross == GOLDEN), np.flatnonzero(cross == DEATH)
    assert golden.size > 100
    assert death.size > 100
    assert (k[golden - 1] <= d[golden - 1]).all()
    assert (k[golden] > d[golden]).all()
    assert (k[death - 1] >= d[death - 1]).all()
    assert (k[death] < d[death]).all()
