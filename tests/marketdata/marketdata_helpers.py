"""Shared helpers for the marketdata tests: real-data lookup and small candle builders."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from gridarena.marketdata import Candles, shared_market_dir

MINUTE = 60_000
T0 = 1_704_067_200_000  # 2024-01-01 00:00 UTC


def real_file(relative: str) -> Path:
    """Return a file of the shared real-market data set, or skip the test when it is absent."""
    path = shared_market_dir() / relative
    if not path.is_file():
        pytest.skip(f"real market data not available: {path} (set GRIDARENA_MARKET_DATA)")
    return path


def make_candles(
    closes: list[float] | np.ndarray,
    *,
    start_ms: int = T0,
    step_ms: int = MINUTE,
    ts: list[int] | None = None,
    symbol: str = "TESTUSDT",
) -> Candles:
    """Build valid candles from closes: open = previous close, high/low 1 % outside."""
    close = np.asarray(closes, dtype=np.float64)
    opens = np.concatenate(([close[0]], close[:-1])) if close.size else close
    stamps = np.asarray(ts if ts is not None else start_ms + step_ms * np.arange(close.size))
    return Candles(
        symbol=symbol,
        timeframe_ms=step_ms,
        ts_ms=stamps,
        open=opens,
        high=np.maximum(opens, close) * 1.01,
        low=np.minimum(opens, close) * 0.99,
        close=close,
        volume=np.full(close.size, 2.0),
    )
