"""Compiled backtest kernel: one grid over candle arrays (DESIGN.md §3 fill rule).

Each candle is walked along a price path — previous close → open → nearer extreme → farther
extreme → close (or the fixed OHLC / OLHC orders) — and every event on the way is handled in price
order: resting grid orders fill at their limit price, then the slot's counter order is placed by
the shared state machine (`gridarena.grid.machine`) and may fill later in the same candle if the
path reaches it. Liquidation, TP/SL, stop-top/bottom, range exit, trailing and the trigger price
are price events on the same path. Candles whose range touches no event (the common case) cost a
couple of comparisons, which is what makes the kernel fast.
"""

import numpy as np
from numpy.typing import NDArray

from gridarena._jit import njit
from gridarena.backtest.actions import (
    fill_resting,
    refresh,
    shift_grid,
    start_grid,
    stop_grid,
)
from gridarena.backtest.layout import (
    N_STATS,
    P_ALLOCATION,
    P_FILL_RULE,
    P_MULT,
    P_PATH,
    P_RANGE_EXIT,
    P_STOP_BOTTOM,
    P_STOP_TOP,
    P_TRAIL_DOWN,
    P_TRAIL_UP,
    P_TRIGGER,
    R_BEST_BUY,
    R_BEST_SELL,
    R_DOWN,
    R_GRID_PROFIT,
    R_LIQ,
    R_LIQ_LOSS,
    R_MAX_NOTIONAL,
    R_ROUND_TRIPS,
    R_RUNNING,
    R_SHIFTS,
    R_SL,
    R_START_CANDLE,
    R_STARTED,
    R_STOP_CANDLE,
    R_STOP_REASON,
    R_TP,
    R_UP,
    RUNTIME_SIZE,
    S_AVG_PRICE,
    S_CANDLES,
    S_FEES,
    S_FILLS,
    S_FINAL_EQUITY,
    S_FUNDING,
    S_GRID_PROFIT,
    S_LIQ_LOSS,
    S_MAKER_FILLS,
    S_MAX_DRAWDOWN,
    S_MAX_NOTIONAL,
    S_OVERFLOW,
    S_PEAK_EQUITY,
    S_POSITION,
    S_REALIZED,
    S_RET_MEAN,
    S_RET_STD,
    S_ROUND_TRIPS,
    S_SHIFTS,
    S_START_CANDLE,
    S_STOP_CANDLE,
    S_STOP_REASON,
    S_TAKER_FILLS,
    S_UNREALIZED,
    S_VOLUME,
    S_WALLET,
    STOP_BOTTOM,
    STOP_LIQUIDATED,
    STOP_RANGE_EXIT,
    STOP_SL,
    STOP_TOP,
    STOP_TP,
)
from gridarena.grid.ledger import (
    A_AVG,
    A_FEES,
    A_FILLS,
    A_FUNDING,
    A_MAKER_FILLS,
    A_POS,
    A_REALIZED,
    A_TAKER_FILLS,
    A_VOLUME,
    A_WALLET,
    apply_funding,
    equity,
)

_EV_NONE = 0
_EV_FILL = 1
_EV_LIQ = 2
_EV_SL = 3
_EV_TP = 4
_EV_STOP = 5
_EV_EDGE = 6
_EV_START = 7


