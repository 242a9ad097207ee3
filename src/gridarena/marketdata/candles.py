"""Column-oriented candle and funding containers shared by loaders, generators and kernels."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike, NDArray

if TYPE_CHECKING:
    import pandas as pd

OHLCV_FIELDS: tuple[str, ...] = ("open", "high", "low", "close", "volume")


def _int64(values: ArrayLike) -> NDArray[np.int64]:
    return np.ascontiguousarray(values, dtype=np.int64)


def _float64(values: ArrayLike) -> NDArray[np.float64]:
    return np.ascontiguousarray(values, dtype=np.float64)


# eq=False: a generated __eq__ would compare arrays element-wise and fail on truthiness.
@dataclass(frozen=True, slots=True, eq=False)
class Candles:
    """OHLCV candles of one symbol and timeframe, stored as parallel C-contiguous arrays.

    ``ts_ms`` is the candle OPEN time in UTC epoch milliseconds. Arrays are coerced to
    C-contiguous int64/float64 on construction so numba kernels can consume them without
    copies. Treat the arrays as immutable: slices share memory with their parent.
    """

    symbol: str
    timeframe_ms: int
    ts_ms: NDArray[np.int64]
    open: NDArray[np.float64]
    high: NDArray[np.float64]
    low: NDArray[np.float64]
    close: NDArray[np.float64]
    volume: NDArray[np.float64]

    def __post_init__(self) -> None:
        # Frozen dataclass: coercion has to go through object.__setattr__.
        object.__setattr__(self, "ts_ms", _int64(self.ts_ms))
        for name in OHLCV_FIELDS:
            object.__setattr__(self, name, _float64(getattr(self, name)))
        n = self.ts_ms.shape[0]
        for name in ("ts_ms", *OHLCV_FIELDS):
            arr = getattr(self, name)
            if arr.ndim != 1 or arr.shape[0] != n:
                raise ValueError(f"column {name!r} has shape {arr.shape}, expected ({n},)")
        if self.timeframe_ms < 0:
            raise ValueError(f"timeframe_ms must be >= 0, got {self.timeframe_ms}")

    def __len__(self) -> int:
        return int(self.ts_ms.shape[0])

    def slice(self, start: int | None = None, stop: int | None = None) -> Candles:
        """Return the candles at row positions ``[start, stop)`` (views, no copy)."""
        s = slice(start, stop)
        return Candles(
            symbol=self.symbol,
            timeframe_ms=self.timeframe_ms,
            ts_ms=self.ts_ms[s],
            open=self.open[s],
            high=self.high[s],
            low=self.low[s],
            close=self.close[s],
            volume=self.volume[s],
        )

    def between(self, start_ms: int | None = None, end_ms: int | None = None) -> Candles:
        """Return the candles whose open time lies in ``[start_ms, end_ms)``; ts must be sorted."""
        lo = 0 if start_ms is None else int(np.searchsorted(self.ts_ms, start_ms, side="left"))
        hi = len(self) if end_ms is None else int(np.searchsorted(self.ts_ms, end_ms, "left"))
        return self.slice(lo, max(lo, hi))

    def to_frame(self) -> pd.DataFrame:
        """Return a pandas DataFrame with the six columns and a UTC DatetimeIndex named ``date``."""
        import pandas as pd

        index = pd.DatetimeIndex(pd.to_datetime(self.ts_ms, unit="ms", utc=True), name="date")
        data = {"ts_ms": self.ts_ms, **{name: getattr(self, name) for name in OHLCV_FIELDS}}
        return pd.DataFrame(data, index=index)

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, *, symbol: str, timeframe_ms: int) -> Candles:
        """Build candles from a DataFrame that has the ``ts_ms`` and OHLCV columns."""
        return cls(
            symbol=symbol,
            timeframe_ms=timeframe_ms,
            ts_ms=frame["ts_ms"].to_numpy(),
            open=frame["open"].to_numpy(),
            high=frame["high"].to_numpy(),
            low=frame["low"].to_numpy(),
            close=frame["close"].to_numpy(),
            volume=frame["volume"].to_numpy(),
        )


@dataclass(frozen=True, slots=True, eq=False)
class Funding:
    """Perpetual funding events: ``rate`` is paid at ``ts_ms`` (UTC ms); positive = longs pay."""

    ts_ms: NDArray[np.int64]
    rate: NDArray[np.float64]

    def __post_init__(self) -> None:
        object.__setattr__(self, "ts_ms", _int64(self.ts_ms))
        object.__setattr__(self, "rate", _float64(self.rate))
        if self.ts_ms.ndim != 1 or self.ts_ms.shape != self.rate.shape:
            raise ValueError(f"ts_ms {self.ts_ms.shape} and rate {self.rate.shape} must match")

    def __len__(self) -> int:
        return int(self.ts_ms.shape[0])

    def between(self, start_ms: int | None = None, end_ms: int | None = None) -> Funding:
        """Return the events with ``start_ms <= ts_ms < end_ms``."""
        lo = 0 if start_ms is None else int(np.searchsorted(self.ts_ms, start_ms, side="left"))
        hi = len(self) if end_ms is None else int(np.searchsorted(self.ts_ms, end_ms, "left"))
        hi = max(lo, hi)
        return Funding(ts_ms=self.ts_ms[lo:hi], rate=self.rate[lo:hi])
