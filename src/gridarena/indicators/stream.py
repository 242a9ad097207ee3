"""Incremental indicators for the live engine: one ``update`` per closed bar, O(1) each.

Each class reproduces its batch function bar for bar, warm-up NaN included, by doing the
same floating-point operations in the same order as TA-Lib (or the KDJ kernel). KDJ matches
to the bit; the TA-Lib ones differ by an ulp now and then (the compiled library may fuse a
multiply-add), which stays far below 1e-9 relative (MACD histogram near zero: 2e-10).
"""

from __future__ import annotations

import math
from collections import deque

from gridarena.indicators._common import check_period

__all__ = ["AtrStream", "EmaStream", "KdjStream", "MacdStream", "RsiStream"]

NAN = math.nan


class EmaStream:
    """TA-Lib EMA: NaN for the first ``period − 1`` values, then seeded with their mean."""

    __slots__ = ("_count", "_k", "_sum", "period", "value")

    def __init__(self, period: int) -> None:
        self.period = check_period(period)
        self._k = 2.0 / (period + 1)
        self._count = 0
        self._sum = 0.0
        self.value = NAN

    @property
    def ready(self) -> bool:
        """Tell whether the warm-up is over (``value`` is a number)."""
        return self._count >= self.period

    def update(self, x: float) -> float:
        """Feed the next value and return the EMA (NaN during the warm-up)."""
        n = self._count = self._count + 1
        if n > self.period:
            self.value = (x - self.value) * self._k + self.value
        elif n < self.period:
            self._sum += x
        else:
            self.value = (self._sum + x) / self.period
        return self.value


class MacdStream:
    """TA-Lib MACD: both averages seeded at bar ``slow − 1``, signal seeded on the line."""

    __slots__ = (
        "_count",
        "_fast",
        "_k_fast",
        "_k_signal",
        "_k_slow",
        "_line_sum",
        "_seed",
        "_signal",
        "_slow",
        "fast",
        "signal",
        "slow",
    )

    def __init__(self, fast: int = 12, slow: int = 26, signal: int = 9) -> None:
        self.fast = check_period(fast, "fast", minimum=2)
        self.slow = check_period(slow, "slow", minimum=2)
        self.signal = check_period(signal, "signal")
        if fast >= slow:
            raise ValueError(f"fast ({fast}) must be shorter than slow ({slow})")
        self._k_fast, self._k_slow = 2.0 / (fast + 1), 2.0 / (slow + 1)
        self._k_signal = 2.0 / (signal + 1)
        self._seed: deque[float] = deque(maxlen=slow)
        self._count = 0
        self._fast = self._slow = self._signal = NAN
        self._line_sum = 0.0

    def update(self, close: float) -> tuple[float, float, float]:
        """Feed the next close and return ``(macd, signal, hist)`` (NaN during the warm-up)."""
        n = self._count = self._count + 1
        if n < self.slow:
            self._seed.append(close)
            return NAN, NAN, NAN
        if n == self.slow:
            self._seed.append(close)
            seed = list(self._seed)
            self._slow = _sequential_sum(seed) / self.slow
            self._fast = _sequential_sum(seed[self.slow - self.fast :]) / self.fast
            self._seed.clear()
        else:
            self._fast = (close - self._fast) * self._k_fast + self._fast
            self._slow = (close - self._slow) * self._k_slow + self._slow
        line = self._fast - self._slow
        m = n - self.slow + 1  # how many MACD line values exist
        if m < self.signal:
            self._line_sum += line
            return NAN, NAN, NAN
        if m == self.signal:
            self._signal = (self._line_sum + line) / self.signal
        else:
            self._signal = (line - self._signal) * self._k_signal + self._signal
        return line, self._signal, line - self._signal


def _sequential_sum(values: list[float]) -> float:
    # Left to right, as TA-Lib sums (the builtin sum would too, but say it on purpose).
    total = 0.0
    for v in values:
        total += v
    return total


