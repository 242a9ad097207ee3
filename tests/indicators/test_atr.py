from pathlib import Path

import numpy as np
import pytest

from gridarena.indicators import atr, true_range

HIGH = [48.70, 48.72, 48.90, 48.87, 48.82, 49.05, 49.20]
LOW = [47.79, 48.14, 48.39, 48.37, 48.24, 48.64, 48.94]
CLOSE = [48.16, 48.61, 48.75, 48.63, 48.74, 49.03, 49.07]
# max(H − L, |H − C₋₁|, |L − C₋₁|) by hand.
TRUE_RANGE = [0.58, 0.51, 0.50, 0.58, 0.41, 0.26]

MARKET = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "market"
BTC_15M = MARKET / "binance_spot_15m_2023-04_2024-04" / "BTCUSDT_15m.parquet"


def _wilder_atr(high: np.ndarray, low: np.ndarray, close: np.ndarray, period: int) -> np.ndarray:
    prev = close[:-1]
    tr = np.maximum(high[1:] - low[1:], np.maximum(abs(high[1:] - prev), abs(low[1:] - prev)))
    out = np.full(high.size, np.nan)
    out[period] = tr[:period].mean()
    for t in range(period + 1, high.size):
        out[t] = (out[t - 1] * (period - 1) + tr[t - 1]) / period
    return out


def test_true_range_when_small_series_then_hand_computed_values() -> None:
    tr = true_range(HIGH, LOW, CLOSE)
    assert np.isnan(tr[0])
    np.testing.assert_allclose(tr[1:], TRUE_RANGE, rtol=1e-9)


def test_atr_when_period_3_then_hand_computed_wilder_values() -> None:
    # ATR₃ = mean(0.58, 0.51, 0.50) = 0.53; then (prev·2 + TR) / 3:
    # (1.06 + 0.58) / 3 = 41/75, (82/75 + 0.41) / 3 = 112.75/225, (225.5/225 + 0.26) / 3 = 284/675.
    result = atr(HIGH, LOW, CLOSE, period=3)
    assert result.dtype == np.float64
    assert np.isnan(result[:3]).all()
    np.testing.assert_allclose(result[3:], [0.53, 41 / 75, 112.75 / 225, 284 / 675], rtol=1e-9)


def test_atr_when_period_1_then_equals_true_range() -> None:
    np.testing.assert_allclose(atr(HIGH, LOW, CLOSE, period=1)[1:], TRUE_RANGE, rtol=1e-9)


def test_atr_when_fewer_bars_than_period_then_all_nan() -> None:
    assert np.isnan(atr(HIGH[:3], LOW[:3], CLOSE[:3], period=14)).all()


def test_atr_when_lengths_differ_then_raises() -> None:
    with pytest.raises(ValueError, match="equal length"):
        atr(HIGH, LOW[:-1], CLOSE)


def test_atr_when_period_below_one_then_raises() -> None:
    with pytest.raises(ValueError, match="period"):
        atr(HIGH, LOW, CLOSE, period=0)


def test_atr_when_real_btc_candles_then_matches_reference_wilder() -> None:
    if not BTC_15M.exists():
        pytest.skip(f"real market data not found at {BTC_15M}")
    import pyarrow.parquet as pq

    table = pq.read_table(BTC_15M, columns=["high", "low", "close"]).slice(0, 3000)
    high, low, close = (
        table.column(c).to_numpy().astype(np.float64) for c in ("high", "low", "close")
    )
    np.testing.assert_allclose(atr(high, low, close), _wilder_atr(high, low, close, 14), rtol=1e-9)
