"""Numeric indicators over float64 arrays (pure, no I/O), their streaming versions, and the
market snapshot built from them.

Batch functions take and return NumPy float64 arrays; warm-up bars are NaN. Classifiers
return int8 codes (+1 / −1 / 0) whose labels are in ``TREND_LABELS``, ``ZONE_LABELS`` and
``CROSS_LABELS``. TA-Lib and numba load on first use, so importing this package stays light.
"""

from gridarena.indicators._common import (
    BEARISH,
    BULLISH,
    CROSS_LABELS,
    DEATH,
    GOLDEN,
    NEUTRAL,
    NO_CROSS,
    OVERBOUGHT,
    OVERSOLD,
    TREND_LABELS,
    ZONE_LABELS,
)
from gridarena.indicators.atr import atr, true_range
from gridarena.indicators.build import SnapshotBuilder, build_snapshot
from gridarena.indicators.depth import RATIO_CAP, depth_stats
from gridarena.indicators.oscillators import kdj, kdj_cross, kdj_state, rsi, rsi_state
from gridarena.indicators.snapshot import (
    DepthStats,
    IndicatorValues,
    MarketSnapshot,
    PriceStats,
)
from gridarena.indicators.stats import correlation, log_returns, periods_per_year, realized_vol
from gridarena.indicators.stream import AtrStream, EmaStream, KdjStream, MacdStream, RsiStream
from gridarena.indicators.trend import ema, macd, macd_trend, trend
from gridarena.indicators.window import price_stats

__all__ = [
    "BEARISH",
    "BULLISH",
    "CROSS_LABELS",
    "DEATH",
    "GOLDEN",
    "NEUTRAL",
    "NO_CROSS",
    "OVERBOUGHT",
    "OVERSOLD",
    "RATIO_CAP",
    "TREND_LABELS",
    "ZONE_LABELS",
    "AtrStream",
    "DepthStats",
    "EmaStream",
    "IndicatorValues",
    "KdjStream",
    "MacdStream",
    "MarketSnapshot",
    "PriceStats",
    "RsiStream",
    "SnapshotBuilder",
    "atr",
    "build_snapshot",
    "correlation",
    "depth_stats",
    "ema",
    "kdj",
    "kdj_cross",
    "kdj_state",
    "log_returns",
    "macd",
    "macd_trend",
    "periods_per_year",
    "price_stats",
    "realized_vol",
    "rsi",
    "rsi_state",
    "trend",
    "true_range",
]
