"""Compiled loops of the indicators that TA-Lib lacks (KDJ) and of the rolling price window.

Self-contained: these kernels call no compiled function of another module, so numba's
per-file cache invalidation is enough to keep them fresh.
"""

import numpy as np
from numpy.typing import NDArray

from gridarena._jit import njit


@njit
def kdj_kernel(
    high: NDArray[np.float64],
    low: NDArray[np.float64],
    close: NDArray[np.float64],
    n: int,
    m1: int,
    m2: int,
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Return K, D, J; NaN before index ``n − 1``; K and D start from 50."""
    size = close.shape[0]
    k_out = np.full(size, np.nan)
    d_out = np.full(size, np.nan)
    j_out = np.full(size, np.nan)
    k = 50.0
    d = 50.0
    for t in range(n - 1, size):
        hi = high[t]
        lo = low[t]
        for s in range(t - n + 1, t):
            if high[s] > hi:
                hi = high[s]
            if low[s] < lo:
                lo = low[s]
        # A flat window carries no information: RSV = previous K leaves K where it was.
        rsv = (close[t] - lo) / (hi - lo) * 100.0 if hi > lo else k
        k = (m1 - 1.0) / m1 * k + rsv / m1
        d = (m2 - 1.0) / m2 * d + k / m2
        k_out[t] = k
        d_out[t] = d
        j_out[t] = 3.0 * k - 2.0 * d
    return k_out, d_out, j_out


@njit
def window_kernel(
    ts: NDArray[np.int64],
    close: NDArray[np.float64],
    high: NDArray[np.float64],
    low: NDArray[np.float64],
    now: NDArray[np.int64],
    window_ms: int,
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Return reference price, current price, high and low of ``(now − window_ms, now]``.

    One row per entry of ``now``. The reference is the last close at or before the window
    start (the first close when the data begins inside the window); the current price is
    the last close at or before ``now``. An empty window has high = low = the current price.
    Needs ``ts`` sorted and ``ts[0] <= now`` (checked by the callers).
    """
    m = now.shape[0]
    ref_out = np.empty(m)
    cur_out = np.empty(m)
    hi_out = np.empty(m)
    lo_out = np.empty(m)
    for i in range(m):
        last = np.searchsorted(ts, now[i], side="right") - 1
        first = np.searchsorted(ts, now[i] - window_ms, side="right")
        cur = close[last]
        hi = cur
        lo = cur
        if first <= last:
            hi = high[first]
            lo = low[first]
            for s in range(first + 1, last + 1):
                if high[s] > hi:
                    hi = high[s]
                if low[s] < lo:
                    lo = low[s]
        ref_out[i] = close[first - 1] if first > 0 else close[0]
        cur_out[i] = cur
        hi_out[i] = hi
        lo_out[i] = lo
    return ref_out, cur_out, hi_out, lo_out
