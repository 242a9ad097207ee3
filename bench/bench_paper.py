"""Paper-engine benchmark: replay throughput, order latency and memory of grid sessions.

Prints, in one run on one core:
- the replay of the same markets with no session (baseline: the venue's tick loop alone);
- 100 sessions (one account each) on five USD-M perpetuals with realistic grids (50 levels,
  ranges of ±10–40 % around the start), then a fill-heavy variant (every grid spans the whole
  month, 20 identical grids per symbol);
- market events/s (one event = one tick of one symbol: a candle is 4 ticks), session-events/s
  (ticks × sessions watching that symbol), fills/s, and the latency from a tick's start to each
  order it caused (p50/p99);
- RSS of 1,000 idle sessions of 50 levels (all orders resting) over the RSS before them.

Run: ``uv run --frozen python bench/bench_paper.py [--candles N]``. Nothing here is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import random
import resource
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import numpy as np

from gridarena.backtest.runner import BacktestConfig, instrument_for_candles, prepare
from gridarena.engine.build import open_supervisor
from gridarena.engine.paper import PaperEngine
from gridarena.engine.session import GridSession
from gridarena.grid.spec import GridSpec
from gridarena.marketdata.candles import Candles
from gridarena.marketdata.loader import load_candles
from gridarena.marketdata.paths import shared_market_dir
from gridarena.venues.sim.exchange import SimConfig, SimExchange
from gridarena.venues.sim.market import SimMarket

SYMBOLS = ["BTCUSDT", "ETHUSDT", "SOLUSDT", "XRPUSDT", "BNBUSDT"]


def rss_mib() -> float:
    """Return the current resident set size in MiB (Linux /proc)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def load(n: int) -> dict[str, Candles]:
    """Load ``n`` 1m candles of each perpetual."""
    base = shared_market_dir() / "binance_usdm_1m_2025-05"
    if not base.exists():
        sys.exit(f"market data not found at {base}")
    return {s: load_candles(base / f"{s}_PERP_1m.parquet").slice(0, n) for s in SYMBOLS}


def build(candles: dict[str, Candles], sessions: int, *, dense: bool, seed: int = 7) -> PaperEngine:
    """Return an engine with ``sessions`` grid sessions, one account each."""
    markets = [SimMarket(instrument_for_candles(s, c), c) for s, c in candles.items()]
    exchange = SimExchange(markets, SimConfig())
    engine = PaperEngine(exchange)
    rng = random.Random(seed)
    config = BacktestConfig()
    for i in range(sessions):
        symbol = SYMBOLS[i % len(SYMBOLS)]
        c = candles[symbol]
        if dense:
            lo, hi = float(c.low.min()) * 0.99, float(c.high.max()) * 1.01
        else:
            p0, width = float(c.open[0]), rng.uniform(0.10, 0.40)
            lo, hi = p0 * (1 - width), p0 * (1 + width)
        spec = GridSpec(
            symbol=symbol,
            lower=f"{lo:.6g}",
            upper=f"{hi:.6g}",
            grids=50,
            direction=rng.choice(["long", "short", "neutral"]),
            base_allocation=100_000,
            leverage=2,
        )
        account = f"acct{i}"
        exchange.add_account(account, Decimal(1_000_000))
        from gridarena.venues.sim.venue import SimVenue

        engine.add_session(
            GridSession(
                session_id=f"s{i}",
                account=account,
                venue=SimVenue(exchange, account),
                spec=spec,
                prepared=prepare(spec, c, config=config),
            )
        )
    # Every order passes the risk gate and the monitors run, as in any engine.
    engine.attach_supervisor(open_supervisor())
    return engine


