"""The grid state machine, written once for every mode (DESIGN.md §2.1).

A grid has sorted level prices ``L_0 < … < L_N``; slot ``k`` sits between ``L_k`` and ``L_{k+1}``.
A LONG slot enters with a buy at ``L_k`` and exits with a sell at ``L_{k+1}``; a SHORT slot enters
with a sell at ``L_{k+1}`` and exits with a buy at ``L_k``. Each slot moves through

    EMPTY → ENTRY_OPEN → FILLED → EXIT_OPEN → (round trip closed) → EMPTY → ENTRY_OPEN …

so the counter order of a fill always rests one level away, and a slot can never hold two entries.
These functions are compiled with numba and are called both by the backtest kernel and, from
Python, by the paper/live engine, so the two cannot drift apart.
"""

import numpy as np
from numpy.typing import NDArray

from gridarena._jit import njit

# Slot states.
EMPTY = 0
ENTRY_OPEN = 1
FILLED = 2
EXIT_OPEN = 3

# Grid directions (also the direction of a single slot: +1 long, -1 short).
LONG = 1
SHORT = -1
NEUTRAL = 0

# Order sides as signs of the position change.
BUY = 1
SELL = -1
NO_SIDE = 0


@njit
def assign_directions(
    levels: NDArray[np.float64], direction: int, price: float
) -> NDArray[np.int8]:
    """Return each slot's direction for a grid started at ``price``.

    LONG and SHORT grids use one direction for every slot. A NEUTRAL grid is long below the start
    price and short above it (slot midpoint decides), so it starts flat with buys under the market
    and sells over it.
    """
    n = levels.shape[0] - 1
    out = np.empty(n, np.int8)
    for k in range(n):
        if direction == LONG:
            out[k] = LONG
        elif direction == SHORT:
            out[k] = SHORT
        elif 0.5 * (levels[k] + levels[k + 1]) < price:
            out[k] = LONG
        else:
            out[k] = SHORT
    return out


@njit
def entry_price(levels: NDArray[np.float64], k: int, d: int) -> float:
    """Return the entry price of slot ``k`` with direction ``d``."""
    return float(levels[k] if d > 0 else levels[k + 1])


@njit
def exit_price(levels: NDArray[np.float64], k: int, d: int) -> float:
    """Return the exit (counter order) price of slot ``k`` with direction ``d``."""
    return float(levels[k + 1] if d > 0 else levels[k])


@njit
def resting_side(state: int, d: int) -> int:
    """Return the side of the order a slot keeps resting in ``state`` (0 when none)."""
    if state == ENTRY_OPEN:
        return d
    if state == EXIT_OPEN:
        return -d
    return NO_SIDE


@njit
def resting_price(levels: NDArray[np.float64], k: int, d: int, state: int) -> float:
    """Return the price of the order slot ``k`` keeps resting in ``state`` (NaN when none)."""
    if state == ENTRY_OPEN:
        return entry_price(levels, k, d)
    if state == EXIT_OPEN:
        return exit_price(levels, k, d)
    return np.nan


@njit
def needs_market_entry(levels: NDArray[np.float64], k: int, d: int, price: float) -> bool:
    """Tell whether the slot's entry would be marketable at ``price`` (so it is bought at start).

    This is how LONG and SHORT grids get their initial position: every slot whose entry order
    would cross the market is entered at once and starts with its exit order resting.
    """
    if d > 0:
        return bool(levels[k] >= price)
    return bool(levels[k + 1] <= price)


@njit
def after_fill(state: int, running: bool) -> int:
    """Return the slot state after its resting order fills.

    ENTRY_OPEN → FILLED → EXIT_OPEN places the counter order one level away; EXIT_OPEN closes the
    round trip (→ EMPTY) and re-arms the entry while the grid is running.
    """
    if state == ENTRY_OPEN:
        return EXIT_OPEN
    if state == EXIT_OPEN:
        return ENTRY_OPEN if running else EMPTY
    return state


@njit
def initial_state(levels: NDArray[np.float64], k: int, d: int, price: float) -> int:
    """Return the state a slot starts in at ``price`` (EXIT_OPEN means: enter at market first)."""
    if needs_market_entry(levels, k, d, price):
        return EXIT_OPEN
    return ENTRY_OPEN
