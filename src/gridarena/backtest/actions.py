"""Grid actions inside the kernel: book fills, start, stop, trail and refresh triggers.

Every function works on the kernel's vectors (see `gridarena.backtest.layout`) and delegates slot
transitions to the shared state machine and money to the shared ledger.
"""

import numpy as np
from numpy.typing import NDArray

from gridarena._jit import njit
from gridarena.backtest.layout import (
    F_CANDLE,
    F_FEE,
    F_KIND,
    F_POS_AFTER,
    F_PRICE,
    F_QTY,
    F_REALIZED,
    F_SIDE,
    F_SLOT,
    F_WALLET_AFTER,
    KIND_CLOSE,
    KIND_ENTRY,
    KIND_EXIT,
    KIND_INITIAL,
    KIND_LIQUIDATION,
    P_ALLOCATION,
    P_DIRECTION,
    P_ENTRY_MAKER,
    P_GEOMETRIC,
    P_MAKER,
    P_MMR,
    P_MULT,
    P_RANGE_EXIT,
    P_SL,
    P_SLIPPAGE,
    P_STEP,
    P_STOP_BOTTOM,
    P_STOP_TOP,
    P_TAKER,
    P_TICK,
    P_TP,
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
    R_START_PRICE,
    R_STARTED,
    R_STOP_CANDLE,
    R_STOP_REASON,
    R_TP,
    R_UP,
    STOP_LIQUIDATED,
    STOP_SL,
    STOP_TP,
)
from gridarena.grid.ledger import (
    A_FILLS,
    A_MAKER_FILLS,
    A_POS,
    A_TAKER_FILLS,
    A_WALLET,
    apply_fill,
    liquidation_price,
    price_at_equity,
)
from gridarena.grid.machine import (
    EMPTY,
    ENTRY_OPEN,
    EXIT_OPEN,
    after_fill,
    assign_directions,
    entry_price,
    initial_state,
    resting_price,
    resting_side,
)


@njit
def _record(
    fills: NDArray[np.float64],
    rt: NDArray[np.float64],
    candle: int,
    slot: int,
    side: int,
    price: float,
    qty: float,
    fee: float,
    kind: int,
    realized: float,
) -> None:
    idx = int(rt[A_FILLS]) - 1  # apply_fill already counted this fill
    if idx < fills.shape[0]:
        fills[idx, F_CANDLE] = candle
        fills[idx, F_SLOT] = slot
        fills[idx, F_SIDE] = side
        fills[idx, F_PRICE] = price
        fills[idx, F_QTY] = qty
        fills[idx, F_FEE] = fee
        fills[idx, F_KIND] = kind
        fills[idx, F_REALIZED] = realized
        fills[idx, F_POS_AFTER] = rt[A_POS]
        fills[idx, F_WALLET_AFTER] = rt[A_WALLET]


@njit
def book_fill(
    rt: NDArray[np.float64],
    p: NDArray[np.float64],
    fills: NDArray[np.float64],
    candle: int,
    slot: int,
    side: int,
    price: float,
    qty: float,
    maker: bool,
    kind: int,
) -> None:
    """Book one fill in the ledger and the fill buffer."""
    rate = p[P_MAKER] if maker else p[P_TAKER]
    realized = apply_fill(rt, side, price, qty, rate, p[P_MULT])
    if maker:
        rt[A_MAKER_FILLS] += 1.0
    else:
        rt[A_TAKER_FILLS] += 1.0
    notional = abs(rt[A_POS]) * price * p[P_MULT]
    if notional > rt[R_MAX_NOTIONAL]:
        rt[R_MAX_NOTIONAL] = notional
    _record(
        fills, rt, candle, slot, side, price, qty, price * qty * p[P_MULT] * rate, kind, realized
    )


