"""Order-book depth: bid and ask volume near the top of the book and the pressure they show."""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import Decimal
from typing import Final, TypeAlias

import numpy as np
from numpy.typing import NDArray

from gridarena.domain.orders import OrderBook
from gridarena.indicators.snapshot import DepthStats, Pressure

__all__ = ["RATIO_CAP", "Levels", "depth_stats"]

Levels: TypeAlias = Sequence[tuple[Decimal | float, Decimal | float]] | NDArray[np.float64]
# Bid/ask ratio reported when the ask side is empty but bids are not: finite, so the snapshot
# stays valid JSON and round-trips (inf would serialise as null).
RATIO_CAP: Final = 1e6


def _levels(side: Levels, name: str, descending: bool, count: int | None) -> NDArray[np.float64]:
    """Return the best ``count`` levels (all when None) as a float64 (n, 2) array."""
    top = side[:count] if count is not None else side
    if isinstance(top, np.ndarray):
        arr = np.asarray(top, dtype=np.float64)
    else:
        # float() per value: numpy's own Decimal conversion is slower still.
        try:
            arr = np.array([(float(p), float(q)) for p, q in top], dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{name} must be (price, quantity) pairs: {exc}") from exc
    if arr.size == 0:
        return np.empty((0, 2), dtype=np.float64)
    if arr.ndim != 2 or arr.shape[1] != 2:
        raise ValueError(f"{name} must be (price, quantity) pairs, got shape {arr.shape}")
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} hold a non-finite price or quantity")
    if (arr[:, 0] <= 0).any() or (arr[:, 1] < 0).any():
        raise ValueError(f"{name} need prices > 0 and quantities >= 0")
    steps = np.diff(arr[:, 0])
    if (steps > 0).any() if descending else (steps < 0).any():
        order = "descending" if descending else "ascending"
        raise ValueError(f"{name} must be best first ({order} prices)")
    return arr


def depth_stats(
    bids: OrderBook | Levels,
    asks: Levels | None = None,
    *,
    levels: int = 20,
    bps: float | None = None,
    buying_above: float = 1.2,
    selling_below: float = 0.8,
) -> DepthStats:
    """Sum bid and ask quantity near the top of the book and classify the pressure.

    Pass an :class:`OrderBook`, or its bids and asks as ``(price, quantity)`` pairs, best
    first (an unsorted side is refused rather than guessed at). Volume is
    counted over the best ``levels`` levels of each side or, when ``bps`` is set, over the
    levels within ``bps`` basis points of the mid (``levels`` is then ignored). The ratio is
    bid volume / ask volume (1.0 for an empty book, :data:`RATIO_CAP` when only asks are
    missing); pressure is BUYING above ``buying_above``, SELLING below ``selling_below``.
    """
    bid_side: Levels
    ask_side: Levels
    if isinstance(bids, OrderBook):
        if asks is not None:
            raise ValueError("pass either an OrderBook or bids and asks, not both")
        bid_side, ask_side = bids.bids, bids.asks
    else:
        if asks is None:
            raise ValueError("asks are required when bids are not an OrderBook")
        bid_side, ask_side = bids, asks
    if isinstance(levels, bool) or not isinstance(levels, int) or levels < 1:
        raise ValueError(f"levels must be an integer >= 1, got {levels!r}")
    if bps is not None and not (math.isfinite(bps) and bps > 0):
        raise ValueError(f"bps must be a finite number > 0, got {bps}")
    if not (0 <= selling_below <= buying_above and math.isfinite(buying_above)):
        raise ValueError(
            f"need 0 <= selling_below ({selling_below}) <= buying_above ({buying_above})"
        )
    count = levels if bps is None else None
    b = _levels(bid_side, "bids", descending=True, count=count)
    a = _levels(ask_side, "asks", descending=False, count=count)
    if bps is not None and (b.shape[0] or a.shape[0]):
        tops = [side[0, 0] for side in (b, a) if side.shape[0]]
        mid = sum(tops) / len(tops)
        b = b[b[:, 0] >= mid * (1.0 - bps / 1e4)]
        a = a[a[:, 0] <= mid * (1.0 + bps / 1e4)]
    bid_volume, ask_volume = float(b[:, 1].sum()), float(a[:, 1].sum())
    if ask_volume > 0.0:
        ratio = min(bid_volume / ask_volume, RATIO_CAP)
    else:
        ratio = RATIO_CAP if bid_volume > 0.0 else 1.0
    pressure: Pressure = "NEUTRAL"
    if ratio > buying_above:
        pressure = "BUYING"
    elif ratio < selling_below:
        pressure = "SELLING"
    return DepthStats(
        levels=levels,
        bps=bps,
        bid_volume=bid_volume,
        ask_volume=ask_volume,
        ratio=ratio,
        pressure=pressure,
    )
