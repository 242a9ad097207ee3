"""One-way perpetual-futures ledger over a float64 state vector (compiled, shared by every mode).

The vector layout is given by the ``A_*`` indices. Accounting follows USD-M perpetuals: a net
position with an average entry price, realized PnL on the reduced quantity, fees and funding paid
out of the wallet balance, equity = wallet + unrealized PnL.
"""

import numpy as np
from numpy.typing import NDArray

from gridarena._jit import njit

A_POS = 0  # signed base quantity (contracts)
A_AVG = 1  # average entry price of the net position
A_WALLET = 2  # wallet balance: deposits + realized PnL − fees + funding
A_REALIZED = 3
A_FEES = 4
A_FUNDING = 5
A_FILLS = 6
A_MAKER_FILLS = 7
A_TAKER_FILLS = 8
A_VOLUME = 9  # traded quote notional
LEDGER_SIZE = 10


def new_ledger(wallet: float) -> NDArray[np.float64]:
    """Return a flat ledger holding ``wallet`` of quote currency."""
    led = np.zeros(LEDGER_SIZE, np.float64)
    led[A_WALLET] = wallet
    return led


@njit
def apply_fill(
    led: NDArray[np.float64], side: int, price: float, qty: float, fee_rate: float, mult: float
) -> float:
    """Book a fill of ``qty`` at ``price`` (side +1 buy, −1 sell); return the realized PnL."""
    pos = led[A_POS]
    avg = led[A_AVG]
    notional = price * qty * mult
    fee = notional * fee_rate
    led[A_WALLET] -= fee
    led[A_FEES] += fee
    led[A_FILLS] += 1.0
    led[A_VOLUME] += notional
    dq = side * qty
    realized = 0.0
    new_pos = pos + dq
    # Quantities are step multiples; anything this small is float residue of a flat position.
    if abs(new_pos) <= qty * 1e-9:
        new_pos = 0.0
    if pos == 0.0 or (pos > 0.0) == (dq > 0.0):
        led[A_AVG] = (avg * abs(pos) + price * qty) / abs(new_pos)
    else:
        closed = min(qty, abs(pos))
        realized = closed * mult * (price - avg) * (1.0 if pos > 0.0 else -1.0)
        led[A_WALLET] += realized
        led[A_REALIZED] += realized
        if new_pos == 0.0:
            led[A_AVG] = 0.0
        elif (new_pos > 0.0) != (pos > 0.0):
            # The fill flipped the position: the remainder opens a new one at the fill price.
            led[A_AVG] = price
    led[A_POS] = new_pos
    return realized


@njit
def apply_funding(led: NDArray[np.float64], mark: float, rate: float, mult: float) -> float:
    """Pay or receive funding at ``mark``: longs pay shorts when ``rate`` > 0. Return the amount."""
    amount = -led[A_POS] * mult * mark * rate
    led[A_WALLET] += amount
    led[A_FUNDING] += amount
    return float(amount)


@njit
def equity(led: NDArray[np.float64], mark: float, mult: float) -> float:
    """Return wallet balance plus unrealized PnL at ``mark``."""
    return float(led[A_WALLET] + led[A_POS] * mult * (mark - led[A_AVG]))


@njit
def liquidation_price(led: NDArray[np.float64], mult: float, mmr: float) -> float:
    """Return the mark price at which equity falls to the maintenance margin (NaN if none)."""
    pos = led[A_POS]
    if pos == 0.0:
        return np.nan
    q = abs(pos) * mult
    w = led[A_WALLET]
    avg = led[A_AVG]
    if pos > 0.0:
        px = (q * avg - w) / (q * (1.0 - mmr))
        return float(px) if px > 0.0 else np.nan
    return float((w + q * avg) / (q * (1.0 + mmr)))


@njit
def price_at_equity(led: NDArray[np.float64], target: float, mult: float) -> float:
    """Return the mark price at which equity equals ``target`` (NaN when flat)."""
    pos = led[A_POS]
    if pos == 0.0:
        return np.nan
    return float(led[A_AVG] + (target - led[A_WALLET]) / (pos * mult))
