"""Benchmarks of the indicators: batch throughput, streaming updates, snapshot building.

Data: the five Binance spot symbols, one month of 1m candles each (~43,200 bars), from the
shared data set. The snapshot section replays the arena's load: a snapshot of each symbol
every 3 minutes over the month (~72,000 snapshots), built by :class:`SnapshotBuilder` after
one precompute per symbol, against two baselines measured in the same run: recomputing every
indicator with pandas over a trailing window per snapshot (what a naive bot does), and
:func:`build_snapshot`, which recomputes the exact values over the whole prefix. Figures are
printed, never asserted.

Run::

    uv run --frozen python bench/bench_indicators.py            # ~30 s
    uv run --frozen python bench/bench_indicators.py --quick    # fewer repeats
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import time
from collections.abc import Callable

import numpy as np
import pandas as pd

from gridarena.config.trading import IndicatorSettings
from gridarena.indicators import (
    AtrStream,
    EmaStream,
    IndicatorValues,
    KdjStream,
    MacdStream,
    MarketSnapshot,
    RsiStream,
    SnapshotBuilder,
    atr,
    build_snapshot,
    correlation,
    ema,
    kdj,
    macd,
    price_stats,
    realized_vol,
    rsi,
    trend,
)
from gridarena.marketdata import load_candles, shared_market_dir
from gridarena.marketdata.candles import Candles

DATA_DIR = shared_market_dir() / "binance_spot_1m_5sym_2026-03"
SYMBOLS = ("BTCUSDT", "ETHUSDT", "BNBUSDT", "SOLUSDT", "XRPUSDT")
EVERY = 3  # one snapshot per symbol every 3 minutes
NAIVE_LOOKBACK = 300  # bars a naive bot feeds pandas per snapshot


def load_all() -> dict[str, Candles]:
    """Load the five symbols, or exit with a clear message when the shared data is absent."""
    paths = {s: DATA_DIR / f"{s}_1m.parquet" for s in SYMBOLS}
    missing = [str(p) for p in paths.values() if not p.is_file()]
    if missing:
        sys.exit(f"real market data not found: {missing[0]} (set GRIDARENA_MARKET_DATA)")
    return {s: load_candles(p) for s, p in paths.items()}


def best_of(fn: Callable[[], object], repeat: int) -> float:
    """Return the best wall time of ``repeat`` calls of ``fn``."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def bench_batch(c: Candles, other: Candles, repeat: int) -> None:
    """Time each batch indicator over the whole month of one symbol."""
    n = len(c)
    h, lo, x = c.high, c.low, c.close
    y = other.close[:n]
    cases: dict[str, Callable[[], object]] = {
        "ema(26)": lambda: ema(x, 26),
        "macd(12, 26, 9)": lambda: macd(x),
        "rsi(14)": lambda: rsi(x),
        "kdj(9, 3, 3)  [numba]": lambda: kdj(h, lo, x),
        "atr(14)": lambda: atr(h, lo, x),
        "realized_vol(60)": lambda: realized_vol(x, 60, periods_per_year=525_600),
        "correlation(60)": lambda: correlation(x, y, 60),
        "trend(12, 26)": lambda: trend(x),
    }
    for fn in cases.values():
        fn()  # load TA-Lib and the numba cache before timing
    print(f"\n== Batch indicators over {c.symbol} 1m ({n:,} bars), best of {repeat} ==")
    for name, fn in cases.items():
        t = best_of(fn, repeat)
        print(f"  {name:24}{t * 1e3:9.3f} ms  {n / t / 1e6:8.1f} M bars/s")