@njit
def market_order(
    rt: NDArray[np.float64],
    p: NDArray[np.float64],
    fills: NDArray[np.float64],
    candle: int,
    slot: int,
    side: int,
    price: float,
    qty: float,
    kind: int,
) -> float:
    """Execute a market order with slippage against us; return the fill price."""
    if kind == KIND_INITIAL and p[P_ENTRY_MAKER] > 0.0:
        book_fill(rt, p, fills, candle, slot, side, price, qty, True, kind)
        return price
    px = float(price * (1.0 + side * p[P_SLIPPAGE]))
    tick = p[P_TICK]
    if p[P_SLIPPAGE] > 0.0 and tick > 0.0:
        # Venues fill on the tick grid: slippage rounds to the next tick against the taker.
        steps = np.ceil(px / tick - 1e-9) if side > 0 else np.floor(px / tick + 1e-9)
        px = float(steps * tick)
    book_fill(rt, p, fills, candle, slot, side, px, qty, False, kind)
    return px


@njit
def refresh(
    levels: NDArray[np.float64],
    dirs: NDArray[np.int8],
    states: NDArray[np.int8],
    rt: NDArray[np.float64],
    p: NDArray[np.float64],
) -> None:
    """Recompute resting best bid/ask, position triggers and the fast-path thresholds."""
    best_buy = -np.inf
    best_sell = np.inf
    for k in range(dirs.shape[0]):
        side = resting_side(states[k], dirs[k])
        if side != 0:
            px = resting_price(levels, k, dirs[k], states[k])
            if side > 0:
                best_buy = max(best_buy, px)
            else:
                best_sell = min(best_sell, px)
    rt[R_BEST_BUY] = best_buy
    rt[R_BEST_SELL] = best_sell
    mult = p[P_MULT]
    pos = rt[A_POS]
    liq = liquidation_price(rt, mult, p[P_MMR])
    sl = price_at_equity(rt, p[P_ALLOCATION] * (1.0 - p[P_SL]), mult) if p[P_SL] > 0 else np.nan
    tp = price_at_equity(rt, p[P_ALLOCATION] * (1.0 + p[P_TP]), mult) if p[P_TP] > 0 else np.nan
    rt[R_LIQ] = liq
    rt[R_SL] = sl
    rt[R_TP] = tp
    down = best_buy
    up = best_sell
    # NaN comparisons are false, so an unset trigger never moves a threshold.
    if pos > 0.0:
        if liq > down:
            down = liq
        if sl > down:
            down = sl
        if tp < up:
            up = tp
    elif pos < 0.0:
        if tp > down:
            down = tp
        if liq < up:
            up = liq
        if sl < up:
            up = sl
    if rt[R_RUNNING] > 0.0:
        if p[P_STOP_BOTTOM] > 0.0:
            down = max(down, p[P_STOP_BOTTOM])
        if p[P_STOP_TOP] > 0.0:
            up = min(up, p[P_STOP_TOP])
        if p[P_RANGE_EXIT] > 0.0 or p[P_TRAIL_DOWN] > 0.0:
            down = max(down, levels[0])
        if p[P_RANGE_EXIT] > 0.0 or p[P_TRAIL_UP] > 0.0:
            up = min(up, levels[levels.shape[0] - 1])
    if rt[R_STARTED] == 0.0:
        down = max(down, p[P_TRIGGER])
        up = min(up, p[P_TRIGGER])
    rt[R_DOWN] = down
    rt[R_UP] = up


@njit
def start_grid(
    levels: NDArray[np.float64],
    dirs: NDArray[np.int8],
    states: NDArray[np.int8],
    qty: NDArray[np.float64],
    entry_px: NDArray[np.float64],
    rt: NDArray[np.float64],
    p: NDArray[np.float64],
    fills: NDArray[np.float64],
    candle: int,
    price: float,
) -> None:
    """Start the grid at ``price``: assign slot directions, enter marketable slots at once."""
    d = assign_directions(levels, int(p[P_DIRECTION]), price)
    rt[R_STARTED] = 1.0
    rt[R_RUNNING] = 1.0
    rt[R_START_CANDLE] = candle
    rt[R_START_PRICE] = price
    for k in range(dirs.shape[0]):
        dirs[k] = d[k]
        states[k] = initial_state(levels, k, int(d[k]), price)
        if states[k] == EXIT_OPEN:
            entry_px[k] = market_order(
                rt, p, fills, candle, k, int(d[k]), price, qty[k], KIND_INITIAL
            )
    refresh(levels, dirs, states, rt, p)


