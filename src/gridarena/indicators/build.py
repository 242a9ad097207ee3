"""Build market snapshots from candles: once per call, or fast at many bars of one series.

:class:`SnapshotBuilder` computes every indicator once over a whole candle array; a snapshot at
bar i then only reads row i. That is free of look-ahead because every indicator is causal: its
value at bar i is computed from bars 0 … i alone, with the same floating-point operations
whether or not later bars exist. :func:`build_snapshot` shows it by construction (it hands the
builder only the candles up to ``index``) and the tests check both agree to the last bit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from gridarena.domain.orders import BookTop, OrderBook
from gridarena.indicators._common import CROSS_LABELS, TREND_LABELS, ZONE_LABELS
from gridarena.indicators.atr import atr
from gridarena.indicators.depth import depth_stats
from gridarena.indicators.oscillators import kdj, kdj_cross, kdj_state, rsi, rsi_state
from gridarena.indicators.snapshot import IndicatorValues, MarketSnapshot
from gridarena.indicators.stats import periods_per_year, realized_vol
from gridarena.indicators.trend import ema, macd, macd_trend, trend
from gridarena.indicators.window import check_window, stats_from, window_prices

if TYPE_CHECKING:
    from gridarena.config.trading import IndicatorSettings
    from gridarena.marketdata.candles import Candles

__all__ = ["SnapshotBuilder", "build_snapshot"]

# Columns of the precomputed float table, in IndicatorValues field order.
_FLOAT_FIELDS = (
    "ema_fast",
    "ema_slow",
    "macd",
    "macd_signal",
    "macd_hist",
    "rsi",
    "kdj_k",
    "kdj_d",
    "kdj_j",
    "atr",
    "realized_vol",
)


def _default_settings() -> IndicatorSettings:
    # Imported here: gridarena.config loads the whole settings tree (~0.3 s).
    from gridarena.config.trading import IndicatorSettings

    return IndicatorSettings()


class SnapshotBuilder:
    """Precompute the indicators of one candle series; build the snapshot of any bar cheaply.

    Snapshot conventions: ``ts_ms`` is the CLOSE time of the bar (open + timeframe), the moment
    its data exists; ``price`` is its close; ``stats`` cover the ``price_change_window_s``
    seconds ending then; ``ema_fast``/``ema_slow`` are EMAs of the MACD periods; ``atr`` uses
    ``atr_period``; ``realized_vol`` is the deviation of ``vol_window`` log returns, annualised
    over a 365-day year (per bar when the timeframe is unknown); ``trend`` comes from
    :func:`gridarena.indicators.trend`. Values still warming up are None.
    """

    def __init__(
        self,
        candles: Candles,
        settings: IndicatorSettings | None = None,
        *,
        tail: int = 60,
        atr_period: int = 14,
        vol_window: int = 60,
        trend_slope_bars: int = 3,
        trend_pct: float = 0.05,
        depth_bps: float | None = None,
    ) -> None:
        s = settings if settings is not None else _default_settings()
        if len(candles) == 0:
            raise ValueError("no candles to build snapshots from")
        if isinstance(tail, bool) or not isinstance(tail, int) or tail < 0:
            raise ValueError(f"tail must be an integer >= 0, got {tail!r}")
        close_ts = candles.ts_ms + candles.timeframe_ms
        if len(candles) > 1 and bool(np.any(close_ts[1:] <= close_ts[:-1])):
            # A repeated time would let a window at bar i see bar i + 1.
            raise ValueError("candle times must be strictly increasing")
        self.symbol = candles.symbol
        self.timeframe_ms = candles.timeframe_ms
        self.settings = s
        self.tail = tail
        self.depth_bps = depth_bps
        self._trend_pct = trend_pct
        self._window_ms = check_window(s.price_change_window_s, trend_pct)
        self._window_s = round(self._window_ms / 1000)
        self._close_ts = close_ts
        c, h, lo = candles.close, candles.high, candles.low
        self._n = len(candles)
        # Python floats made once: the tails of all snapshots share them instead of each
        # snapshot boxing 3 x 60 new floats (~3x less memory when the arena keeps them).
        self._tails = (c.tolist(), h.tolist(), lo.tolist())

        line, signal, hist = macd(c, s.macd_fast, s.macd_slow, s.macd_signal)
        r = rsi(c, s.rsi_period)
        k, d, j = kdj(h, lo, c, s.kdj_period, s.kdj_k_smoothing, s.kdj_d_smoothing)
        ppy = periods_per_year(self.timeframe_ms) if self.timeframe_ms > 0 else None
        columns = {
            "ema_fast": ema(c, s.macd_fast),
            "ema_slow": ema(c, s.macd_slow),
            "macd": line,
            "macd_signal": signal,
            "macd_hist": hist,
            "rsi": r,
            "kdj_k": k,
            "kdj_d": d,
            "kdj_j": j,
            "atr": atr(h, lo, c, atr_period),
            "realized_vol": realized_vol(c, vol_window, periods_per_year=ppy),
        }
        self._values: NDArray[np.float64] = np.column_stack([columns[f] for f in _FLOAT_FIELDS])
        self._codes: NDArray[np.int8] = np.column_stack(
            [
                macd_trend(line, signal, hist),
                rsi_state(r, s.rsi_overbought, s.rsi_oversold),
                kdj_state(k, s.kdj_overbought, s.kdj_oversold),
                kdj_cross(k, d),
                trend(c, s.macd_fast, s.macd_slow, slope_bars=trend_slope_bars),
            ]
        )
        self._window: NDArray[np.float64] = np.column_stack(
            window_prices(close_ts, c, h, lo, close_ts, self._window_ms)
        )

    def __len__(self) -> int:
        return self._n

    def at(self, index: int, *, book: OrderBook | BookTop | None = None) -> MarketSnapshot:
        """Return the snapshot of bar ``index``; a book adds bid/ask (and depth if full)."""
        n = self._n
        if isinstance(index, bool) or not isinstance(index, int | np.integer):
            raise TypeError(f"index must be an integer, got {index!r}")
        if not 0 <= index < n:
            raise IndexError(f"index {index} out of range for {n} candles")
        i = int(index)
        v = [None if x != x else x for x in self._values[i].tolist()]  # NaN → None
        macd_code, rsi_code, kdj_code, cross_code, trend_code = self._codes[i].tolist()
        indicators = IndicatorValues(
            ema_fast=v[0],
            ema_slow=v[1],
            macd=v[2],
            macd_signal=v[3],
            macd_hist=v[4],
            macd_trend=TREND_LABELS[macd_code],
            rsi=v[5],
            rsi_state=ZONE_LABELS[rsi_code],
            kdj_k=v[6],
            kdj_d=v[7],
            kdj_j=v[8],
            kdj_state=ZONE_LABELS[kdj_code],
            kdj_cross=CROSS_LABELS[cross_code],
            atr=v[9],
            realized_vol=v[10],
            trend=TREND_LABELS[trend_code],
        )
        ref, cur, hi, lo = self._window[i].tolist()
        start = max(0, i - self.tail + 1) if self.tail else i + 1
        closes, highs, lows = self._tails
        bid = ask = None
        depth = None
        if book is not None and book.symbol != self.symbol:
            raise ValueError(f"book is for {book.symbol}, snapshots are for {self.symbol}")
        if isinstance(book, BookTop):
            bid, ask = float(book.bid), float(book.ask)
        elif book is not None:
            bid = float(book.bids[0][0]) if book.bids else None
            ask = float(book.asks[0][0]) if book.asks else None
            depth = depth_stats(book, levels=self.settings.depth_levels, bps=self.depth_bps)
        return MarketSnapshot(
            symbol=self.symbol,
            ts_ms=int(self._close_ts[i]),
            timeframe_ms=self.timeframe_ms,
            price=closes[i],
            bid=bid,
            ask=ask,
            stats=stats_from(self._window_s, ref, cur, hi, lo, self._trend_pct),
            indicators=indicators,
            depth=depth,
            closes=tuple(closes[start : i + 1]),
            highs=tuple(highs[start : i + 1]),
            lows=tuple(lows[start : i + 1]),
        )


def build_snapshot(
    candles: Candles,
    index: int,
    *,
    book: OrderBook | BookTop | None = None,
    settings: IndicatorSettings | None = None,
    tail: int = 60,
) -> MarketSnapshot:
    """Return the snapshot of bar ``index`` computed from candles ``0 … index`` only.

    For many bars of one series use :class:`SnapshotBuilder`, which gives the same snapshots
    (equal digests) without recomputing the indicators each time.
    """
    n = len(candles)
    if isinstance(index, bool) or not isinstance(index, int | np.integer):
        raise TypeError(f"index must be an integer, got {index!r}")
    if not 0 <= index < n:
        raise IndexError(f"index {index} out of range for {n} candles")
    prefix = candles.slice(0, int(index) + 1)
    return SnapshotBuilder(prefix, settings, tail=tail).at(int(index), book=book)
