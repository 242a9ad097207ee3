"""Benchmarks of the compiled grid kernel, all in one run so ratios share one machine state.

Sections: the kernel on BTCUSDT 2024 1m (record off/on), a plain NumPy floor over the same
arrays, backtesting.py on one month with the same grid, the CLI end to end (twice), and a
1,000-configuration sweep. Figures are printed, never asserted.

Run (``--quick`` skips backtesting.py, the CLI and the sweep)::

    uv sync --frozen --group bench
    uv run --frozen --group bench python bench/bench_kernel.py
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import psutil

from bench_sweep import bench_sweep
from grid_backtesting_py import run_backtesting_py
from gridarena.backtest.run import run_kernel
from gridarena.backtest.runner import BacktestConfig, prepare, run_backtest
from gridarena.grid.spec import GridSpec
from gridarena.marketdata import load_candles, shared_market_dir
from gridarena.marketdata.candles import Candles

BTC_FILE = shared_market_dir() / "binance_spot_BTCUSDT_1m" / "BTCUSDT_1m_2024.parquet"
GRID = {"lower": 38_000, "upper": 110_000, "grids": 50, "direction": "neutral"}
SPEC = GridSpec(symbol="BTCUSDT", base_allocation=10_000, leverage=2, **GRID)
# A denser grid inside January 2024's range: many more fills, so the engines' differences show.
DENSE = SPEC.model_copy(update={"lower": 38_000, "upper": 50_000, "grids": 50})
# touch: the fill rule backtesting.py's limit orders follow (low <= limit fills a buy).
# Fees: Binance USD-M VIP 0, maker 2 bp / taker 5 bp (the runner's default schedule).
CONFIG = BacktestConfig(fill_rule="touch", path="nearest")
MONTH = 31 * 1440


def btc_2024() -> Candles:
    """Load BTCUSDT 2024 1m, or exit with a clear message when the shared data is absent."""
    if not BTC_FILE.is_file():
        sys.exit(f"real market data not found: {BTC_FILE} (set GRIDARENA_MARKET_DATA)")
    return load_candles(BTC_FILE)


def best_of(fn: Callable[[], object], repeat: int) -> float:
    """Return the best wall time of ``repeat`` calls of ``fn``."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def _kernel_call(c: Candles, record: bool, spec: GridSpec = SPEC) -> Callable[[], object]:
    p = prepare(spec, c, config=CONFIG)
    return lambda: run_kernel(
        c.ts_ms, c.open, c.high, c.low, c.close, p.levels, p.qty, p.params, record=record
    )


def bench_kernel(c: Candles) -> dict[str, float]:
    """Time the kernel (after loading it) with and without recording, and the peak memory."""
    n = len(c)
    t0 = time.perf_counter()
    _kernel_call(c, False)()
    first = time.perf_counter() - t0
    t_off = best_of(_kernel_call(c, False), 20)
    t_on = best_of(_kernel_call(c, True), 10)
    s = run_backtest(SPEC, c, config=CONFIG, record=False).run.summary
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    rss_mib = psutil.Process().memory_info().rss / 2**20
    print(f"== Kernel: 50-level neutral grid 38k–110k, BTCUSDT 2024 1m ({n:,} candles) ==")
    print(f"  first call (numba cache)  {first * 1e3:8.1f} ms")
    print(f"  record=False best of 20   {t_off * 1e3:8.2f} ms  {n / t_off / 1e6:7.1f} M candles/s")
    print(f"  record=True  best of 10   {t_on * 1e3:8.2f} ms  {n / t_on / 1e6:7.1f} M candles/s")
    print(
        f"  fills / round trips       {s.fills:,} / {s.round_trips:,}  return {s.total_return:+.2%}"
    )
    print(f"  peak RSS / RSS now        {peak_mib:.0f} MiB / {rss_mib:.0f} MiB (one core)")
    return {"kernel_off_s": t_off, "kernel_on_s": t_on, "peak_rss_mib": peak_mib}


def bench_floor(c: Candles) -> dict[str, float]:
    """Time a vectorised NumPy pass: which candles touch any grid level (a lower bound)."""
    levels = prepare(SPEC, c, config=CONFIG).levels

    def touched() -> int:
        below = np.searchsorted(levels, c.low, side="left")  # first level >= low
        above = np.searchsorted(levels, c.high, side="right")  # first level > high
        return int(np.count_nonzero(above > below))

    t = best_of(touched, 20)
    n = len(c)
    print("\n== Floor: NumPy searchsorted of lows/highs into the levels ==")
    print(f"  best of 20                {t * 1e3:8.2f} ms  {n / t / 1e6:7.1f} M candles/s")
    print(f"  candles touching a level  {touched():,} of {n:,}")
    return {"floor_s": t}