@njit
def _walk(
    levels: NDArray[np.float64],
    dirs: NDArray[np.int8],
    states: NDArray[np.int8],
    qty: NDArray[np.float64],
    entry_px: NDArray[np.float64],
    rt: NDArray[np.float64],
    p: NDArray[np.float64],
    fills: NDArray[np.float64],
    candle: int,
    cur: float,
    target: float,
    gap: bool,
) -> None:
    """Move the price from ``cur`` to ``target`` and handle every event on the way, in order."""
    if target == cur:
        return
    down = target < cur
    cross = p[P_FILL_RULE] > 0.0
    sgn = -1.0 if down else 1.0
    # Each event removes an order or stops the grid, so this bound is never reached in practice.
    for _ in range(8 * dirs.shape[0] + 64):
        # Work in "distance travelled" coordinates: the nearest event has the smallest key.
        best = np.inf
        ev = _EV_NONE
        started = rt[R_STARTED] > 0.0
        if started:
            pos = rt[A_POS]
            book = rt[R_BEST_BUY] if down else rt[R_BEST_SELL]
            if np.isfinite(book):
                hit = (
                    (target < book if cross else target <= book)
                    if down
                    else (target > book if cross else target >= book)
                )
                if hit:
                    best = max(0.0, sgn * (book - cur))
                    ev = _EV_FILL
            if pos != 0.0:
                adverse = (pos > 0.0) == down
                liq = rt[R_LIQ]
                if adverse and liq == liq and sgn * (target - liq) >= 0.0:
                    key = max(0.0, sgn * (liq - cur))
                    if key < best:
                        best = key
                        ev = _EV_LIQ
                trig = rt[R_SL] if adverse else rt[R_TP]
                if trig == trig and sgn * (target - trig) >= 0.0:
                    key = max(0.0, sgn * (trig - cur))
                    if key < best:
                        best = key
                        ev = _EV_SL if adverse else _EV_TP
            if rt[R_RUNNING] > 0.0:
                stop_px = p[P_STOP_BOTTOM] if down else p[P_STOP_TOP]
                if stop_px > 0.0 and sgn * (target - stop_px) >= 0.0:
                    key = max(0.0, sgn * (stop_px - cur))
                    if key < best:
                        best = key
                        ev = _EV_STOP
                trail = p[P_TRAIL_DOWN] if down else p[P_TRAIL_UP]
                if p[P_RANGE_EXIT] > 0.0 or trail > 0.0:
                    edge = levels[0] if down else levels[levels.shape[0] - 1]
                    if sgn * (target - edge) > 0.0:
                        key = max(0.0, sgn * (edge - cur))
                        if key < best:
                            best = key
                            ev = _EV_EDGE
        else:
            trig = p[P_TRIGGER]
            if sgn * (target - trig) >= 0.0 and sgn * (trig - cur) >= 0.0:
                best = sgn * (trig - cur)
                ev = _EV_START
        if ev == _EV_NONE:
            return
        at = cur + sgn * best
        # Market orders triggered inside a gap execute at the first traded price after it.
        mkt = target if gap else at
        if ev == _EV_FILL:
            side = 1 if down else -1
            book = rt[R_BEST_BUY] if down else rt[R_BEST_SELL]
            fill_resting(levels, dirs, states, qty, entry_px, rt, p, fills, candle, side, book)
        elif ev == _EV_LIQ:
            stop_grid(levels, dirs, states, rt, p, fills, candle, STOP_LIQUIDATED, True, mkt)
        elif ev == _EV_SL:
            stop_grid(levels, dirs, states, rt, p, fills, candle, STOP_SL, True, mkt)
        elif ev == _EV_TP:
            stop_grid(levels, dirs, states, rt, p, fills, candle, STOP_TP, True, mkt)
        elif ev == _EV_STOP:
            stop_grid(
                levels,
                dirs,
                states,
                rt,
                p,
                fills,
                candle,
                STOP_BOTTOM if down else STOP_TOP,
                True,
                mkt,
            )
        elif ev == _EV_EDGE:
            trail = p[P_TRAIL_DOWN] if down else p[P_TRAIL_UP]
            if trail > 0.0:
                shift_grid(levels, dirs, states, qty, entry_px, rt, p, fills, candle, not down, at)
            else:
                close = p[P_RANGE_EXIT] > 1.0
                stop_grid(levels, dirs, states, rt, p, fills, candle, STOP_RANGE_EXIT, close, mkt)
        else:
            start_grid(levels, dirs, states, qty, entry_px, rt, p, fills, candle, at)
        cur = at


@njit
def _candle(
    levels: NDArray[np.float64],
    dirs: NDArray[np.int8],
    states: NDArray[np.int8],
    qty: NDArray[np.float64],
    entry_px: NDArray[np.float64],
    rt: NDArray[np.float64],
    p: NDArray[np.float64],
    fills: NDArray[np.float64],
    i: int,
    prev_close: float,
    o: float,
    h: float,
    lo: float,
    c: float,
) -> None:
    """Walk one candle's assumed intrabar path."""
    path = int(p[P_PATH])
    if path == 1:
        high_first = True
    elif path == 2:
        high_first = False
    else:
        high_first = (h - o) < (o - lo)
    first = h if high_first else lo
    second = lo if high_first else h
    _walk(levels, dirs, states, qty, entry_px, rt, p, fills, i, prev_close, o, True)
    _walk(levels, dirs, states, qty, entry_px, rt, p, fills, i, o, first, False)
    _walk(levels, dirs, states, qty, entry_px, rt, p, fills, i, first, second, False)
    _walk(levels, dirs, states, qty, entry_px, rt, p, fills, i, second, c, False)


