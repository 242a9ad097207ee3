"""Property tests: whatever the market, the grid's books reconcile with its fill list."""

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray

from gridarena.backtest import layout as k
from gridarena.backtest.params import GridParams
from gridarena.backtest.run import KernelRun, run_kernel

OPENS = (k.KIND_ENTRY, k.KIND_INITIAL)


@st.composite
def markets(draw: st.DrawFn) -> tuple[NDArray[np.float64], ...]:
    """Draw a short OHLC path, with gaps between candles, that wanders around 100."""
    n = draw(st.integers(1, 40))
    price = draw(st.floats(80, 120))
    rows = []
    for _ in range(n):
        o = max(1.0, price + draw(st.floats(-3, 3)) * draw(st.sampled_from([0.0, 0.0, 1.0])))
        c = max(1.0, o + draw(st.floats(-15, 15)))
        h = max(o, c) + draw(st.floats(0, 8))
        lo = max(0.5, min(o, c) - draw(st.floats(0, 8)))
        rows.append((o, h, lo, c))
        price = c
    arr = np.round(np.array(rows, np.float64), 1)
    arr[:, 1] = np.maximum(arr[:, 1], arr[:, [0, 3]].max(axis=1))
    arr[:, 2] = np.minimum(arr[:, 2], arr[:, [0, 3]].min(axis=1))
    return tuple(np.ascontiguousarray(arr[:, j]) for j in range(4))


@st.composite
def grids(draw: st.DrawFn) -> tuple[NDArray[np.float64], NDArray[np.float64], GridParams]:
    """Draw a grid (levels, slot sizes) and its parameters, trailing excluded."""
    n = draw(st.integers(2, 10))
    lower = draw(st.floats(60, 110))
    step = draw(st.floats(0.5, 8))
    levels = np.round(lower + step * np.arange(n + 1), 1)
    qty = np.array([draw(st.sampled_from([0.5, 1.0, 2.0, 3.0])) for _ in range(n)])
    params = GridParams(
        allocation=draw(st.sampled_from([50.0, 200.0, 5000.0])),
        direction=draw(st.sampled_from(["long", "short", "neutral"])),
        fill_rule=draw(st.sampled_from(["touch", "cross"])),
        path=draw(st.sampled_from(["nearest", "ohlc", "olhc"])),
        slippage=draw(st.sampled_from([0.0, 0.001])),
        maintenance_margin=0.005,
        tp_pct=draw(st.sampled_from([0.0, 0.05])),
        sl_pct=draw(st.sampled_from([0.0, 0.1])),
        range_exit=draw(st.sampled_from(["none", "stop", "stop_and_close"])),
        stop_bottom=draw(st.sampled_from([0.0, 70.0])),
    )
    return levels, qty, params


def _run(market: tuple[NDArray[np.float64], ...], grid: tuple, funded: bool) -> KernelRun:  # type: ignore[type-arg]
    o, h, lo, c = market
    levels, qty, params = grid
    ts = np.arange(o.shape[0], dtype=np.int64) * 60_000
    f_ts = ts[::3].copy() if funded else None
    f_rate = np.full(ts[::3].shape[0], 0.0005) if funded else None
    return run_kernel(ts, o, h, lo, c, levels, qty, params, funding_ts=f_ts, funding_rate=f_rate)


def _replay_realized(fills: NDArray[np.float64]) -> float:
    """Recompute realized PnL from the fill list with an independent average-cost ledger."""
    pos = avg = realized = 0.0
    for f in fills:
        q = f[k.F_SIDE] * f[k.F_QTY]
        px = f[k.F_PRICE]
        if pos == 0 or (pos > 0) == (q > 0):
            avg = (avg * abs(pos) + px * abs(q)) / abs(pos + q)
        else:
            closed = min(abs(q), abs(pos))
            realized += closed * (px - avg) * np.sign(pos)
            if abs(q) > abs(pos):
                avg = px
        pos += q
        if abs(pos) < 1e-9:
            pos, avg = 0.0, 0.0
    return realized


PROPS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPS
@given(market=markets(), grid=grids(), funded=st.booleans())
def test_run_when_any_market_then_position_and_cash_reconcile_with_fills(
    market: tuple[NDArray[np.float64], ...],
    grid: tuple,
    funded: bool,  # type: ignore[type-arg]
) -> None:
    run = _run(market, grid, funded)
    s = run.summary
    f = run.fills
    assert f.shape[0] == s.fills
    assert abs((f[:, k.F_SIDE] * f[:, k.F_QTY]).sum() - s.position) < 1e-9
    assert abs(f[:, k.F_FEE].sum() - s.fees) < 1e-9
    wallet = s.final_equity - s.unrealized_pnl
    alloc = grid[2].allocation
    assert abs(alloc - s.fees + s.realized_pnl + s.funding - s.liquidation_loss - wallet) < 1e-7
    assert abs(_replay_realized(f) - s.realized_pnl) < 1e-7
    if s.stop_reason == "liquidated":
        assert s.final_equity == 0.0
        assert s.position == 0.0


@PROPS
@given(market=markets(), grid=grids())
def test_run_when_any_market_then_no_slot_ever_holds_two_entries(
    market: tuple[NDArray[np.float64], ...],
    grid: tuple,  # type: ignore[type-arg]
) -> None:
    run = _run(market, grid, False)
    holding: set[int] = set()
    for f in run.fills:
        slot, kind = int(f[k.F_SLOT]), int(f[k.F_KIND])
        if kind in OPENS:
            assert slot not in holding, "a slot was entered twice without an exit"
            holding.add(slot)
        elif slot >= 0:
            assert slot in holding, "a slot exited without holding"
            holding.remove(slot)
        else:
            holding.clear()  # whole-position close: every slot is flat and its orders cancelled
    # Whatever is still held is exactly the open position.
    qty = grid[1]
    dirs = run.directions
    held = sum(float(dirs[s] * qty[s]) for s in holding)
    assert abs(held - run.summary.position) < 1e-9


@PROPS
@given(market=markets(), grid=grids())
def test_run_when_any_market_then_maker_fills_lie_on_the_candle_path_and_levels(
    market: tuple[NDArray[np.float64], ...],
    grid: tuple,  # type: ignore[type-arg]
) -> None:
    o, h, lo, _c = market
    run = _run(market, grid, False)
    levels = set(grid[0].tolist())
    cross = grid[2].fill_rule == "cross"
    prev_close = np.concatenate([[o[0]], market[3][:-1]])
    for f in run.fills:
        if int(f[k.F_KIND]) not in (k.KIND_ENTRY, k.KIND_EXIT):
            continue
        i = int(f[k.F_CANDLE])
        px = float(f[k.F_PRICE])
        assert px in levels
        path_low = min(lo[i], prev_close[i])
        path_high = max(h[i], prev_close[i])
        if f[k.F_SIDE] > 0:
            assert px > path_low if cross else px >= path_low
        else:
            assert px < path_high if cross else px <= path_high
