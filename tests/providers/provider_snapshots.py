"""Market snapshots and contexts for provider tests, built directly from candles.

Snapshots are computed here from real Binance candles (``../shared/data/market``) when
present, else from the project's deterministic synthetic market, with small textbook
indicator formulas: the tests need real-ish numbers, not the production indicator code.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

import numpy as np
from numpy.typing import NDArray

from gridarena.indicators.snapshot import (
    DepthStats,
    IndicatorValues,
    MarketSnapshot,
    PriceStats,
)
from gridarena.marketdata import Candles
from gridarena.marketdata.generator import generate_market
from gridarena.marketdata.loader import load_candles
from gridarena.marketdata.paths import shared_market_dir
from gridarena.providers import AccountSummary, DecisionContext, PositionSummary, Rules

SYMBOLS = ("BTCUSDT", "ETHUSDT", "BNBUSDT", "SOLUSDT", "XRPUSDT")
T0_MS = 1_773_000_000_000
WARMUP = 60


def _ema(x: NDArray[np.float64], period: int) -> NDArray[np.float64]:
    out = np.empty_like(x)
    alpha = 2.0 / (period + 1)
    out[0] = x[0]
    for i in range(1, len(x)):
        out[i] = alpha * x[i] + (1 - alpha) * out[i - 1]
    return out


def _rsi(close: NDArray[np.float64], period: int = 14) -> float:
    diff = np.diff(close[-(period * 4) :])
    gains, losses = np.clip(diff, 0, None), np.clip(-diff, 0, None)
    avg_gain, avg_loss = gains[:period].mean(), losses[:period].mean()
    for g, loss in zip(gains[period:], losses[period:], strict=True):
        avg_gain = (avg_gain * (period - 1) + g) / period
        avg_loss = (avg_loss * (period - 1) + loss) / period
    if avg_loss == 0:
        return 100.0
    return float(100 - 100 / (1 + avg_gain / avg_loss))


def _state(value: float, high: float, low: float) -> str:
    return "OVERBOUGHT" if value > high else "OVERSOLD" if value < low else "NEUTRAL"


def _kdj(
    high: NDArray[np.float64], low: NDArray[np.float64], close: NDArray[np.float64]
) -> tuple[float, float, float, float, float]:
    k = d = 50.0
    prev_k = prev_d = 50.0
    for i in range(8, len(close)):
        hh, ll = high[i - 8 : i + 1].max(), low[i - 8 : i + 1].min()
        rsv = 50.0 if hh == ll else (close[i] - ll) / (hh - ll) * 100
        prev_k, prev_d = k, d
        k = 2 / 3 * k + rsv / 3
        d = 2 / 3 * d + k / 3
    return k, d, 3 * k - 2 * d, prev_k, prev_d


def snapshot_from(candles: Candles, end: int, *, depth_ratio: float = 1.2) -> MarketSnapshot:
    """Return the snapshot of ``candles`` at index ``end`` (exclusive) with indicators."""
    start = max(0, end - 200)
    c = candles.close[start:end]
    h, lo = candles.high[start:end], candles.low[start:end]
    price = float(c[-1])
    macd_line = _ema(c, 12) - _ema(c, 26)
    signal = _ema(macd_line, 9)
    hist = float(macd_line[-1] - signal[-1])
    tr = np.maximum(h[1:] - lo[1:], np.maximum(abs(h[1:] - c[:-1]), abs(lo[1:] - c[:-1])))
    atr = float(tr[-14:].mean())
    rsi = _rsi(c)
    k, d, j, prev_k, prev_d = _kdj(h, lo, c)
    cross = (
        "GOLDEN"
        if prev_k <= prev_d and k > d
        else "DEATH"
        if prev_k >= prev_d and k < d
        else "NONE"
    )
    window = c[-4:]
    change = float(window[-1] - window[0])
    change_pct = change / float(window[0]) * 100
    trend = "BULLISH" if change_pct > 0.1 else "BEARISH" if change_pct < -0.1 else "NEUTRAL"
    macd_trend = "BULLISH" if hist > 0 else "BEARISH" if hist < 0 else "NEUTRAL"
    rets = np.diff(np.log(c[-60:]))
    return MarketSnapshot(
        symbol=candles.symbol,
        ts_ms=int(candles.ts_ms[end - 1]),
        timeframe_ms=candles.timeframe_ms,
        price=price,
        bid=price * 0.9999,
        ask=price * 1.0001,
        stats=PriceStats(
            window_s=180,
            change_pct=change_pct,
            change_abs=change,
            high=float(h[-3:].max()),
            low=float(lo[-3:].min()),
            volatility=float(np.std(window) / np.mean(window) * 100),
            trend=trend,
        ),
        indicators=IndicatorValues(
            ema_fast=float(_ema(c, 12)[-1]),
            ema_slow=float(_ema(c, 26)[-1]),
            macd=float(macd_line[-1]),
            macd_signal=float(signal[-1]),
            macd_hist=hist,
            macd_trend=macd_trend,
            rsi=rsi,
            rsi_state=_state(rsi, 70, 30),
            kdj_k=k,
            kdj_d=d,
            kdj_j=j,
            kdj_state=_state(j, 100, 0),
            kdj_cross=cross,
            atr=atr,
            realized_vol=float(np.std(rets) * np.sqrt(525_600)),
            trend=macd_trend,
        ),
        depth=DepthStats(
            levels=20,
            bid_volume=12.5 * depth_ratio,
            ask_volume=12.5,
            ratio=depth_ratio,
            pressure="BUYING"
            if depth_ratio > 1.1
            else "SELLING"
            if depth_ratio < 0.9
            else "NEUTRAL",
        ),
        closes=tuple(float(x) for x in c[-20:]),
        highs=tuple(float(x) for x in h[-20:]),
        lows=tuple(float(x) for x in lo[-20:]),
    )


def market_candles() -> list[Candles]:
    """Return a few hundred 1m candles per symbol: real when available, else synthetic."""
    folder = shared_market_dir() / "binance_spot_1m_5sym_2026-03"
    found: list[Candles] = []
    for symbol in SYMBOLS:
        path = folder / f"{symbol}_1m.parquet"
        if path.exists():
            found.append(load_candles(path, symbol=symbol).slice(0, 2_000))
    if found:
        return found
    return [
        generate_market(
            seed=seed, n_candles=2_000, symbol=symbol, start_price=price, tick=price / 100_000
        )
        for seed, (symbol, price) in enumerate(
            zip(SYMBOLS, (60_000.0, 3_000.0, 600.0, 150.0, 0.6), strict=True)
        )
    ]


def real_snapshots(per_symbol: int = 8) -> list[MarketSnapshot]:
    """Return snapshots spread over each symbol's candles (depth ratio varying)."""
    snapshots = []
    for candles in market_candles():
        ends = np.linspace(WARMUP * 2, len(candles), per_symbol, dtype=int)
        for i, end in enumerate(ends):
            snapshots.append(snapshot_from(candles, int(end), depth_ratio=0.7 + 0.1 * i))
    return snapshots