def bench_streams(c: Candles) -> None:
    """Feed every bar through each streaming indicator and report updates per second."""
    n = len(c)
    closes = c.close.tolist()
    bars = list(zip(c.high.tolist(), c.low.tolist(), closes, strict=True))

    def run_close(stream: EmaStream | MacdStream | RsiStream) -> None:
        update = stream.update
        for x in closes:
            update(x)

    def run_bar(stream: AtrStream | KdjStream) -> None:
        update = stream.update
        for h, lo, x in bars:
            update(h, lo, x)

    cases: dict[str, Callable[[], object]] = {
        "EmaStream(26)": lambda: run_close(EmaStream(26)),
        "MacdStream(12, 26, 9)": lambda: run_close(MacdStream()),
        "RsiStream(14)": lambda: run_close(RsiStream()),
        "AtrStream(14)": lambda: run_bar(AtrStream()),
        "KdjStream(9, 3, 3)": lambda: run_bar(KdjStream()),
    }
    print(f"\n== Streaming updates over {c.symbol} 1m ({n:,} bars), best of 3 ==")
    for name, fn in cases.items():
        t = best_of(fn, 3)
        print(
            f"  {name:24}{t * 1e3:9.1f} ms  {n / t / 1e6:8.2f} M updates/s  {t / n * 1e9:6.0f} ns"
        )


def naive_snapshot(c: Candles, index: int, s: IndicatorSettings) -> MarketSnapshot:
    """Build a snapshot the naive way: pandas over the trailing window, every time."""
    lo_i = max(0, index + 1 - NAIVE_LOOKBACK)
    df = pd.DataFrame(
        {
            "high": c.high[lo_i : index + 1],
            "low": c.low[lo_i : index + 1],
            "close": c.close[lo_i : index + 1],
        }
    )
    close = df["close"]
    ema_fast = close.ewm(span=s.macd_fast, adjust=False).mean()
    ema_slow = close.ewm(span=s.macd_slow, adjust=False).mean()
    line = ema_fast - ema_slow
    signal = line.ewm(span=s.macd_signal, adjust=False).mean()
    diff = close.diff()
    gain = diff.clip(lower=0).ewm(alpha=1 / s.rsi_period, adjust=False).mean()
    loss = (-diff.clip(upper=0)).ewm(alpha=1 / s.rsi_period, adjust=False).mean()
    rsi_v = 100 * gain / (gain + loss)
    hh = df["high"].rolling(s.kdj_period).max()
    ll = df["low"].rolling(s.kdj_period).min()
    rsv = ((close - ll) / (hh - ll) * 100).fillna(50)
    k = rsv.ewm(alpha=1 / s.kdj_k_smoothing, adjust=False).mean()
    d = k.ewm(alpha=1 / s.kdj_d_smoothing, adjust=False).mean()
    prev = close.shift()
    tr = pd.concat([df["high"] - df["low"], (df["high"] - prev).abs(), (df["low"] - prev).abs()])
    atr_v = tr.groupby(level=0).max().ewm(alpha=1 / 14, adjust=False).mean()
    vol = np.log(close).diff().rolling(60).std() * np.sqrt(525_600)
    ts = c.ts_ms[lo_i : index + 1] + c.timeframe_ms
    stats = price_stats(ts, close.to_numpy(), df["high"].to_numpy(), df["low"].to_numpy(), ts[-1])
    last = float(line.iloc[-1]), float(signal.iloc[-1])
    indicators = IndicatorValues(
        ema_fast=float(ema_fast.iloc[-1]),
        ema_slow=float(ema_slow.iloc[-1]),
        macd=last[0],
        macd_signal=last[1],
        macd_hist=last[0] - last[1],
        rsi=float(rsi_v.iloc[-1]),
        kdj_k=float(k.iloc[-1]),
        kdj_d=float(d.iloc[-1]),
        kdj_j=float(3 * k.iloc[-1] - 2 * d.iloc[-1]),
        atr=float(atr_v.iloc[-1]),
        realized_vol=float(vol.iloc[-1]),
    )
    tail = slice(max(0, index - 59), index + 1)
    return MarketSnapshot(
        symbol=c.symbol,
        ts_ms=int(ts[-1]),
        timeframe_ms=c.timeframe_ms,
        price=float(c.close[index]),
        stats=stats,
        indicators=indicators,
        closes=tuple(c.close[tail].tolist()),
        highs=tuple(c.high[tail].tolist()),
        lows=tuple(c.low[tail].tolist()),
    )


