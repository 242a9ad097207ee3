"""Shared helpers for the indicator tests: real candles and independent reference formulas.

The references are written from the textbook definitions with pandas and plain loops, not by
calling TA-Lib or the package, so a test compares two computations of the same quantity.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd
import pytest

from gridarena.marketdata import Candles, load_candles, shared_market_dir

FIVE_SYMBOLS = "binance_spot_1m_5sym_2026-03"


@cache
def _load(symbol: str) -> Candles | None:
    path = shared_market_dir() / FIVE_SYMBOLS / f"{symbol}_1m.parquet"
    return load_candles(path) if path.is_file() else None


def real_candles(symbol: str = "BTCUSDT") -> Candles:
    """Return a month of real 1m candles of ``symbol``, or skip when the data is absent."""
    candles = _load(symbol)
    if candles is None:
        where = shared_market_dir() / FIVE_SYMBOLS
        pytest.skip(f"real market data not available: {where} (set GRIDARENA_MARKET_DATA)")
    return candles


def ref_ema(x: np.ndarray, period: int) -> np.ndarray:
    """EMA seeded with the mean of the first ``period`` values, then pandas' recursive ewm."""
    out = np.full(x.size, np.nan)
    if x.size < period:
        return out
    seeded = np.concatenate(([x[:period].mean()], x[period:]))
    ewm = pd.Series(seeded).ewm(alpha=2.0 / (period + 1), adjust=False).mean()
    out[period - 1 :] = ewm.to_numpy()
    return out


def ref_macd(
    x: np.ndarray, fast: int, slow: int, signal: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """MACD with both EMAs seeded at bar slow − 1 (fast: mean of the fast bars ending there)."""
    alpha_fast, alpha_slow = 2.0 / (fast + 1), 2.0 / (slow + 1)
    fast_seed = np.concatenate(([x[slow - fast : slow].mean()], x[slow:]))
    slow_seed = np.concatenate(([x[:slow].mean()], x[slow:]))
    fast_line = pd.Series(fast_seed).ewm(alpha=alpha_fast, adjust=False).mean().to_numpy()
    slow_line = pd.Series(slow_seed).ewm(alpha=alpha_slow, adjust=False).mean().to_numpy()
    line = fast_line - slow_line  # starts at bar slow − 1
    sig = ref_ema(line, signal)
    first = slow + signal - 2
    out_line, out_sig = np.full(x.size, np.nan), np.full(x.size, np.nan)
    out_line[first:] = line[signal - 1 :]
    out_sig[first:] = sig[signal - 1 :]
    return out_line, out_sig, out_line - out_sig


def ref_rsi(x: np.ndarray, period: int) -> np.ndarray:
    """Wilder RSI: plain means of the first ``period`` gains/losses, then ewm(alpha=1/period)."""
    diff = np.diff(x)
    gains, losses = np.clip(diff, 0, None), np.clip(-diff, 0, None)
    out = np.full(x.size, np.nan)
    if diff.size < period:
        return out

    def wilder(values: np.ndarray) -> np.ndarray:
        seeded = np.concatenate(([values[:period].mean()], values[period:]))
        return pd.Series(seeded).ewm(alpha=1.0 / period, adjust=False).mean().to_numpy()

    avg_gain, avg_loss = wilder(gains), wilder(losses)
    total = avg_gain + avg_loss
    with np.errstate(invalid="ignore", divide="ignore"):
        out[period:] = np.where(total == 0, 0.0, 100.0 * avg_gain / total)
    return out


def ref_kdj(
    high: np.ndarray, low: np.ndarray, close: np.ndarray, n: int, m1: int, m2: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """KDJ from pandas rolling extremes and an explicit smoothing loop starting at 50."""
    hh = pd.Series(high).rolling(n).max().to_numpy()
    ll = pd.Series(low).rolling(n).min().to_numpy()
    k_out, d_out = np.full(close.size, np.nan), np.full(close.size, np.nan)
    k = d = 50.0
    for t in range(n - 1, close.size):
        span = hh[t] - ll[t]
        rsv = 100.0 * (close[t] - ll[t]) / span if span > 0 else k
        k = k * (m1 - 1) / m1 + rsv / m1
        d = d * (m2 - 1) / m2 + k / m2
        k_out[t], d_out[t] = k, d
    return k_out, d_out, 3 * k_out - 2 * d_out


def ref_atr(high: np.ndarray, low: np.ndarray, close: np.ndarray, period: int) -> np.ndarray:
    """Wilder ATR by an explicit loop over true ranges."""
    out = np.full(close.size, np.nan)
    prev = close[:-1]
    tr = np.maximum.reduce([high[1:] - low[1:], abs(high[1:] - prev), abs(low[1:] - prev)])
    if tr.size < period:
        return out
    value = tr[:period].mean()
    out[period] = value
    for t in range(period + 1, close.size):
        value = (value * (period - 1) + tr[t - 1]) / period
        out[t] = value
    return out


def assert_same_nan(actual: np.ndarray, expected: np.ndarray) -> None:
    """Assert both arrays are NaN at exactly the same positions."""
    np.testing.assert_array_equal(np.isnan(actual), np.isnan(expected))