def make_snapshot(
    *,
    symbol: str = "BTCUSDT",
    price: float = 60_000.0,
    atr: float | None = 120.0,
    macd_hist: float | None = 5.0,
    rsi: float | None = 55.0,
    rsi_state: str = "NEUTRAL",
    kdj_state: str = "NEUTRAL",
    kdj_cross: str = "NONE",
) -> MarketSnapshot:
    """Return a hand-made snapshot with the indicator values given."""
    return MarketSnapshot(
        symbol=symbol,
        ts_ms=T0_MS,
        timeframe_ms=60_000,
        price=price,
        bid=price - 0.1,
        ask=price + 0.1,
        stats=PriceStats(
            window_s=180,
            change_pct=0.25,
            change_abs=price * 0.0025,
            high=price * 1.001,
            low=price * 0.997,
            volatility=0.12,
            trend="BULLISH",
        ),
        indicators=IndicatorValues(
            ema_fast=price * 1.001,
            ema_slow=price * 0.999,
            macd=12.5,
            macd_signal=7.5,
            macd_hist=macd_hist,
            macd_trend="BULLISH" if (macd_hist or 0) > 0 else "BEARISH",
            rsi=rsi,
            rsi_state=rsi_state,
            kdj_k=61.0,
            kdj_d=55.0,
            kdj_j=73.0,
            kdj_state=kdj_state,
            kdj_cross=kdj_cross,
            atr=atr,
            realized_vol=0.45,
            trend="BULLISH",
        ),
        depth=DepthStats(levels=20, bid_volume=30.0, ask_volume=20.0, ratio=1.5, pressure="BUYING"),
        closes=tuple(price + i for i in range(-19, 1)),
    )


def make_account(
    *,
    balance: str = "500",
    available: str | None = None,
    positions: Sequence[PositionSummary] = (),
) -> AccountSummary:
    """Return an account with ``balance`` (seed 001's starting $500) and no PnL."""
    return AccountSummary(
        balance=Decimal(balance),
        equity=Decimal(balance),
        available=Decimal(available if available is not None else balance),
        realized_pnl=Decimal("-0.07"),
        unrealized_pnl=Decimal(0),
        positions=tuple(positions),
    )


def make_context(
    snapshot: MarketSnapshot | None = None,
    *,
    account: AccountSummary | None = None,
    rules: Rules | None = None,
) -> DecisionContext:
    """Return a decision context with seed 001's rules unless others are given."""
    snap = snapshot or make_snapshot()
    return DecisionContext(
        snapshot=snap,
        account=account or make_account(),
        rules=rules or Rules(symbols=SYMBOLS),
        now_ms=snap.ts_ms + 60_000,
    )