def bench_snapshots(data: dict[str, Candles], quick: bool) -> None:
    """Replay the arena's snapshot load and compare it with the two baselines."""
    settings = IndicatorSettings()
    print("\n== Snapshots: 5 symbols x 1 month of 1m, one every 3 minutes ==")
    builders: dict[str, SnapshotBuilder] = {}

    def precompute() -> None:
        builders.update({s: SnapshotBuilder(c, settings) for s, c in data.items()})

    t_pre = best_of(precompute, 1 if quick else 3)
    indices = {s: range(EVERY - 1, len(c), EVERY) for s, c in data.items()}
    total = sum(len(r) for r in indices.values())
    bars = sum(len(c) for c in data.values())
    print(f"  precompute, 5 symbols      {t_pre * 1e3:9.1f} ms  ({bars:,} bars, every indicator)")

    def sweep(keep: bool) -> float:
        kept: list[MarketSnapshot] = []
        t_start = time.perf_counter()
        for s, b in builders.items():
            at = b.at
            for i in indices[s]:
                snap = at(i)
                if keep:
                    kept.append(snap)
        elapsed = time.perf_counter() - t_start
        del kept
        gc.collect()
        return elapsed

    t_drop = min(sweep(keep=False) for _ in range(1 if quick else 3))
    t_keep = min(sweep(keep=True) for _ in range(1 if quick else 2))
    per = t_drop / total * 1e6
    print(f"  SnapshotBuilder.at         {per:9.1f} µs/op  ({total:,} snapshots in {t_drop:.2f} s)")
    keep_per = t_keep / total * 1e6
    print(
        f"  .at, all {total:,} kept      {keep_per:9.1f} µs/op  (Python GC walks the kept models)"
    )

    btc, b_btc = data["BTCUSDT"], builders["BTCUSDT"]
    sample = list(range(1000, len(btc), max(1, len(btc) // (40 if quick else 200))))
    snaps = [b_btc.at(i) for i in sample]
    t_digest = best_of(lambda: [s.digest() for s in snaps], 3) / len(snaps)
    print(f"  MarketSnapshot.digest      {t_digest * 1e6:9.1f} µs/op  (canonical JSON + SHA-256)")

    t0 = time.perf_counter()
    exact = [build_snapshot(btc, i, settings=settings) for i in sample]
    t_prefix = (time.perf_counter() - t0) / len(sample)
    assert [s.digest() for s in exact] == [s.digest() for s in snaps], "fast path differs"
    print(f"  build_snapshot (prefix)    {t_prefix * 1e6:9.1f} µs/op  (exact, equal digests)")

    naive_sample = sample[: 40 if quick else 200]
    t0 = time.perf_counter()
    for i in naive_sample:
        naive_snapshot(btc, i, settings)
    t_naive = (time.perf_counter() - t0) / len(naive_sample)
    print(f"  naive pandas, {NAIVE_LOOKBACK} bars     {t_naive * 1e6:9.1f} µs/op  (baseline)")
    print(f"  speed-up vs naive pandas   {t_naive / (t_drop / total):9.0f}x")
    arena = t_pre + t_drop
    naive_total = t_naive * total
    print(
        f"  arena month, 72k snapshots {arena:9.2f} s (precompute + .at); "
        f"naive pandas ≈ {naive_total:.0f} s"
    )
    print("  target: < 50 µs per snapshot after precompute")


def main() -> None:
    """Run every section."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats and samples")
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}")
    data = load_all()
    bench_batch(data["BTCUSDT"], data["ETHUSDT"], 3 if args.quick else 10)
    bench_streams(data["BTCUSDT"])
    bench_snapshots(data, args.quick)


if __name__ == "__main__":
    main()