def month_comparison(month: Candles, spec: GridSpec = SPEC) -> dict[str, float]:
    """Run the same grid with the kernel and with backtesting.py on one month; compare."""
    p = prepare(spec, month, config=CONFIG)
    t_k = best_of(_kernel_call(month, False, spec), 20)
    k = run_backtest(spec, month, config=CONFIG, record=False).run.summary
    fee = float(CONFIG.fees.maker)
    b = run_backtesting_py(p, month, cash=10_000, leverage=2, fee=fee)
    n = len(month)
    grid = f"{spec.lower:,}–{spec.upper:,} × {spec.grids}"
    print(f"\n== backtesting.py: grid {grid}, January 2024 ({n:,} candles) ==")
    print(f"  kernel        {t_k * 1e3:10.2f} ms  {n / t_k:14,.0f} candles/s")
    print(f"  backtesting.py{b.seconds * 1e3:10.0f} ms  {n / b.seconds:14,.0f} candles/s")
    print(f"  ratio kernel / backtesting.py: {b.seconds / t_k:,.0f}×")
    print(f"  {'':22}{'kernel':>14}{'backtesting.py':>16}")
    print(f"  {'fills':22}{k.fills:>14,}{b.fills:>16,}")
    print(f"  {'round trips':22}{k.round_trips:>14,}{b.round_trips:>16,}")
    print(f"  {'final equity':22}{k.final_equity:>14,.2f}{b.final_equity:>16,.2f}")
    print(f"  {'PnL':22}{k.final_equity - 10_000:>14,.2f}{b.final_equity - 10_000:>16,.2f}")
    print(f"  {'fees':22}{k.fees:>14,.2f}{b.commissions:>16,.2f}")
    print(
        "  (different engines: backtesting.py activates counter orders on the next bar and\n"
        "   fills gapped limits at the open, so figures agree in ballpark, not to the cent)"
    )
    tag = "" if spec is SPEC else "_dense"
    return {f"btpy_ratio{tag}": b.seconds / t_k, f"btpy_candles_per_s{tag}": n / b.seconds}


def bench_cli() -> dict[str, float]:
    """Run ``gridarena backtest --json`` on the year twice in fresh processes."""
    exe = Path(sys.executable).with_name("gridarena")
    cmd = (
        [str(exe)]
        if exe.exists()
        else [sys.executable, "-c", "from gridarena.cli import main; main()"]
    )
    cmd += ["backtest", "--data", str(BTC_FILE), "--symbol", "BTCUSDT"]
    cmd += ["--lower", "38000", "--upper", "110000", "--grids", "50", "--direction", "neutral"]
    cmd += ["--allocation", "10000", "--leverage", "2", "--json"]
    print("\n== CLI end to end: gridarena backtest --data BTCUSDT_1m_2024.parquet … --json ==")
    walls = []
    for label in ("first ", "second"):
        t0 = time.perf_counter()
        out = subprocess.run(cmd, capture_output=True, text=True, check=True)
        walls.append(time.perf_counter() - t0)
        inner = json.loads(out.stdout)["elapsed_s"]
        print(f"  {label} run  wall {walls[-1]:6.2f} s   (backtest inside: {inner:.3f} s)")
    print("  target: second run ≤ 3 s")
    return {"cli_first_s": walls[0], "cli_second_s": walls[1]}


def main() -> None:
    """Run every section and print a summary of the ratios."""
    quick = "--quick" in sys.argv
    print(f"machine: {os.cpu_count()} cores, {psutil.virtual_memory().total / 2**30:.0f} GiB")
    year = btc_2024()
    figures = bench_kernel(year)
    figures |= bench_floor(year)
    if not quick:
        figures |= month_comparison(year.slice(0, MONTH))
        figures |= month_comparison(year.slice(0, MONTH), DENSE)
        figures |= bench_cli()
        figures |= bench_sweep(year, CONFIG)
    print("\n== Summary ==")
    print(f"  kernel / NumPy floor time: {figures['kernel_off_s'] / figures['floor_s']:.2f}×")
    for key, value in figures.items():
        print(f"  {key:24}{value:12.4g}")


if __name__ == "__main__":
    main()
