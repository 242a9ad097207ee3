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
    LEDGER_SIZE,
    apply_fill,
    apply_funding,
    equity,
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

# --- parameter vector -------------------------------------------------------------------------
P_DIRECTION = 0  # +1 long, −1 short, 0 neutral
P_MAKER = 1  # maker fee rate
P_TAKER = 2  # taker fee rate
P_SLIPPAGE = 3  # market-order slippage as a fraction of price
P_LEVERAGE = 4
P_MMR = 5  # maintenance margin rate
P_MULT = 6  # contract multiplier
P_ALLOCATION = 7  # starting wallet (margin) of the grid
P_TP = 8  # take profit: stop and close when equity ≥ allocation·(1+tp) (0 = off)
P_SL = 9  # stop loss: stop and close when equity ≤ allocation·(1−sl) (0 = off)
P_STOP_TOP = 10  # stop and close when price ≥ this (0 = off)
P_STOP_BOTTOM = 11  # stop and close when price ≤ this (0 = off)
P_TRIGGER = 12  # start the grid only when price reaches this (0 = start at the first open)
P_RANGE_EXIT = 13  # 0 keep running, 1 stop (cancel orders), 2 stop and close the position
P_TRAIL_UP = 14  # 1: shift the grid up one level when price leaves the top
P_TRAIL_DOWN = 15  # 1: shift the grid down one level when price leaves the bottom
P_FILL_RULE = 16  # 0 touch (low ≤ p fills a buy), 1 cross (low < p)
P_PATH = 17  # 0 nearer extreme first, 1 open→high→low→close, 2 open→low→high→close
P_GEOMETRIC = 18  # 1: trailing extrapolates levels geometrically, 0 arithmetically
P_TICK = 19
P_STEP = 20
P_ENTRY_MAKER = 21  # 1: initial entries pay the maker fee without slippage (maker_first)
N_PARAMS = 22

# --- runtime vector (ledger first, then grid runtime) ----------------------------------------
R_STARTED = LEDGER_SIZE + 0
R_RUNNING = LEDGER_SIZE + 1
R_STOP_REASON = LEDGER_SIZE + 2
R_STOP_CANDLE = LEDGER_SIZE + 3
R_BEST_BUY = LEDGER_SIZE + 4
R_BEST_SELL = LEDGER_SIZE + 5
R_LIQ = LEDGER_SIZE + 6
R_SL = LEDGER_SIZE + 7
R_TP = LEDGER_SIZE + 8
R_DOWN = LEDGER_SIZE + 9  # highest price below which something may happen
R_UP = LEDGER_SIZE + 10  # lowest price above which something may happen
R_ROUND_TRIPS = LEDGER_SIZE + 11
R_GRID_PROFIT = LEDGER_SIZE + 12
R_LIQ_LOSS = LEDGER_SIZE + 13
R_SHIFTS = LEDGER_SIZE + 14
R_START_CANDLE = LEDGER_SIZE + 15
R_START_PRICE = LEDGER_SIZE + 16
R_MAX_NOTIONAL = LEDGER_SIZE + 17
RUNTIME_SIZE = LEDGER_SIZE + 18

# --- stop reasons ------------------------------------------------------------------------------
STOP_NONE = 0
STOP_TP = 1
STOP_SL = 2
STOP_TOP = 3
STOP_BOTTOM = 4
STOP_RANGE_EXIT = 5
STOP_LIQUIDATED = 6

# --- fill records ------------------------------------------------------------------------------
F_CANDLE = 0
F_SLOT = 1  # −1 for orders that belong to no slot (whole-position closes)
F_SIDE = 2  # +1 buy, −1 sell
F_PRICE = 3
F_QTY = 4
F_FEE = 5
F_KIND = 6
F_REALIZED = 7
F_POS_AFTER = 8
F_WALLET_AFTER = 9
FILL_COLS = 10

KIND_ENTRY = 0  # maker entry of a slot
KIND_EXIT = 1  # maker exit of a slot (round trip closed)
KIND_INITIAL = 2  # market entry at start / when a trailing slot is added
KIND_CLOSE = 3  # market close (TP, SL, stops, range exit, trailing drop)
KIND_LIQUIDATION = 4

# --- summary vector ----------------------------------------------------------------------------
S_CANDLES = 0
S_FILLS = 1
S_ROUND_TRIPS = 2
S_REALIZED = 3
S_UNREALIZED = 4
S_FEES = 5
S_FUNDING = 6
S_FINAL_EQUITY = 7
S_MAX_DRAWDOWN = 8  # fraction of the equity peak
S_RET_MEAN = 9  # mean per-candle simple return of equity
S_RET_STD = 10
S_STOP_REASON = 11
S_STOP_CANDLE = 12
S_POSITION = 13
S_AVG_PRICE = 14
S_GRID_PROFIT = 15
S_LIQ_LOSS = 16
S_PEAK_EQUITY = 17
S_MAKER_FILLS = 18
S_TAKER_FILLS = 19
S_START_CANDLE = 20
S_SHIFTS = 21
S_VOLUME = 22
S_MAX_NOTIONAL = 23
S_WALLET = 24
S_OVERFLOW = 25  # 1 when fills exceeded the capacity of the fill buffer
N_STATS = 26

