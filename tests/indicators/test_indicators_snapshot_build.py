"""Market snapshots from candles: every field filled, no look-ahead, stable digests."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest
from indicators_helpers import real_candles

from gridarena.config.trading import IndicatorSettings
from gridarena.domain.orders import BookTop, OrderBook
from gridarena.indicators import (
    MarketSnapshot,
    SnapshotBuilder,
    build_snapshot,
    ema,
    kdj,
    macd,
    price_stats,
    rsi,
)
from gridarena.marketdata import Candles


def _window(n: int = 600, start: int = 1000) -> Candles:
    return real_candles().slice(start, start + n)


def _with_future_changed(c: Candles, index: int) -> Candles:
    """Return the candles with every bar after ``index`` replaced by a wild different path."""
    factor, widen = np.ones(len(c)), np.ones(len(c))
    factor[index + 1 :] = np.linspace(2.0, 0.5, len(c) - index - 1)
    widen[index + 1 :] = 1.01
    return Candles(
        symbol=c.symbol,
        timeframe_ms=c.timeframe_ms,
        ts_ms=c.ts_ms,
        open=c.open * factor,
        high=c.high * factor * widen,
        low=c.low * factor / widen,
        close=c.close * factor,
        volume=c.volume,
    )


@pytest.mark.parametrize("index", [0, 8, 33, 200, 599])
def test_build_snapshot_when_future_bars_change_then_snapshot_unchanged(index: int) -> None:
    c = _window()
    before = build_snapshot(c, index)
    after = build_snapshot(_with_future_changed(c, index), index)
    assert after.digest() == before.digest()
    builder = SnapshotBuilder(_with_future_changed(c, index))
    assert builder.at(index).digest() == before.digest()


def test_snapshot_builder_when_future_bars_change_then_later_snapshots_differ() -> None:
    c = _window()
    changed = build_snapshot(_with_future_changed(c, 300), 301)
    assert build_snapshot(c, 301).digest() != changed.digest()


@pytest.mark.parametrize("index", [0, 1, 25, 34, 60, 400, 599])
def test_snapshot_builder_when_built_at_index_then_equals_prefix_build(index: int) -> None:
    c = _window()
    assert SnapshotBuilder(c).at(index) == build_snapshot(c, index)


def test_build_snapshot_when_warmed_up_then_every_field_filled_from_the_bar() -> None:
    c = _window()
    i = 450
    s = build_snapshot(c, i)
    assert s.symbol == "BTCUSDT"
    assert s.ts_ms == int(c.ts_ms[i]) + 60_000  # the bar's close time
    assert s.timeframe_ms == 60_000
    assert s.price == c.close[i]
    assert s.closes == tuple(c.close[i - 59 : i + 1].tolist())
    assert s.highs == tuple(c.high[i - 59 : i + 1].tolist())
    assert s.lows == tuple(c.low[i - 59 : i + 1].tolist())
    assert all(v is not None for v in s.indicators.model_dump().values())
    ind = s.indicators
    line, signal, hist = macd(c.close, 12, 26, 9)
    k, d, j = kdj(c.high, c.low, c.close, 9, 3, 3)
    assert ind.ema_fast == ema(c.close, 12)[i]
    assert ind.ema_slow == ema(c.close, 26)[i]
    assert (ind.macd, ind.macd_signal, ind.macd_hist) == (line[i], signal[i], hist[i])
    assert ind.rsi == rsi(c.close, 14)[i]
    assert (ind.kdj_k, ind.kdj_d, ind.kdj_j) == (k[i], d[i], j[i])
    expected_stats = price_stats(c.ts_ms + 60_000, c.close, c.high, c.low, s.ts_ms, 180)
    assert s.stats == expected_stats
    assert ind.realized_vol is not None
    assert 0.01 < ind.realized_vol < 10.0  # annualised
    assert s.bid is None
    assert s.depth is None


def test_build_snapshot_when_first_bar_then_indicators_none_and_short_tail() -> None:
    s = build_snapshot(_window(), 0)
    assert s.indicators.ema_fast is None
    assert s.indicators.macd is None
    assert s.indicators.rsi is None
    assert s.indicators.kdj_k is None
    assert s.indicators.macd_trend == "NEUTRAL"
    assert len(s.closes) == 1
    assert s.stats.change_abs == 0.0


def test_build_snapshot_when_tail_set_then_tail_length() -> None:
    c = _window()
    assert len(build_snapshot(c, 100, tail=10).closes) == 10
    assert build_snapshot(c, 100, tail=0).closes == ()


def test_snapshot_digest_when_rebuilt_or_round_tripped_then_stable() -> None:
    c = _window()
    a, b = SnapshotBuilder(c).at(333), SnapshotBuilder(_window()).at(333)
    assert a.digest() == b.digest()
    assert len(a.digest()) == 64
    again = MarketSnapshot.model_validate_json(a.canonical_json())
    assert again.digest() == a.digest()
    assert SnapshotBuilder(c).at(334).digest() != a.digest()


def test_build_snapshot_when_settings_change_then_values_follow_them() -> None:
    c = _window()
    default = build_snapshot(c, 300)
    custom = IndicatorSettings(rsi_period=7, rsi_overbought=50.5, rsi_oversold=50.0)
    s = build_snapshot(c, 300, settings=custom)
    assert s.indicators.rsi == rsi(c.close, 7)[300]
    expected = "OVERBOUGHT" if s.indicators.rsi > 50.5 else "OVERSOLD"  # type: ignore[operator]
    assert s.indicators.rsi_state == expected
    assert s.digest() != default.digest()


def test_build_snapshot_when_order_book_given_then_bid_ask_and_depth() -> None:
    c = _window()
    book = OrderBook(
        "BTCUSDT",
        bids=[(Decimal(70_000 - i), Decimal("0.5")) for i in range(30)],
        asks=[(Decimal(70_001 + i), Decimal("0.2")) for i in range(30)],
    )
    s = build_snapshot(c, 100, book=book)
    assert (s.bid, s.ask) == (70_000.0, 70_001.0)
    assert s.depth is not None
    assert (s.depth.levels, s.depth.bid_volume, s.depth.pressure) == (20, 10.0, "BUYING")
    top = BookTop("BTCUSDT", Decimal(1), Decimal(2), Decimal(3), Decimal(4), 0)
    with_top = build_snapshot(c, 100, book=top)
    assert (with_top.bid, with_top.ask, with_top.depth) == (1.0, 3.0, None)


def test_build_snapshot_when_book_of_other_symbol_then_raises() -> None:
    top = BookTop("ETHUSDT", Decimal(1), Decimal(2), Decimal(3), Decimal(4), 0)
    with pytest.raises(ValueError, match="book is for ETHUSDT"):
        build_snapshot(_window(), 10, book=top)


@pytest.mark.parametrize("index", [-1, 600])
def test_build_snapshot_when_index_out_of_range_then_raises(index: int) -> None:
    with pytest.raises(IndexError, match="out of range"):
        build_snapshot(_window(), index)
    with pytest.raises(IndexError, match="out of range"):
        SnapshotBuilder(_window()).at(index)


def test_snapshot_builder_when_times_repeat_then_raises() -> None:
    c = _window(10)
    ts = c.ts_ms.copy()
    ts[5] = ts[4]
    dup = Candles(c.symbol, c.timeframe_ms, ts, c.open, c.high, c.low, c.close, c.volume)
    with pytest.raises(ValueError, match="strictly increasing"):
        SnapshotBuilder(dup)


def test_snapshot_builder_when_whole_month_then_snapshots_every_three_minutes() -> None:
    c = real_candles("SOLUSDT")
    builder = SnapshotBuilder(c)
    snaps = [builder.at(i) for i in range(2, len(c), 3)]
    assert len(snaps) == len(c) // 3
    assert all(s.indicators.rsi is not None for s in snaps[20:])
    assert len({s.digest() for s in snaps[-50:]}) == 50
