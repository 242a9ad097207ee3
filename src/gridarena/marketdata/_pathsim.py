"""Compiled sequential core of the market generator: GARCH(1,1) variance and log-price path.

All randomness is drawn beforehand with numpy (so results do not depend on numba's RNG);
this loop only does the recursion that cannot be vectorised: each candle's variance
depends on the previous candle's shock.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit
from numpy.typing import NDArray


def _simulate_py(
    z: NDArray[np.float64],
    jump: NDArray[np.float64],
    drift: NDArray[np.float64],
    kappa: NDArray[np.float64],
    anchor_reset: NDArray[np.bool_],
    scale: NDArray[np.float64],
    omega: float,
    alpha: float,
    beta: float,
    x0: float,
    kappa_home: float,
    shock_cap: float,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    n = z.shape[0]
    ret = np.empty(n, dtype=np.float64)
    sig = np.empty(n, dtype=np.float64)
    h = 1.0
    x = x0
    anchor = x0
    for t in range(n):
        if anchor_reset[t]:
            anchor = x
        s = scale[t] * math.sqrt(h)
        # Two pulls: the regime's own level (range/squeeze) and a weak one to the start price
        # that keeps multi-year paths inside a plausible band.
        pull = -kappa[t] * (x - anchor) - kappa_home * (x - x0)
        shock = s * z[t] + jump[t]
        r = drift[t] + pull + shock
        x += r
        ret[t] = r
        sig[t] = s
        # Jumps feed the variance too: volatility stays high after a large move.
        e = shock / scale[t]
        h = omega + alpha * min(e * e, shock_cap) + beta * h
    return ret, sig


def _ar1_py(eta: NDArray[np.float64], phi: float, x0: float) -> NDArray[np.float64]:
    out = np.empty(eta.shape[0], dtype=np.float64)
    x = x0
    for t in range(eta.shape[0]):
        x = phi * x + eta[t]
        out[t] = x
    return out


_simulate_jit = njit(cache=True, nogil=True)(_simulate_py)
_ar1_jit = njit(cache=True, nogil=True)(_ar1_py)


def ar1(eta: NDArray[np.float64], phi: float, x0: float = 0.0) -> NDArray[np.float64]:
    """Return the AR(1) path ``x[t] = phi * x[t-1] + eta[t]`` starting from ``x0``."""
    out: NDArray[np.float64] = _ar1_jit(np.ascontiguousarray(eta, dtype=np.float64), phi, x0)
    return out


def simulate_path(
    z: NDArray[np.float64],
    jump: NDArray[np.float64],
    drift: NDArray[np.float64],
    kappa: NDArray[np.float64],
    anchor_reset: NDArray[np.bool_],
    scale: NDArray[np.float64],
    *,
    alpha: float,
    beta: float,
    x0: float,
    kappa_home: float,
    shock_cap: float = 60.0,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Return per-candle log returns and diffusive sigmas of a GARCH(1,1) path.

    Candle t has sigma ``scale[t] * sqrt(h[t])`` with
    ``h[t+1] = (1 - alpha - beta) + alpha * min(e[t]**2, shock_cap) + beta * h[t]``, so the
    long-run mean of ``h`` is 1 and ``scale`` carries regime and intraday levels.
    """
    omega = 1.0 - alpha - beta
    ret, sig = _simulate_jit(
        z, jump, drift, kappa, anchor_reset, scale, omega, alpha, beta, x0, kappa_home, shock_cap
    )
    out_ret: NDArray[np.float64] = ret
    out_sig: NDArray[np.float64] = sig
    return out_ret, out_sig
