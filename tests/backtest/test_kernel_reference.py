"""Fill-by-fill check of the kernel against a naive reference simulator on real candles.

The reference below is written from DESIGN.md §3 alone, as plainly as possible: it keeps a list
of resting orders, walks each candle's path and fills the nearest order until none is left in
reach. It shares no code with the kernel (no thresholds, no fast path, no state machine module).
"""

from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray

from gridarena.backtest import layout as k
from gridarena.backtest.params import GridParams
from gridarena.backtest.run import run_kernel
from gridarena.marketdata.generator import generate_market
from gridarena.marketdata.loader import load_candles
from gridarena.marketdata.paths import shared_market_dir

Fill = tuple[int, int, int, float, float]  # candle, slot, side, price, qty


def reference_fills(
    o: NDArray[np.float64],
    h: NDArray[np.float64],
    lo: NDArray[np.float64],
    c: NDArray[np.float64],
    levels: list[float],
    qty: list[float],
    direction: str,
    cross: bool,
    path: str,
) -> list[Fill]:
    """Simulate a grid with no stops: return its fills in order."""
    n = len(levels) - 1
    start = o[0]
    dirs = []
    for s in range(n):
        if direction == "long":
            dirs.append(1)
        elif direction == "short":
            dirs.append(-1)
        else:
            dirs.append(1 if (levels[s] + levels[s + 1]) / 2 < start else -1)
    fills: list[Fill] = []
    # order per slot: (side, price, is_entry)
    orders: dict[int, tuple[int, float, bool]] = {}
    for s in range(n):
        entry = levels[s] if dirs[s] > 0 else levels[s + 1]
        exit_ = levels[s + 1] if dirs[s] > 0 else levels[s]
        marketable = entry >= start if dirs[s] > 0 else entry <= start
        if marketable:
            fills.append((0, s, dirs[s], float(start), qty[s]))
            orders[s] = (-dirs[s], exit_, False)
        else:
            orders[s] = (dirs[s], entry, True)

    def walk(i: int, a: float, b: float) -> None:
        while True:
            best: tuple[float, int] | None = None
            for s, (side, px, _) in orders.items():
                if b < a and side > 0 and (b < px if cross else b <= px):
                    dist = max(0.0, a - px)
                elif b > a and side < 0 and (b > px if cross else b >= px):
                    dist = max(0.0, px - a)
                else:
                    continue
                if best is None or dist < best[0]:
                    best = (dist, s)
            if best is None:
                return
            s = best[1]
            side, px, is_entry = orders[s]
            fills.append((i, s, side, px, qty[s]))
            if is_entry:
                orders[s] = (-side, levels[s + 1] if dirs[s] > 0 else levels[s], False)
            else:
                orders[s] = (dirs[s], levels[s] if dirs[s] > 0 else levels[s + 1], True)
            a = px

    prev = o[0]
    for i in range(len(o)):
        if path == "ohlc":
            first, second = h[i], lo[i]
        elif path == "olhc":
            first, second = lo[i], h[i]
        else:
            high_first = (h[i] - o[i]) < (o[i] - lo[i])
            first, second = (h[i], lo[i]) if high_first else (lo[i], h[i])
        for a, b in ((prev, o[i]), (o[i], first), (first, second), (second, c[i])):
            if a != b:
                walk(i, a, b)
        prev = c[i]
    return fills


def _kernel_fills(
    arrays: tuple[NDArray[np.float64], ...],
    levels: NDArray[np.float64],
    qty: NDArray[np.float64],
    direction: str,
    fill_rule: str,
    path: str,
) -> list[Fill]:
    o, h, lo, c = arrays
    ts = np.arange(o.shape[0], dtype=np.int64) * 60_000
    params = GridParams(
        allocation=1e9, direction=direction, fill_rule=fill_rule, path=path, slippage=0.0
    )
    run = run_kernel(ts, o, h, lo, c, levels, qty, params)
    return [
        (int(f[k.F_CANDLE]), int(f[k.F_SLOT]), int(f[k.F_SIDE]), f[k.F_PRICE], f[k.F_QTY])
        for f in run.fills
    ]


REAL_FILES = [
    "binance_spot_BTCUSDT_1m/BTCUSDT_1m_2024.parquet",
    "binance_usdm_1m_2025-05/ETHUSDT_PERP_1m.parquet",
    "binance_spot_1m_5sym_2026-03/SOLUSDT_1m.parquet",
]


def _real_slice(name: str, rows: int) -> tuple[NDArray[np.float64], ...]:
    path: Path = shared_market_dir() / name
    if not path.exists():
        pytest.skip(f"real market data not found at {path} (see ../shared/data/market)")
    candles = load_candles(path).slice(0, rows)
    return candles.open, candles.high, candles.low, candles.close


def _grid_around(
    arrays: tuple[NDArray[np.float64], ...], n: int, geometric: bool
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    lo, hi = float(arrays[2].min()), float(arrays[1].max())
    if geometric:
        levels = np.geomspace(lo * 0.999, hi * 1.001, n + 1)
    else:
        levels = np.linspace(lo * 0.999, hi * 1.001, n + 1)
    return np.round(levels, 2), np.full(n, 0.01)


@pytest.mark.parametrize("name", REAL_FILES)
@pytest.mark.parametrize("direction", ["long", "short", "neutral"])
@pytest.mark.parametrize(("fill_rule", "path"), [("touch", "nearest"), ("cross", "ohlc")])
def test_run_when_real_slice_then_fills_equal_reference_fill_by_fill(
    name: str, direction: str, fill_rule: str, path: str
) -> None:
    arrays = _real_slice(name, 3000)
    levels, qty = _grid_around(arrays, 30, geometric=direction == "short")
    expected = reference_fills(
        *arrays, levels.tolist(), qty.tolist(), direction, fill_rule == "cross", path
    )
    got = _kernel_fills(arrays, levels, qty, direction, fill_rule, path)
    assert len(expected) > 50, "the slice should trade the grid"
    assert got == expected


@pytest.mark.parametrize("seed", [1, 7, 42])
@pytest.mark.parametrize("path", ["nearest", "olhc"])
def test_run_when_generated_market_then_fills_equal_reference_fill_by_fill(
    seed: int, path: str
) -> None:
    m = generate_market(seed=seed, n_candles=4000)
    arrays = (m.open, m.high, m.low, m.close)
    levels, qty = _grid_around(arrays, 40, geometric=False)
    expected = reference_fills(*arrays, levels.tolist(), qty.tolist(), "neutral", False, path)
    assert _kernel_fills(arrays, levels, qty, "neutral", "touch", path) == expected
