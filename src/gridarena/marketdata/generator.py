"""Deterministic generator of realistic synthetic candle markets (the embedded default market).

Model, per candle of ``dt`` minutes:

* regimes (range, trend up/down, crash, squeeze -> breakout) from a Markov chain
  (:mod:`gridarena.marketdata.regimes`), each with its drift, volatility level and
  mean reversion;
* volatility clustering: GARCH(1,1) variance on Student-t innovations (hours), times a
  slow log-volatility AR(1) factor (days), times the regime level, times an intraday/weekend
  seasonality (US hours busiest, weekends quieter);
* jumps: Poisson arrivals with Student-t(3) sizes;
* intrabar extremes drawn from the Brownian-bridge law of the max/min given open, close and
  the candle's sigma, ``P(M > m) = exp(-2 m (m - d) / s**2)``, so
  ``high >= max(open, close)`` and ``low <= min(open, close)`` by construction;
* prices on the tick grid, open = previous close, volume rising with sigma and |return|.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.random import PCG64, Generator
from numpy.typing import NDArray

from gridarena.marketdata._pathsim import ar1, simulate_path
from gridarena.marketdata.candles import Candles
from gridarena.marketdata.funding import generate_funding
from gridarena.marketdata.regimes import DEFAULT_REGIMES, Regime, sample_regimes
from gridarena.marketdata.timeframes import parse_timeframe

__all__ = [
    "DEFAULT_START_MS",
    "MarketParams",
    "SyntheticMarket",
    "default_market",
    "generate_funding",
    "generate_market",
    "simulate_market",
]

DAY_MS = 86_400_000
DEFAULT_START_MS = 1_704_067_200_000  # 2024-01-01 00:00 UTC


@dataclass(frozen=True, slots=True)
class MarketParams:
    """Tunable constants of the generator, in 1-minute units (rescaled to the timeframe).

    Calibrated so 1m log returns resemble Binance BTCUSDT 2022-2025: sigma ~0.07 %/min,
    excess kurtosis in the tens, ACF(|r|) ~0.3 at lag 1 decaying slowly, ACF(r) ~ 0.
    """

    sigma_1m: float = 0.0007
    garch_alpha: float = 0.07
    garch_beta: float = 0.925
    t_df: float = 4.0
    jumps_per_day: float = 3.0
    jump_scale: float = 0.0015
    jump_cap: float = 0.05
    slow_vol_std: float = 0.4
    slow_vol_half_life_days: float = 3.0
    home_half_life_days: float = 120.0
    intraday_amplitude: float = 0.4
    weekend_factor: float = 0.75
    quote_volume_per_min: float = 1.5e6
    volume_sigma_elasticity: float = 1.0
    volume_shock_coef: float = 0.3
    volume_noise: float = 0.45


@dataclass(frozen=True, slots=True)
class SyntheticMarket:
    """Generated candles with the hidden state that produced them (for tests and studies)."""

    candles: Candles
    regime: NDArray[np.int8]
    sigma: NDArray[np.float64]


def _seasonality(ts_ms: NDArray[np.int64], tf_ms: int, p: MarketParams) -> NDArray[np.float64]:
    """Return the volatility multiplier of each candle: busiest ~15:00 UTC, weekends quieter.

    The intraday cosine is averaged over the candle, so daily candles get a flat 1.
    """
    theta0 = 2.0 * np.pi * ((ts_ms % DAY_MS) / DAY_MS - 15.0 / 24.0)
    width = 2.0 * np.pi * tf_ms / DAY_MS
    mean_cos = (np.sin(theta0 + width) - np.sin(theta0)) / width
    intraday = 1.0 + p.intraday_amplitude * mean_cos
    weekday = (ts_ms // DAY_MS + 3) % 7  # 1970-01-01 was a Thursday (weekday 3, Monday = 0)
    out: NDArray[np.float64] = intraday * np.where(weekday >= 5, p.weekend_factor, 1.0)
    return out


def _bridge_extremes(
    rng: Generator, d: NDArray[np.float64], s: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Draw max and min (relative to open) of a Brownian bridge from 0 to ``d`` with sigma ``s``.

    Inverting ``P(M > m) = exp(-2 m (m - d) / s**2)`` gives
    ``m = (d + sqrt(d**2 - 2 s**2 ln U)) / 2``; the minimum is the mirror image.
    """
    var = s * s
    up = 0.5 * (d + np.sqrt(d * d - 2.0 * var * np.log(rng.random(d.shape[0]))))
    down = 0.5 * (d - np.sqrt(d * d - 2.0 * var * np.log(rng.random(d.shape[0]))))
    return up, down