@njit
def run_grid(
    ts: NDArray[np.int64],
    op: NDArray[np.float64],
    hi: NDArray[np.float64],
    lo: NDArray[np.float64],
    cl: NDArray[np.float64],
    levels: NDArray[np.float64],
    qty: NDArray[np.float64],
    p: NDArray[np.float64],
    funding_ts: NDArray[np.int64],
    funding_rate: NDArray[np.float64],
    fills: NDArray[np.float64],
    equity_out: NDArray[np.float64],
    dirs: NDArray[np.int8],
) -> NDArray[np.float64]:
    """Run one grid over candles; return the summary vector (``S_*`` indices).

    ``levels``, ``qty`` and ``dirs`` are updated in place (trailing moves levels; ``dirs`` ends
    with the slot directions). ``fills`` receives up to ``fills.shape[0]`` fill records;
    ``equity_out`` receives the equity at every close when it has one entry per candle (pass an
    empty array to skip it, as sweeps do).
    """
    n = ts.shape[0]
    n_slots = levels.shape[0] - 1
    states = np.zeros(n_slots, np.int8)
    entry_px = np.zeros(n_slots, np.float64)
    rt = np.zeros(RUNTIME_SIZE, np.float64)
    rt[A_WALLET] = p[P_ALLOCATION]
    rt[R_STOP_CANDLE] = -1.0
    rt[R_START_CANDLE] = -1.0
    mult = p[P_MULT]
    record = equity_out.shape[0] == n
    out = np.zeros(N_STATS, np.float64)
    if n == 0:
        return out
    if p[P_TRIGGER] > 0.0 and op[0] != p[P_TRIGGER]:
        refresh(levels, dirs, states, rt, p)
    else:
        start_grid(levels, dirs, states, qty, entry_px, rt, p, fills, 0, op[0])
    fi = 0
    nf = funding_ts.shape[0]
    while fi < nf and funding_ts[fi] < ts[0]:
        fi += 1
    peak = p[P_ALLOCATION]
    max_dd = 0.0
    prev_eq = peak
    r_n = 0.0
    r_mean = 0.0
    r_m2 = 0.0
    prev_close = op[0]
    for i in range(n):
        while fi < nf and funding_ts[fi] <= ts[i]:
            if rt[A_POS] != 0.0:
                apply_funding(rt, op[i], funding_rate[fi], mult)
                refresh(levels, dirs, states, rt, p)
            fi += 1
        if not (lo[i] > rt[R_DOWN] and hi[i] < rt[R_UP]):
            _candle(
                levels,
                dirs,
                states,
                qty,
                entry_px,
                rt,
                p,
                fills,
                i,
                prev_close,
                op[i],
                hi[i],
                lo[i],
                cl[i],
            )
        prev_close = cl[i]
        eq = equity(rt, cl[i], mult)
        if record:
            equity_out[i] = eq
        if eq > peak:
            peak = eq
        elif peak - eq > max_dd * peak:
            max_dd = (peak - eq) / peak
        # Welford's running mean/variance of per-candle returns (for Sharpe without storing them).
        r = eq / prev_eq - 1.0 if prev_eq > 0.0 else 0.0
        prev_eq = eq
        r_n += 1.0
        delta = r - r_mean
        r_mean += delta / r_n
        r_m2 += delta * (r - r_mean)
    last = cl[n - 1]
    out[S_CANDLES] = n
    out[S_FILLS] = rt[A_FILLS]
    out[S_ROUND_TRIPS] = rt[R_ROUND_TRIPS]
    out[S_REALIZED] = rt[A_REALIZED]
    out[S_UNREALIZED] = equity(rt, last, mult) - rt[A_WALLET]
    out[S_FEES] = rt[A_FEES]
    out[S_FUNDING] = rt[A_FUNDING]
    out[S_FINAL_EQUITY] = equity(rt, last, mult)
    out[S_MAX_DRAWDOWN] = max_dd
    out[S_RET_MEAN] = r_mean
    out[S_RET_STD] = np.sqrt(r_m2 / (r_n - 1.0)) if r_n > 1.0 else 0.0
    out[S_STOP_REASON] = rt[R_STOP_REASON]
    out[S_STOP_CANDLE] = rt[R_STOP_CANDLE]
    out[S_POSITION] = rt[A_POS]
    out[S_AVG_PRICE] = rt[A_AVG]
    out[S_GRID_PROFIT] = rt[R_GRID_PROFIT]
    out[S_LIQ_LOSS] = rt[R_LIQ_LOSS]
    out[S_PEAK_EQUITY] = peak
    out[S_MAKER_FILLS] = rt[A_MAKER_FILLS]
    out[S_TAKER_FILLS] = rt[A_TAKER_FILLS]
    out[S_START_CANDLE] = rt[R_START_CANDLE]
    out[S_SHIFTS] = rt[R_SHIFTS]
    out[S_VOLUME] = rt[A_VOLUME]
    out[S_MAX_NOTIONAL] = rt[R_MAX_NOTIONAL]
    out[S_WALLET] = rt[A_WALLET]
    out[S_OVERFLOW] = 1.0 if rt[A_FILLS] > fills.shape[0] else 0.0
    return out
