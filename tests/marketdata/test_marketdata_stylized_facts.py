"""Stylized facts: generated 1m returns have fat tails and volatility clustering like BTCUSDT.

Measured on Binance BTCUSDT 1m (close-to-close log returns, whole calendar years):

    year  excess kurtosis  ACF|r| lag 1  lag 5   lag 30   ACF r lag 1
    2022        93.5          0.381      0.297   0.234     +0.011
    2023       132.0          0.416      0.315   0.224     +0.022
    2024        60.4          0.363      0.300   0.238     -0.012
    2025        86.3          0.379      0.333   0.272     -0.003

The generator over 30 seeds x 527,040 candles gave: kurtosis 46..709 (median 128),
ACF|r| lag 1 0.30..0.35, lag 5 0.28..0.34, lag 30 0.24..0.28, ACF r lag 1 -0.007..+0.012.
The bounds below hold for every real year and leave room for seed-to-seed noise.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest
from marketdata_helpers import real_file

from gridarena.marketdata import generate_market, load_candles
from gridarena.marketdata.stats import acf, excess_kurtosis, log_returns

YEAR_1M = 527_040
MIN_EXCESS_KURTOSIS = 5.0
ABS_ACF_BOUNDS = {1: (0.1, 0.6), 5: (0.1, 0.6), 30: (0.1, 0.5)}
MAX_RAW_ACF_LAG1 = 0.1
MAX_ABS_ACF_DISTANCE = 0.1  # generated vs real 2024, per lag


@dataclass(frozen=True)
class Facts:
    kurtosis: float
    abs_acf: dict[int, float]
    raw_acf1: float


def _facts(close: np.ndarray) -> Facts:
    r = log_returns(close)
    lags = list(ABS_ACF_BOUNDS)
    return Facts(
        kurtosis=excess_kurtosis(r),
        abs_acf=dict(zip(lags, acf(np.abs(r), lags).tolist(), strict=True)),
        raw_acf1=float(acf(r, [1])[0]),
    )


def _assert_stylized(f: Facts) -> None:
    assert f.kurtosis > MIN_EXCESS_KURTOSIS, f"tails too thin: excess kurtosis {f.kurtosis:.1f}"
    for lag, (lo, hi) in ABS_ACF_BOUNDS.items():
        assert lo <= f.abs_acf[lag] <= hi, f"ACF(|r|) lag {lag} = {f.abs_acf[lag]:.3f}"
    assert f.abs_acf[1] >= f.abs_acf[30], "volatility memory should decay with the lag"
    assert abs(f.raw_acf1) < MAX_RAW_ACF_LAG1, f"returns predictable: ACF(r, 1) {f.raw_acf1:.3f}"


@pytest.mark.parametrize("year", [2022, 2023, 2024, 2025])
def test_stylized_bounds_when_real_btcusdt_year_then_hold(year: int) -> None:
    c = load_candles(real_file(f"binance_spot_BTCUSDT_1m/BTCUSDT_1m_{year}.parquet"))
    _assert_stylized(_facts(c.close))


@pytest.mark.parametrize("seed", [1, 7, 42])
def test_generate_when_one_year_of_1m_then_fat_tails_and_volatility_clustering(seed: int) -> None:
    _assert_stylized(_facts(generate_market(seed=seed, n_candles=YEAR_1M).close))


def test_generate_when_compared_with_real_2024_then_clustering_close_to_real() -> None:
    real = _facts(load_candles(real_file("binance_spot_BTCUSDT_1m/BTCUSDT_1m_2024.parquet")).close)
    synthetic = _facts(generate_market(seed=42, n_candles=YEAR_1M).close)
    for lag in ABS_ACF_BOUNDS:
        gap = abs(synthetic.abs_acf[lag] - real.abs_acf[lag])
        assert gap < MAX_ABS_ACF_DISTANCE, (
            f"ACF(|r|) lag {lag}: generated {synthetic.abs_acf[lag]:.3f}, "
            f"real {real.abs_acf[lag]:.3f}"
        )
    assert synthetic.kurtosis > MIN_EXCESS_KURTOSIS
    assert real.kurtosis > MIN_EXCESS_KURTOSIS


def test_default_market_when_30_days_then_also_fat_tailed_and_clustered() -> None:
    from gridarena.marketdata import default_market

    _assert_stylized(_facts(default_market().close))