@njit
def stop_grid(
    levels: NDArray[np.float64],
    dirs: NDArray[np.int8],
    states: NDArray[np.int8],
    rt: NDArray[np.float64],
    p: NDArray[np.float64],
    fills: NDArray[np.float64],
    candle: int,
    reason: int,
    close: bool,
    price: float,
) -> None:
    """Cancel every resting order and stop the grid, closing the position if asked.

    A liquidation closes at ``price`` itself (no slippage) and the clearance takes what is left
    of the margin, covering any deficit; other stops close at market with slippage.
    """
    for k in range(states.shape[0]):
        states[k] = EMPTY
    rt[R_RUNNING] = 0.0
    rt[R_STOP_REASON] = reason
    rt[R_STOP_CANDLE] = candle
    pos = rt[A_POS]
    side = -1 if pos > 0 else 1
    if reason == STOP_LIQUIDATED:
        book_fill(rt, p, fills, candle, -1, side, price, abs(pos), False, KIND_LIQUIDATION)
        rt[R_LIQ_LOSS] += rt[A_WALLET]
        rt[A_WALLET] = 0.0
    elif close and pos != 0.0:
        market_order(rt, p, fills, candle, -1, side, price, abs(pos), KIND_CLOSE)
    refresh(levels, dirs, states, rt, p)


@njit
def _round_step(x: float, step: float) -> float:
    if step <= 0.0:
        return x
    return float(np.floor(x / step + 1e-9) * step)


@njit
def _round_tick(x: float, tick: float) -> float:
    if tick <= 0.0:
        return x
    return float(np.round(x / tick) * tick)


@njit
def _add_slot(
    levels: NDArray[np.float64],
    dirs: NDArray[np.int8],
    states: NDArray[np.int8],
    qty: NDArray[np.float64],
    entry_px: NDArray[np.float64],
    rt: NDArray[np.float64],
    p: NDArray[np.float64],
    fills: NDArray[np.float64],
    candle: int,
    k: int,
    d: int,
    quote: float,
    price: float,
) -> None:
    """Initialise slot ``k`` (new after a trailing shift) keeping its quote size."""
    dirs[k] = d
    qty[k] = _round_step(quote / entry_price(levels, k, d), p[P_STEP])
    states[k] = initial_state(levels, k, d, price)
    if qty[k] <= 0.0:
        states[k] = EMPTY
    elif states[k] == EXIT_OPEN:
        entry_px[k] = market_order(rt, p, fills, candle, k, d, price, qty[k], KIND_INITIAL)


@njit
def _drop_slot(
    dirs: NDArray[np.int8],
    states: NDArray[np.int8],
    qty: NDArray[np.float64],
    rt: NDArray[np.float64],
    p: NDArray[np.float64],
    fills: NDArray[np.float64],
    candle: int,
    k: int,
    price: float,
) -> None:
    """Remove slot ``k`` from the grid, closing its position at market if it holds one."""
    if states[k] == EXIT_OPEN:
        market_order(rt, p, fills, candle, k, -int(dirs[k]), price, qty[k], KIND_CLOSE)
    states[k] = EMPTY


