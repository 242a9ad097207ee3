"""Synthetic market generator: determinism, valid bars, regimes, bridge extremes, funding."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.random import PCG64, Generator

from gridarena.marketdata import (
    default_market,
    generate_funding,
    generate_market,
    simulate_market,
    validate_candles,
)
from gridarena.marketdata.generator import _bridge_extremes
from gridarena.marketdata.regimes import Regime
from gridarena.marketdata.stats import log_returns

HOUR = 3_600_000


def test_generate_when_same_seed_then_identical_candles() -> None:
    a = generate_market(seed=5, n_candles=5_000)
    b = generate_market(seed=5, n_candles=5_000)
    for name in ("ts_ms", "open", "high", "low", "close", "volume"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))


def test_generate_when_different_seed_then_different_path() -> None:
    a = generate_market(seed=1, n_candles=2_000)
    b = generate_market(seed=2, n_candles=2_000)
    assert not np.array_equal(a.close, b.close)


def test_default_market_when_called_then_30_days_of_1m_btcusdt_from_2024() -> None:
    c = default_market()
    assert c.symbol == "BTCUSDT"
    assert len(c) == 43_200
    assert c.timeframe_ms == 60_000
    assert c.ts_ms[0] == 1_704_067_200_000
    assert c.open[0] == 60_000.0
    np.testing.assert_array_equal(c.close, generate_market(seed=42).close)


@pytest.mark.parametrize(("timeframe", "n"), [("1s", 20_000), ("1m", 50_000), ("1h", 5_000)])
def test_generate_when_any_timeframe_then_passes_validation_without_gaps(
    timeframe: str, n: int
) -> None:
    c = generate_market(seed=3, n_candles=n, timeframe=timeframe)
    report = validate_candles(c, allow_gaps=False)
    assert report.rows == n
    assert report.zero_volume_rows == 0
    assert np.all(c.high >= np.maximum(c.open, c.close))
    assert np.all(c.low <= np.minimum(c.open, c.close))
    assert np.all(c.low > 0)


def test_generate_when_daily_candles_for_decades_then_still_valid() -> None:
    c = generate_market(seed=9, n_candles=10_000, timeframe="1d", start_price=0.5, tick=0.0001)
    validate_candles(c, allow_gaps=False)


def test_generate_when_tick_given_then_prices_on_tick_grid_and_open_is_previous_close() -> None:
    c = generate_market(seed=4, n_candles=20_000, tick=0.5, start_price=30_000.0)
    for prices in (c.open, c.high, c.low, c.close):
        ticks = prices / 0.5
        assert np.all(np.abs(ticks - np.rint(ticks)) < 1e-6)
    np.testing.assert_array_equal(c.open[1:], c.close[:-1])
    assert c.open[0] == 30_000.0


def test_generate_when_decimal_tick_then_prices_print_as_short_decimals() -> None:
    c = generate_market(seed=4, n_candles=2_000, tick=0.1)
    assert all(len(repr(float(p)).split(".")[1]) <= 1 for p in c.close[:500])


def test_simulate_when_a_long_run_then_every_regime_appears_with_its_character() -> None:
    m = simulate_market(seed=11, n_candles=527_040)
    r = np.diff(np.log(m.candles.close), prepend=np.log(m.candles.open[0]))
    counts = np.bincount(m.regime, minlength=len(Regime))
    assert np.all(counts > 0), counts
    by = {reg: m.regime == reg for reg in Regime}
    assert r[by[Regime.CRASH]].mean() < 0 < r[by[Regime.TREND_UP]].mean()
    assert r[by[Regime.TREND_DOWN]].mean() < 0
    assert m.sigma[by[Regime.SQUEEZE]].mean() < 0.6 * m.sigma[by[Regime.RANGE]].mean()
    assert m.sigma[by[Regime.CRASH]].mean() > 2 * m.sigma[by[Regime.RANGE]].mean()


def test_generate_when_big_moves_then_volume_is_higher() -> None:
    c = generate_market(seed=6, n_candles=100_000)
    r = np.abs(log_returns(c.close))
    assert np.corrcoef(c.volume[1:], r)[0, 1] > 0.3


def test_bridge_extremes_when_sampled_then_match_the_closed_form_law() -> None:
    n, d, s = 200_000, 0.4, 1.0
    up, down = _bridge_extremes(Generator(PCG64(0)), np.full(n, d), np.full(n, s))
    assert np.all(up >= max(d, 0.0))
    assert np.all(down <= min(d, 0.0))
    for m in (0.5, 0.8, 1.2, 1.6):
        expected = np.exp(-2 * m * (m - d) / s**2)  # P(max > m)
        assert np.mean(up > m) == pytest.approx(expected, abs=0.005)
        # Mirror image for the minimum: P(min < -m) = exp(-2 m (m + d) / s**2).
        assert np.mean(down < -m) == pytest.approx(np.exp(-2 * m * (m + d) / s**2), abs=0.005)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n_candles": -1}, "n_candles"),
        ({"timeframe": "1x"}, "timeframe"),
        ({"start_price": 0.0}, "start_price"),
        ({"tick": 0.0}, "tick"),
    ],
)
def test_generate_when_bad_arguments_then_raises(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        generate_market(**kwargs)  # type: ignore[arg-type]


def test_generate_funding_when_candles_then_every_8h_utc_around_base_rate() -> None:
    c = generate_market(seed=8, n_candles=30 * 1_440)
    f = generate_funding(c, seed=8)
    assert len(f) == 90
    assert np.all(f.ts_ms % (8 * HOUR) == 0)
    assert f.ts_ms[0] >= c.ts_ms[0]
    assert f.ts_ms[-1] <= c.ts_ms[-1] + c.timeframe_ms
    assert 0.0 < np.median(f.rate) < 0.0003
    assert np.all(np.abs(f.rate) <= 0.003)
    np.testing.assert_array_equal(f.rate, generate_funding(c, seed=8).rate)


def test_generate_funding_when_market_rallies_then_rates_rise_with_the_trend() -> None:
    c = generate_market(seed=10, n_candles=365 * 1_440)
    f = generate_funding(c, seed=10)
    idx = np.searchsorted(c.ts_ms, f.ts_ms) - 1
    back = np.searchsorted(c.ts_ms, f.ts_ms - 24 * HOUR) - 1
    valid = back >= 0
    trend = np.log(c.close[idx[valid]] / c.close[back[valid]])
    assert np.corrcoef(trend, f.rate[valid])[0, 1] > 0.5


def test_generate_funding_when_interval_not_positive_then_raises() -> None:
    with pytest.raises(ValueError, match="interval_h"):
        generate_funding(generate_market(n_candles=10), interval_h=0)


@pytest.mark.parametrize("n", [0, 1, 2])
def test_generate_when_tiny_count_then_valid_candles_and_funding(n: int) -> None:
    c = generate_market(n_candles=n)
    assert len(c) == n
    validate_candles(c)
    assert len(generate_funding(c)) == min(n, 1)