def _to_price(ticks: NDArray[np.int64], tick: float) -> NDArray[np.float64]:
    # Dividing by an integer 1/tick gives the correctly rounded decimal (60000.1, not ...006).
    inv = round(1.0 / tick)
    exact = inv > 0 and abs(inv * tick - 1.0) < 1e-9
    prices = ticks / float(inv) if exact else ticks * tick
    return np.asarray(prices, dtype=np.float64)


def simulate_market(
    *,
    seed: int = 42,
    n_candles: int = 43_200,
    start_price: float = 60_000.0,
    start_ms: int = DEFAULT_START_MS,
    timeframe: str = "1m",
    symbol: str = "BTCUSDT",
    tick: float = 0.1,
    params: MarketParams | None = None,
) -> SyntheticMarket:
    """Generate a market and return the candles with per-candle regime and sigma."""
    if n_candles < 0:
        raise ValueError(f"n_candles must be >= 0, got {n_candles}")
    if start_price <= 0 or tick <= 0 or start_price < 10 * tick:
        raise ValueError("start_price and tick must be positive, start_price >= 10 ticks")
    p = params or MarketParams()
    tf_ms = parse_timeframe(timeframe)
    dt = tf_ms / 60_000.0
    rng = Generator(PCG64(seed))
    n = n_candles
    ts = start_ms + tf_ms * np.arange(n, dtype=np.int64)

    path = sample_regimes(rng, n, dt)
    spec = [DEFAULT_REGIMES[Regime(i)] for i in range(len(Regime))]
    drift_day = np.array([s.drift_per_day for s in spec])[path.regime] * path.sign
    vol_mult = np.array([s.vol_mult for s in spec])[path.regime]
    half_life = np.array([s.half_life_minutes for s in spec])[path.regime]
    safe_hl = np.where(half_life > 0, half_life, 1.0)
    kappa = np.where(half_life > 0, -np.expm1(-math.log(2.0) * dt / safe_hl), 0.0)

    t_draw = rng.standard_t(p.t_df, n)
    z = t_draw / math.sqrt(p.t_df / (p.t_df - 2.0))
    jump_prob = -math.expm1(-p.jumps_per_day * dt / 1440.0)
    jump_mask = rng.random(n) < jump_prob
    # Student-t(3) sizes are fat-tailed; the cap stops one draw from being a 50 % candle.
    jump_size = np.clip(p.jump_scale * rng.standard_t(3, n), -p.jump_cap, p.jump_cap)
    jump = np.where(jump_mask, jump_size, 0.0)

    # GARCH persistence is per minute; a candle of dt minutes decays it dt times.
    persist_1m = p.garch_alpha + p.garch_beta
    persist = persist_1m**dt
    alpha = p.garch_alpha * persist / persist_1m
    # A slow log-volatility factor (days) on top of GARCH (hours) gives the long memory of
    # |returns| seen in real data, which a single GARCH(1,1) decays too fast to reproduce.
    phi = 0.5 ** (dt / (p.slow_vol_half_life_days * 1440.0))
    eta = rng.standard_normal(n) * p.slow_vol_std * math.sqrt(1.0 - phi * phi)
    slow = ar1(eta, phi, p.slow_vol_std * float(rng.standard_normal()))
    slow_factor = np.exp(slow - 0.5 * p.slow_vol_std**2)
    scale = p.sigma_1m * math.sqrt(dt) * vol_mult * slow_factor * _seasonality(ts, tf_ms, p)
    home_kappa = -math.expm1(-math.log(2.0) * dt / (p.home_half_life_days * 1440.0))
    ret, sigma = simulate_path(
        np.ascontiguousarray(z),
        np.ascontiguousarray(jump),
        np.ascontiguousarray(drift_day * dt / 1440.0),
        np.ascontiguousarray(kappa),
        path.starts,
        np.ascontiguousarray(scale),
        alpha=alpha,
        beta=persist - alpha,
        x0=math.log(start_price),
        kappa_home=home_kappa,
    )
    candles = _assemble(rng, ts, ret, sigma, p, start_price, tick, tf_ms, dt, symbol)
    return SyntheticMarket(candles=candles, regime=path.regime, sigma=sigma)