@njit
def shift_grid(
    levels: NDArray[np.float64],
    dirs: NDArray[np.int8],
    states: NDArray[np.int8],
    qty: NDArray[np.float64],
    entry_px: NDArray[np.float64],
    rt: NDArray[np.float64],
    p: NDArray[np.float64],
    fills: NDArray[np.float64],
    candle: int,
    up: bool,
    price: float,
) -> None:
    """Trail the grid one level up (or down): drop the far slot, add one beyond the edge."""
    n = dirs.shape[0]
    geometric = p[P_GEOMETRIC] > 0.0
    if up:
        d = int(dirs[n - 1])
        quote = qty[n - 1] * entry_price(levels, n - 1, d)
        _drop_slot(dirs, states, qty, rt, p, fills, candle, 0, price)
        top = levels[n]
        nxt = top * top / levels[n - 1] if geometric else 2.0 * top - levels[n - 1]
        for k in range(n - 1):
            dirs[k] = dirs[k + 1]
            states[k] = states[k + 1]
            qty[k] = qty[k + 1]
            entry_px[k] = entry_px[k + 1]
        for j in range(n):
            levels[j] = levels[j + 1]
        levels[n] = _round_tick(nxt, p[P_TICK])
        _add_slot(levels, dirs, states, qty, entry_px, rt, p, fills, candle, n - 1, d, quote, price)
    else:
        d = int(dirs[0])
        quote = qty[0] * entry_price(levels, 0, d)
        _drop_slot(dirs, states, qty, rt, p, fills, candle, n - 1, price)
        bottom = levels[0]
        nxt = bottom * bottom / levels[1] if geometric else 2.0 * bottom - levels[1]
        for k in range(n - 1, 0, -1):
            dirs[k] = dirs[k - 1]
            states[k] = states[k - 1]
            qty[k] = qty[k - 1]
            entry_px[k] = entry_px[k - 1]
        for j in range(n, 0, -1):
            levels[j] = levels[j - 1]
        levels[0] = _round_tick(nxt, p[P_TICK])
        _add_slot(levels, dirs, states, qty, entry_px, rt, p, fills, candle, 0, d, quote, price)
    rt[R_SHIFTS] += 1.0
    refresh(levels, dirs, states, rt, p)


@njit
def fill_resting(
    levels: NDArray[np.float64],
    dirs: NDArray[np.int8],
    states: NDArray[np.int8],
    qty: NDArray[np.float64],
    entry_px: NDArray[np.float64],
    rt: NDArray[np.float64],
    p: NDArray[np.float64],
    fills: NDArray[np.float64],
    candle: int,
    side: int,
    price: float,
) -> None:
    """Fill every slot order resting on ``side`` at ``price``; place their counter orders."""
    mult = p[P_MULT]
    running = rt[R_RUNNING] > 0.0
    for k in range(dirs.shape[0]):
        s = int(states[k])
        d = int(dirs[k])
        if resting_side(s, d) != side or resting_price(levels, k, d, s) != price:
            continue
        if s == ENTRY_OPEN:
            book_fill(rt, p, fills, candle, k, side, price, qty[k], True, KIND_ENTRY)
            entry_px[k] = price
        else:
            book_fill(rt, p, fills, candle, k, side, price, qty[k], True, KIND_EXIT)
            rt[R_ROUND_TRIPS] += 1.0
            rt[R_GRID_PROFIT] += d * qty[k] * mult * (price - entry_px[k])
        states[k] = after_fill(s, running)
    refresh(levels, dirs, states, rt, p)
    if rt[A_POS] == 0.0 and running:
        # Flat: equity is the wallet, so TP/SL can only be crossed by a fill — check it here.
        w = rt[A_WALLET]
        alloc = p[P_ALLOCATION]
        if p[P_TP] > 0.0 and w >= alloc * (1.0 + p[P_TP]):
            stop_grid(levels, dirs, states, rt, p, fills, candle, STOP_TP, True, price)
        elif p[P_SL] > 0.0 and w <= alloc * (1.0 - p[P_SL]):
            stop_grid(levels, dirs, states, rt, p, fills, candle, STOP_SL, True, price)