_EV_NONE = 0
_EV_FILL = 1
_EV_LIQ = 2
_EV_SL = 3
_EV_TP = 4
_EV_STOP = 5
_EV_EDGE = 6
_EV_START = 7


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
def _fill(
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
def _market(
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
        _fill(rt, p, fills, candle, slot, side, price, qty, True, kind)
        return price
    px = float(price * (1.0 + side * p[P_SLIPPAGE]))
    _fill(rt, p, fills, candle, slot, side, px, qty, False, kind)
    return px


@njit
def _refresh(
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
def _start(
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
            entry_px[k] = _market(rt, p, fills, candle, k, int(d[k]), price, qty[k], KIND_INITIAL)
    _refresh(levels, dirs, states, rt, p)


@njit
def _stop(
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
    """Cancel every resting order, optionally close the position at market, stop the grid."""
    for k in range(states.shape[0]):
        states[k] = EMPTY
    rt[R_RUNNING] = 0.0
    rt[R_STOP_REASON] = reason
    rt[R_STOP_CANDLE] = candle
    pos = rt[A_POS]
    if close and pos != 0.0:
        _market(rt, p, fills, candle, -1, -1 if pos > 0 else 1, price, abs(pos), KIND_CLOSE)
    _refresh(levels, dirs, states, rt, p)


@njit
def _liquidate(
    levels: NDArray[np.float64],
    dirs: NDArray[np.int8],
    states: NDArray[np.int8],
    rt: NDArray[np.float64],
    p: NDArray[np.float64],
    fills: NDArray[np.float64],
    candle: int,
    price: float,
) -> None:
    """Close the position at the liquidation price; the remaining margin is lost."""
    for k in range(states.shape[0]):
        states[k] = EMPTY
    pos = rt[A_POS]
    _fill(rt, p, fills, candle, -1, -1 if pos > 0 else 1, price, abs(pos), False, KIND_LIQUIDATION)
    # The liquidation clearance takes what is left of the margin (and covers any deficit).
    rt[R_LIQ_LOSS] += rt[A_WALLET]
    rt[A_WALLET] = 0.0
    rt[R_RUNNING] = 0.0
    rt[R_STOP_REASON] = STOP_LIQUIDATED
    rt[R_STOP_CANDLE] = candle
    _refresh(levels, dirs, states, rt, p)


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
        entry_px[k] = _market(rt, p, fills, candle, k, d, price, qty[k], KIND_INITIAL)


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
        _market(rt, p, fills, candle, k, -int(dirs[k]), price, qty[k], KIND_CLOSE)
    states[k] = EMPTY


@njit
def _shift(
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
    _refresh(levels, dirs, states, rt, p)


@njit
def _fill_resting(
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
            _fill(rt, p, fills, candle, k, side, price, qty[k], True, KIND_ENTRY)
            entry_px[k] = price
        else:
            _fill(rt, p, fills, candle, k, side, price, qty[k], True, KIND_EXIT)
            rt[R_ROUND_TRIPS] += 1.0
            rt[R_GRID_PROFIT] += d * qty[k] * mult * (price - entry_px[k])
        states[k] = after_fill(s, running)
    _refresh(levels, dirs, states, rt, p)
    if rt[A_POS] == 0.0 and running:
        # Flat: equity is the wallet, so TP/SL can only be crossed by a fill — check it here.
        w = rt[A_WALLET]
        alloc = p[P_ALLOCATION]
        if p[P_TP] > 0.0 and w >= alloc * (1.0 + p[P_TP]):
            _stop(levels, dirs, states, rt, p, fills, candle, STOP_TP, True, price)
        elif p[P_SL] > 0.0 and w <= alloc * (1.0 - p[P_SL]):
            _stop(levels, dirs, states, rt, p, fills, candle, STOP_SL, True, price)


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
            _fill_resting(levels, dirs, states, qty, entry_px, rt, p, fills, candle, side, book)
        elif ev == _EV_LIQ:
            _liquidate(levels, dirs, states, rt, p, fills, candle, mkt)
        elif ev == _EV_SL:
            _stop(levels, dirs, states, rt, p, fills, candle, STOP_SL, True, mkt)
        elif ev == _EV_TP:
            _stop(levels, dirs, states, rt, p, fills, candle, STOP_TP, True, mkt)
        elif ev == _EV_STOP:
            _stop(
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
                _shift(levels, dirs, states, qty, entry_px, rt, p, fills, candle, not down, at)
            else:
                close = p[P_RANGE_EXIT] > 1.0
                _stop(levels, dirs, states, rt, p, fills, candle, STOP_RANGE_EXIT, close, mkt)
        else:
            _start(levels, dirs, states, qty, entry_px, rt, p, fills, candle, at)
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
        _refresh(levels, dirs, states, rt, p)
    else:
        _start(levels, dirs, states, qty, entry_px, rt, p, fills, 0, op[0])
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
                _refresh(levels, dirs, states, rt, p)
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
