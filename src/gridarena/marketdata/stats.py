"""Summary statistics for stylized facts of returns: kurtosis and autocorrelation."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from numpy.typing import ArrayLike, NDArray


def log_returns(close: ArrayLike) -> NDArray[np.float64]:
    """Return close-to-close log returns (length n - 1)."""
    prices = np.asarray(close, dtype=np.float64)
    return np.diff(np.log(prices))


def excess_kurtosis(x: ArrayLike) -> float:
    """Return the sample excess kurtosis (0 for a normal distribution; biased estimator)."""
    values = np.asarray(x, dtype=np.float64)
    centred = values - values.mean()
    m2 = float(np.mean(centred**2))
    if m2 == 0.0:
        return float("nan")
    return float(np.mean(centred**4)) / m2**2 - 3.0


def acf(x: ArrayLike, lags: Iterable[int]) -> NDArray[np.float64]:
    """Return the sample autocorrelation of ``x`` at each lag (standard biased estimator)."""
    values = np.asarray(x, dtype=np.float64)
    centred = values - values.mean()
    denom = float(np.dot(centred, centred))
    out = []
    for lag in lags:
        if lag <= 0 or lag >= values.size or denom == 0.0:
            out.append(float("nan") if lag != 0 else 1.0)
            continue
        out.append(float(np.dot(centred[:-lag], centred[lag:])) / denom)
    return np.asarray(out, dtype=np.float64)
