"""Rolling price-window statistics and order-book depth pressure."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest
from indicators_helpers import real_candles

from gridarena.domain.orders import OrderBook
from gridarena.indicators import RATIO_CAP, depth_stats, price_stats

MIN = 60_000


def _reference_window(
    ts: np.ndarray, close: np.ndarray, high: np.ndarray, low: np.ndarray, now: int, window_ms: int
) -> tuple[float, float, float, float]:
    """Return (reference, current, high, low) by scanning every sample."""
    seen = [i for i in range(ts.size) if ts[i] <= now]
    before = [i for i in seen if ts[i] <= now - window_ms]
    inside = [i for i in seen if ts[i] > now - window_ms]
    ref = close[before[-1]] if before else close[0]
    cur = close[seen[-1]]
    if not inside:
        return ref, cur, cur, cur
    return ref, cur, max(high[i] for i in inside), min(low[i] for i in inside)


def test_price_stats_when_real_candles_then_matches_scan_of_window() -> None:
    c = real_candles()
    ts = c.ts_ms + c.timeframe_ms  # observed at the candle close
    rng = np.random.default_rng(7)
    for now in [*rng.integers(int(ts[0]) - MIN, int(ts[300]), size=40).tolist(), int(ts[0])]:
        if now < ts[0]:
            with pytest.raises(ValueError, match="no price"):
                price_stats(ts[:400], c.close[:400], c.high[:400], c.low[:400], now)
            continue
        s = price_stats(ts[:400], c.close[:400], c.high[:400], c.low[:400], now, 180)
        ref, cur, hi, lo = _reference_window(ts[:400], c.close, c.high, c.low, now, 180_000)
        assert s.change_abs == pytest.approx(cur - ref, rel=1e-12, abs=1e-9)
        assert s.change_pct == pytest.approx((cur - ref) / ref * 100, rel=1e-12, abs=1e-12)
        assert (s.high, s.low) == (hi, lo)
        assert s.volatility == pytest.approx((hi - lo) / ref * 100, rel=1e-12)
        assert s.window_s == 180


def test_price_stats_when_three_minute_window_then_hand_computed() -> None:
    ts = np.array([1, 2, 3, 4, 5]) * MIN
    close = np.array([100.0, 101.0, 99.0, 102.0, 103.0])
    high = close + 1.0
    low = close - 2.0
    s = price_stats(ts, close, high, low, now_ms=5 * MIN, window_s=180)
    # Window (2 min, 5 min]: samples at 3, 4, 5 min; reference = close at 2 min = 101.
    assert s.change_abs == pytest.approx(2.0)
    assert s.change_pct == pytest.approx(2.0 / 101 * 100)
    assert (s.high, s.low) == (104.0, 97.0)
    assert s.volatility == pytest.approx(7.0 / 101 * 100)
    assert s.trend == "BULLISH"


def test_price_stats_when_later_samples_exist_then_ignores_them() -> None:
    ts = np.array([1, 2, 3, 4]) * MIN
    close = np.array([100.0, 100.0, 100.0, 500.0])
    s = price_stats(ts, close, close + 1, close - 1, now_ms=3 * MIN)
    assert (s.change_abs, s.high, s.low) == (0.0, 101.0, 99.0)
    assert s.trend == "NEUTRAL"


def test_price_stats_when_window_before_data_then_first_close_is_reference() -> None:
    ts = np.array([10, 11]) * MIN
    s = price_stats(ts, [50.0, 49.0], [51.0, 50.0], [49.0, 48.0], now_ms=11 * MIN, window_s=3600)
    assert s.change_pct == pytest.approx(-2.0)
    assert s.trend == "BEARISH"


def test_price_stats_when_trend_pct_raised_then_neutral() -> None:
    ts = np.array([1, 2]) * MIN
    s = price_stats(ts, [100.0, 100.3], [100.0, 100.3], [100.0, 100.3], 2 * MIN, trend_pct=0.5)
    assert s.trend == "NEUTRAL"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"window_s": 0}, "window_s"),
        ({"trend_pct": -1.0}, "trend_pct"),
        ({"ts_ms": np.array([2, 1]) * MIN}, "sorted"),
        ({"close": [1.0]}, "equal length"),
    ],
)
def test_price_stats_when_input_invalid_then_raises(
    kwargs: dict[str, object], message: str
) -> None:
    args: dict[str, object] = {
        "ts_ms": np.array([1, 2]) * MIN,
        "close": [1.0, 2.0],
        "high": [1.0, 2.0],
        "low": [1.0, 2.0],
        "now_ms": 2 * MIN,
    }
    with pytest.raises(ValueError, match=message):
        price_stats(**(args | kwargs))  # type: ignore[arg-type]


BIDS = [(100.0, 1.0), (99.0, 2.0), (98.0, 3.0)]
ASKS = [(101.0, 1.5), (102.0, 1.0), (103.0, 4.0)]


def test_depth_stats_when_levels_limit_then_sums_best_levels() -> None:
    d = depth_stats(BIDS, ASKS, levels=2)
    assert (d.bid_volume, d.ask_volume) == (3.0, 2.5)
    assert d.ratio == pytest.approx(1.2)
    assert d.pressure == "NEUTRAL"  # exactly at the threshold is not above it
    assert depth_stats(BIDS, ASKS, levels=20).bid_volume == 6.0


@pytest.mark.parametrize(
    ("bid_qty", "pressure"),
    [(1.21, "BUYING"), (1.2, "NEUTRAL"), (0.8, "NEUTRAL"), (0.79, "SELLING")],
)
def test_depth_stats_when_ratio_near_thresholds_then_pressure(
    bid_qty: float, pressure: str
) -> None:
    assert depth_stats([(100.0, bid_qty)], [(101.0, 1.0)]).pressure == pressure


def test_depth_stats_when_custom_thresholds_then_used() -> None:
    d = depth_stats([(100.0, 1.1)], [(101.0, 1.0)], buying_above=1.05, selling_below=0.5)
    assert d.pressure == "BUYING"
    d = depth_stats([(100.0, 0.6)], [(101.0, 1.0)], buying_above=2.0, selling_below=0.7)
    assert d.pressure == "SELLING"


def test_depth_stats_when_bps_set_then_counts_levels_near_mid() -> None:
    # mid = 100.5; 100 bps → bids >= 99.495, asks <= 101.505.
    d = depth_stats(BIDS, ASKS, bps=100)
    assert (d.bid_volume, d.ask_volume, d.bps) == (1.0, 1.5, 100)
    assert d.pressure == "SELLING"


def test_depth_stats_when_order_book_with_decimals_then_same_as_floats() -> None:
    book = OrderBook(
        "BTCUSDT",
        bids=[(Decimal(str(p)), Decimal(str(q))) for p, q in BIDS],
        asks=[(Decimal(str(p)), Decimal(str(q))) for p, q in ASKS],
    )
    assert depth_stats(book, levels=2) == depth_stats(BIDS, ASKS, levels=2)


def test_depth_stats_when_sides_empty_then_finite_ratio() -> None:
    assert depth_stats([], []).ratio == 1.0
    only_bids = depth_stats(BIDS, [])
    assert (only_bids.ratio, only_bids.pressure) == (RATIO_CAP, "BUYING")
    assert depth_stats([], ASKS).pressure == "SELLING"
    assert depth_stats([], ASKS, bps=10).ask_volume == 1.5


@pytest.mark.parametrize(
    ("bids", "asks", "kwargs", "message"),
    [
        ([(99.0, 1.0), (100.0, 1.0)], ASKS, {}, "best first"),
        ([(100.0, -1.0)], ASKS, {}, "quantities >= 0"),
        ([(100.0, 1.0, 5.0)], ASKS, {}, "pairs"),
        (BIDS, ASKS, {"levels": 0}, "levels"),
        (BIDS, ASKS, {"bps": -5.0}, "bps"),
        (BIDS, ASKS, {"buying_above": 0.5}, "selling_below"),
        (BIDS, None, {}, "asks are required"),
    ],
)
def test_depth_stats_when_input_invalid_then_raises(
    bids: list[tuple[float, float]],
    asks: list[tuple[float, float]] | None,
    kwargs: dict[str, float],
    message: str,
) -> None:
    with pytest.raises(ValueError, match=message):
        depth_stats(bids, asks, **kwargs)  # type: ignore[arg-type]
