"""Sweep benchmark: 1,000 grid configurations over BTCUSDT 2024 1m on all cores.

10 lowers × 10 uppers × 10 grid counts, neutral, 10,000 quote at 2× leverage, summary only.
Run alone: ``uv run --frozen --group bench python bench/bench_sweep.py`` (also part of
``bench/bench_kernel.py``).
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from gridarena.backtest.runner import BacktestConfig
from gridarena.backtest.sweep import run_sweep
from gridarena.marketdata.candles import Candles

BASE = {"symbol": "BTCUSDT", "direction": "neutral", "base_allocation": 10_000, "leverage": 2}
SPACE: dict[str, list[Any]] = {
    "lower": [round(float(x)) for x in np.linspace(30_000, 60_000, 10)],
    "upper": [round(float(x)) for x in np.linspace(70_000, 120_000, 10)],
    "grids": [round(float(x)) for x in np.linspace(10, 100, 10)],
}


def bench_sweep(candles: Candles, config: BacktestConfig) -> dict[str, float]:
    """Run the 1,000-configuration sweep on all cores and print its figures."""
    workers = os.cpu_count() or 1
    result = run_sweep(candles, BASE, SPACE, config=config, metric="return", workers=workers)
    serial = run_sweep(candles, BASE, SPACE, config=config, metric="return", workers=1)
    same = [r.summary for r in serial.rows] == [r.summary for r in result.rows]
    best = result.rows[0]
    print("\n== Sweep: 1,000 configurations (10 lowers × 10 uppers × 10 grid counts) ==")
    print(f"  workers                  {result.workers}")
    print(f"  configs / skipped        {result.configs:,} / {result.skipped:,}")
    print(f"  wall time                {result.elapsed_s:.2f} s   (target ≤ 20 s)")
    print(f"  configs/s                {result.configs_per_s:,.0f}")
    print(f"  candle-configs/s         {result.configs * len(candles) / result.elapsed_s:,.0f}")
    speedup = serial.elapsed_s / result.elapsed_s
    print(f"  serial (1 worker)        {serial.elapsed_s:.2f} s → speed-up {speedup:.2f}×")
    print(f"  serial = parallel rows   {same}")
    print(f"  best by return           {best.params} → {best.summary.total_return:+.2%}")
    return {
        "sweep_s": result.elapsed_s,
        "sweep_configs_per_s": result.configs_per_s,
        "sweep_serial_s": serial.elapsed_s,
    }


if __name__ == "__main__":
    from bench_kernel import CONFIG, btc_2024

    bench_sweep(btc_2024(), CONFIG)
