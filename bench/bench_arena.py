"""Arena season benchmark: 4 providers × 5 symbols × 30 days of real 1m data, offline.

Prints wall time, decisions/s and candles/s of the whole season (snapshots, decisions, risk
gate, monitors, execution and the store on SQLite), beside the venue's replay alone over the
same candles (the floor), measured in the same run.

    uv run --frozen python bench/bench_arena.py [--days 30] [--db sqlite:///...]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import func, select

from gridarena.backtest.runner import instrument_for_candles
from gridarena.cli_arena import build_arena, load_arena_market
from gridarena.config import load_settings
from gridarena.marketdata.paths import shared_market_dir
from gridarena.store import make_engine, session_factory
from gridarena.store.models import LlmDecision, MarketSnapshotRow
from gridarena.venues.sim.exchange import SimExchange
from gridarena.venues.sim.market import SimMarket

PROVIDERS = "static-grid,atr-grid,indicator-voter,buy-and-hold"


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--db", default=None)
    args = parser.parse_args()
    data = shared_market_dir() / "binance_spot_1m_5sym_2026-03"
    if not data.exists():
        sys.exit(f"real market data not found at {data}")
    candles = load_arena_market(data, args.days, None)
    n = sum(len(c) for c in candles.values())

    markets = [SimMarket(instrument_for_candles(s, c), c) for s, c in candles.items()]
    exchange = SimExchange(markets)
    t0 = time.perf_counter()
    while not exchange.done:
        for m in exchange.markets.values():
            if not m.done:
                exchange.step_market(m)
    floor = time.perf_counter() - t0

    with tempfile.TemporaryDirectory() as tmp:
        url = args.db or f"sqlite:///{Path(tmp) / 'arena.db'}"
        arena = build_arena(
            candles, load_settings(None), providers=PROVIDERS, seed=42, db=url, record=True,
            mode="backtest",
        )  # fmt: skip
        t0 = time.perf_counter()
        asyncio.run(arena.run())
        wall = time.perf_counter() - t0
        factory = session_factory(make_engine(url))
        with factory() as s:
            stored = s.scalar(select(func.count()).select_from(LlmDecision))
            snaps = s.scalar(select(func.count()).select_from(MarketSnapshotRow))
    summary = arena.summary()
    print(f"data: {len(candles)} symbols × {args.days} days = {n:,} 1m candles")
    print(f"venue replay alone (floor): {floor:.2f} s → {n / floor:,.0f} candles/s")
    print(
        f"season, 4 providers, SQLite store: {wall:.2f} s → {n / wall:,.0f} candles/s, "
        f"{summary['decisions'] / wall:,.0f} decisions/s ({wall / floor:.1f}× the floor)"
    )
    print(f"decisions {summary['decisions']:,} (stored {stored:,}), snapshots stored {snaps:,}")
    for row in summary["providers"]:
        print(f"  #{row['rank']} {row['provider']:<16} return {row['return_pct']:+.2f} %  "
              f"trades {row['trades']:>6}  refused {sum(row['rejected'].values()):>5}")  # fmt: skip


if __name__ == "__main__":
    main()
