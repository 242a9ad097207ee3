"""Statistics helpers used by the stylized-facts checks."""

from __future__ import annotations

import numpy as np
import pytest

from gridarena.marketdata.stats import acf, excess_kurtosis, log_returns


def test_excess_kurtosis_when_normal_sample_then_near_zero() -> None:
    x = np.random.default_rng(1).standard_normal(200_000)
    assert abs(excess_kurtosis(x)) < 0.05


def test_excess_kurtosis_when_laplace_sample_then_near_three() -> None:
    x = np.random.default_rng(2).laplace(size=400_000)
    assert excess_kurtosis(x) == pytest.approx(3.0, abs=0.2)


def test_excess_kurtosis_when_constant_then_nan() -> None:
    assert np.isnan(excess_kurtosis(np.ones(10)))


def test_acf_when_ar1_then_powers_of_phi() -> None:
    rng = np.random.default_rng(3)
    eps = rng.standard_normal(200_000)
    x = np.empty_like(eps)
    x[0] = eps[0]
    for t in range(1, x.size):
        x[t] = 0.8 * x[t - 1] + eps[t]
    got = acf(x, [1, 2, 5])
    np.testing.assert_allclose(got, [0.8, 0.64, 0.8**5], atol=0.02)


def test_acf_when_lag_zero_or_too_long_then_one_or_nan() -> None:
    got = acf([1.0, 2.0, 3.0, 1.0], [0, 10])
    assert got[0] == 1.0
    assert np.isnan(got[1])


def test_log_returns_when_prices_then_diff_of_logs() -> None:
    np.testing.assert_allclose(log_returns([100.0, 110.0, 99.0]), [np.log(1.1), np.log(0.9)])