class RsiStream:
    """TA-Lib RSI with Wilder smoothing: NaN for the first ``period`` values."""

    __slots__ = ("_count", "_gain", "_loss", "_prev", "period", "value")

    def __init__(self, period: int = 14) -> None:
        self.period = check_period(period, minimum=2)
        self._count = 0
        self._gain = self._loss = 0.0
        self._prev = NAN
        self.value = NAN

    def update(self, close: float) -> float:
        """Feed the next close and return the RSI (NaN during the warm-up)."""
        n = self._count = self._count + 1
        if n == 1:
            self._prev = close
            return NAN
        diff = close - self._prev
        self._prev = close
        p = self.period
        if n <= p:  # changes 1 … p − 1: accumulate
            if diff < 0:
                self._loss -= diff
            else:
                self._gain += diff
            return NAN
        if n == p + 1:  # change p: the first averages are plain means
            if diff < 0:
                self._loss -= diff
            else:
                self._gain += diff
            self._loss /= p
            self._gain /= p
        else:
            self._loss *= p - 1
            self._gain *= p - 1
            if diff < 0:
                self._loss -= diff
            else:
                self._gain += diff
            self._loss /= p
            self._gain /= p
        total = self._gain + self._loss
        self.value = 100.0 * (self._gain / total) if total != 0.0 else 0.0
        return self.value


class AtrStream:
    """TA-Lib ATR: NaN for the first ``period`` bars, then Wilder's average of true ranges."""

    __slots__ = ("_count", "_prev_close", "_sum", "period", "value")

    def __init__(self, period: int = 14) -> None:
        self.period = check_period(period)
        self._count = 0
        self._sum = 0.0
        self._prev_close = NAN
        self.value = NAN

    def update(self, high: float, low: float, close: float) -> float:
        """Feed the next bar and return the ATR (NaN during the warm-up)."""
        n = self._count = self._count + 1
        prev, self._prev_close = self._prev_close, close
        if n == 1:
            return NAN
        tr = high - low
        up, down = abs(prev - high), abs(prev - low)
        if up > tr:
            tr = up
        if down > tr:
            tr = down
        p = self.period
        if p == 1:
            self.value = tr  # TA-Lib returns the true range itself
        elif n <= p:
            self._sum += tr
            return NAN
        elif n == p + 1:
            self.value = (self._sum + tr) / p
        else:
            self.value = (self.value * (p - 1) + tr) / p
        return self.value


class KdjStream:
    """KDJ as :func:`gridarena.indicators.kdj` computes it, with O(1) rolling extremes."""

    __slots__ = ("_count", "_d", "_highs", "_k", "_lows", "m1", "m2", "n")

    def __init__(self, n: int = 9, m1: int = 3, m2: int = 3) -> None:
        self.n = check_period(n, "n")
        self.m1 = check_period(m1, "m1")
        self.m2 = check_period(m2, "m2")
        self._count = 0
        self._k = self._d = 50.0
        # Monotonic deques of (bar, price): the window's extreme is always at the left end.
        self._highs: deque[tuple[int, float]] = deque()
        self._lows: deque[tuple[int, float]] = deque()

    def update(self, high: float, low: float, close: float) -> tuple[float, float, float]:
        """Feed the next bar and return ``(k, d, j)`` (NaN for the first ``n − 1`` bars)."""
        t = self._count
        self._count += 1
        highs, lows = self._highs, self._lows
        while highs and highs[-1][1] <= high:
            highs.pop()
        highs.append((t, high))
        while lows and lows[-1][1] >= low:
            lows.pop()
        lows.append((t, low))
        oldest = t - self.n + 1
        if highs[0][0] < oldest:
            highs.popleft()
        if lows[0][0] < oldest:
            lows.popleft()
        if oldest < 0:
            return NAN, NAN, NAN
        hi, lo = highs[0][1], lows[0][1]
        k = self._k
        rsv = (close - lo) / (hi - lo) * 100.0 if hi > lo else k
        m1, m2 = self.m1, self.m2
        k = self._k = (m1 - 1.0) / m1 * k + rsv / m1
        d = self._d = (m2 - 1.0) / m2 * self._d + k / m2
        return k, d, 3.0 * k - 2.0 * d