async def replay(engine: PaperEngine, *, latency: bool) -> dict[str, float]:
    """Run the replay; return its figures."""
    engine.latencies = [] if latency else None
    engine.event_latencies = [] if latency else None
    wall = await engine.run()
    await engine.close()
    ticks = engine.ticks
    watchers = sum(1 for _ in engine.sessions.values())
    per_symbol = watchers / len(engine.exchange.markets) if watchers else 0
    fills = sum(len(f) for f in engine.exchange.fills.values())
    out = {
        "wall_s": wall,
        "ticks": ticks,
        "events_per_s": ticks / wall,
        "session_events_per_s": ticks * per_symbol / wall,
        "fills": fills,
        "fills_per_s": fills / wall,
    }
    if engine.latencies:
        lat = np.array(engine.latencies) * 1e6
        out["latency_p50_us"] = float(np.percentile(lat, 50))
        out["latency_p99_us"] = float(np.percentile(lat, 99))
        out["orders_measured"] = len(lat)
        ev = np.array(engine.event_latencies or [0.0]) * 1e6
        out["event_p50_us"] = float(np.percentile(ev, 50))
        out["event_p99_us"] = float(np.percentile(ev, 99))
    return out


def show(title: str, fig: dict[str, float]) -> None:
    """Print one scenario's figures."""
    print(f"\n== {title} ==")
    print(f"  ticks {fig['ticks']:,.0f} in {fig['wall_s']:.2f} s")
    print(f"  market events/s      {fig['events_per_s']:>12,.0f}")
    print(f"  session-events/s     {fig['session_events_per_s']:>12,.0f}")
    print(f"  fills                {fig['fills']:>12,.0f}   ({fig['fills_per_s']:,.0f}/s)")
    if "latency_p50_us" in fig:
        print(
            f"  tick → order placed  p50 {fig['latency_p50_us']:.0f} µs, "
            f"p99 {fig['latency_p99_us']:.0f} µs over {fig['orders_measured']:,.0f} orders"
        )
        print(
            f"  fill event → order   p50 {fig['event_p50_us']:.0f} µs, "
            f"p99 {fig['event_p99_us']:.0f} µs"
        )


async def idle_memory(candles: dict[str, Candles], n: int) -> tuple[float, float]:
    """Return (RSS before, RSS after) starting ``n`` idle 50-level sessions."""
    gc.collect()
    before = rss_mib()
    engine = build({s: c.slice(0, 50) for s, c in candles.items()}, n, dense=False)
    await engine.start_all()
    gc.collect()
    after = rss_mib()
    resting = sum(len(engine.exchange.open_orders(a)) for a in engine.exchange.accounts)
    print(f"  {n:,} sessions started, {resting:,} orders resting")
    await engine.close()
    return before, after


async def memory_report() -> None:
    """Print the RSS of this (fresh) process before and after starting 1,000 idle sessions."""
    candles = load(50)
    cold = rss_mib()
    await idle_memory(candles, 1)  # loads the compiled state machine (numba/LLVM) once
    before, after = await idle_memory(candles, 1000)
    print(f"  RSS at start        {cold:.0f} MiB (interpreter, numpy, pyarrow, pydantic, data)")
    print(f"  RSS before sessions {before:.0f} MiB (+ numba/LLVM runtime, compiled functions)")
    print(f"  RSS after           {after:.0f} MiB → {after - before:.0f} MiB for 1,000 sessions")
    print("  target: < 300 MiB RSS in all")


async def main() -> None:
    """Run every scenario."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--candles", type=int, default=20_000, help="1m candles per symbol")
    parser.add_argument("--memory-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_only:
        await memory_report()
        return
    print("== memory: 1,000 idle sessions of 50 levels (fresh process) ==")
    subprocess.run([sys.executable, __file__, "--memory-only"], check=True)
    candles = load(args.candles)
    print(f"\n5 symbols × {args.candles:,} 1m candles = {4 * 5 * args.candles:,} ticks, one core")
    show(
        "baseline: replay with no session",
        await replay(build(candles, 0, dense=False), latency=False),
    )
    show(
        "100 sessions, realistic grids (±10–40 %, 50 levels)",
        await replay(build(candles, 100, dense=False), latency=True),
    )
    show(
        "100 sessions, fill-heavy grids (whole range, 50 levels)",
        await replay(build(candles, 100, dense=True), latency=True),
    )


if __name__ == "__main__":
    asyncio.run(main())