def _assemble(
    rng: Generator,
    ts: NDArray[np.int64],
    ret: NDArray[np.float64],
    sigma: NDArray[np.float64],
    p: MarketParams,
    start_price: float,
    tick: float,
    tf_ms: int,
    dt: float,
    symbol: str,
) -> Candles:
    """Turn log returns into tick-rounded OHLC bars with bridge extremes and volume."""
    n = ret.shape[0]
    x_open = math.log(start_price) + np.concatenate(([0.0], np.cumsum(ret)[:-1]))[:n]
    up, down = _bridge_extremes(rng, ret, sigma)
    log_tick = math.log(tick)
    close_t = np.maximum(np.rint(np.exp(x_open + ret - log_tick)), 1).astype(np.int64)
    open_t = np.concatenate(([round(start_price / tick)], close_t[:-1]))[:n].astype(np.int64)
    high_t = np.ceil(np.exp(x_open + up - log_tick)).astype(np.int64)
    low_t = np.floor(np.exp(x_open + down - log_tick)).astype(np.int64)
    # Rounding keeps the order already; the max/min guard against float edge cases.
    high_t = np.maximum(high_t, np.maximum(open_t, close_t))
    low_t = np.maximum(np.minimum(low_t, np.minimum(open_t, close_t)), 1)

    close = _to_price(close_t, tick)
    season = _seasonality(ts, tf_ms, p)
    base_sigma = p.sigma_1m * math.sqrt(dt)
    surprise = np.minimum(np.abs(ret) / np.maximum(sigma, 1e-12), 8.0)
    log_volume = (
        math.log(p.quote_volume_per_min * dt)
        - np.log(close)
        + np.log(season)
        + p.volume_sigma_elasticity * np.log(sigma / base_sigma)
        + p.volume_shock_coef * surprise
        + p.volume_noise * rng.standard_normal(ts.shape[0])
    )
    volume = np.maximum(np.round(np.exp(log_volume), 5), 1e-5)
    return Candles(
        symbol=symbol,
        timeframe_ms=tf_ms,
        ts_ms=ts,
        open=_to_price(open_t, tick),
        high=_to_price(high_t, tick),
        low=_to_price(low_t, tick),
        close=close,
        volume=volume,
    )


def generate_market(
    *,
    seed: int = 42,
    n_candles: int = 43_200,
    start_price: float = 60_000.0,
    start_ms: int = DEFAULT_START_MS,
    timeframe: str = "1m",
    symbol: str = "BTCUSDT",
    tick: float = 0.1,
) -> Candles:
    """Generate ``n_candles`` synthetic candles, identical for identical arguments."""
    return simulate_market(
        seed=seed,
        n_candles=n_candles,
        start_price=start_price,
        start_ms=start_ms,
        timeframe=timeframe,
        symbol=symbol,
        tick=tick,
    ).candles


def default_market() -> Candles:
    """Return the embedded default market used when the user gives no data.

    30 days of 1-minute BTCUSDT-like candles: ``seed=42``, ``n_candles=43_200``,
    ``start_price=60_000.0``, ``start_ms=1_704_067_200_000`` (2024-01-01 00:00 UTC),
    ``timeframe="1m"``, ``symbol="BTCUSDT"``, ``tick=0.1``, default :class:`MarketParams`.
    """
    return generate_market()
