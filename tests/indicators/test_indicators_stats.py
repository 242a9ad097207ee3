"""Realized volatility and rolling correlation against pandas rolling statistics."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from indicators_helpers import assert_same_nan, real_candles

from gridarena.indicators import correlation, log_returns, periods_per_year, realized_vol


def _pandas_log_returns(close: np.ndarray) -> pd.Series:
    return pd.Series(np.log(close)).diff()


@pytest.mark.parametrize(("window", "ddof"), [(60, 1), (2, 1), (240, 0)])
def test_realized_vol_when_real_btc_then_matches_pandas_rolling_std(window: int, ddof: int) -> None:
    close = real_candles().close
    result = realized_vol(close, window, ddof=ddof)
    expected = _pandas_log_returns(close).rolling(window).std(ddof=ddof).to_numpy()
    assert_same_nan(result, expected)
    assert np.isnan(result[:window]).all()
    # TA-Lib's rolling sums lose digits where a window's returns nearly coincide (tiny std next
    # to large returns); compare relative to the series' typical volatility there.
    np.testing.assert_allclose(result, expected, rtol=1e-9, atol=1e-9 * np.nanmedian(expected))


def test_realized_vol_when_annualised_then_scaled_by_sqrt_periods() -> None:
    close = real_candles("ETHUSDT").close
    per_bar = realized_vol(close, 60)
    yearly = realized_vol(close, 60, periods_per_year=periods_per_year(60_000))
    np.testing.assert_allclose(yearly, per_bar * math.sqrt(525_600), rtol=1e-12)
    assert 0.05 < np.nanmedian(yearly) < 5.0  # a plausible annual vol for ETH


def test_realized_vol_when_window_longer_than_series_then_all_nan() -> None:
    assert np.isnan(realized_vol(np.arange(1.0, 11.0), 10)).all()


def test_realized_vol_when_window_one_with_sample_ddof_then_raises() -> None:
    with pytest.raises(ValueError, match="window must be an integer >= 2"):
        realized_vol(np.arange(1.0, 11.0), 1)


def test_realized_vol_when_price_not_positive_then_raises() -> None:
    with pytest.raises(ValueError, match="> 0"):
        realized_vol(np.array([1.0, 0.0, 2.0, 3.0]), 2)


def test_realized_vol_when_prices_constant_then_zero() -> None:
    assert realized_vol(np.full(10, 7.0), 3)[3:].tolist() == [0.0] * 7


@pytest.mark.parametrize(
    ("pair", "window"), [(("BTCUSDT", "ETHUSDT"), 60), (("SOLUSDT", "XRPUSDT"), 15)]
)
def test_correlation_when_real_pairs_then_matches_pandas_rolling_corr(
    pair: tuple[str, str], window: int
) -> None:
    ca, cb = (real_candles(s) for s in pair)
    common = np.intersect1d(ca.ts_ms, cb.ts_ms)  # the files differ by a bar at the ends
    a = ca.close[np.isin(ca.ts_ms, common)]
    b = cb.close[np.isin(cb.ts_ms, common)]
    result = correlation(a, b, window)
    expected = _pandas_log_returns(a).rolling(window).corr(_pandas_log_returns(b)).to_numpy()
    assert np.isnan(result[:window]).all()
    # pandas gives NaN/inf where a window did not move; TA-Lib's rolling sums give 0.
    finite = np.isfinite(expected)
    assert finite[window:].mean() > 0.99
    np.testing.assert_allclose(result[finite], expected[finite], atol=1e-9)
    assert np.nanmedian(result) > 0.5  # crypto majors move together on 1m bars


def test_correlation_when_series_identical_then_one() -> None:
    close = real_candles().close[:500]
    np.testing.assert_allclose(correlation(close, close, 30)[30:], 1.0, rtol=1e-9)


def test_correlation_when_lengths_differ_then_raises() -> None:
    with pytest.raises(ValueError, match="equal length"):
        correlation(np.arange(1.0, 20.0), np.arange(1.0, 19.0), 5)


def test_log_returns_when_prices_given_then_first_nan_then_log_ratios() -> None:
    r = log_returns([100.0, 110.0, 99.0])
    assert math.isnan(r[0])
    np.testing.assert_allclose(r[1:], [math.log(1.1), math.log(0.9)])


def test_periods_per_year_when_timeframe_not_positive_then_raises() -> None:
    with pytest.raises(ValueError, match="timeframe_ms"):
        periods_per_year(0)
