"""Cross-asset hedging (seed 003): hedge ratio from returns, and when to open or close a hedge.

The ratio is the minimum-variance one on log returns, `corr × σp / σh`: hedge notional =
primary notional × ratio, on the opposite side when the ratio is positive. Works for any
correlated pair (MES/MNQ, BTC/ETH).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
import numpy.typing as npt

from gridarena.config.trading import HedgeSettings
from gridarena.domain.instrument import Instrument
from gridarena.domain.money import DecimalLike, to_decimal
from gridarena.domain.types import Side
from gridarena.risk.types import ReasonCode

__all__ = [
    "CloseHedge",
    "HedgeAction",
    "HedgePlanner",
    "OpenHedge",
    "ReturnStats",
    "hedge_qty",
    "hedge_ratio",
    "returns_stats",
]


def hedge_ratio(corr: float, sigma_primary: float, sigma_hedge: float) -> float:
    """Return the minimum-variance hedge ratio `corr × σp / σh` (hedge per primary notional)."""
    if not all(math.isfinite(x) for x in (corr, sigma_primary, sigma_hedge)):
        raise ValueError("corr and sigmas must be finite")
    if not -1.0 <= corr <= 1.0:
        raise ValueError(f"corr must be in [-1, 1], got {corr}")
    if sigma_primary < 0 or sigma_hedge <= 0:
        raise ValueError("sigma_primary must be >= 0 and sigma_hedge > 0")
    return corr * sigma_primary / sigma_hedge


@dataclass(frozen=True, slots=True)
class ReturnStats:
    """Correlation and sample standard deviations (ddof=1) of paired log returns."""

    correlation: float
    sigma_primary: float
    sigma_hedge: float
    n: int

    @property
    def ratio(self) -> float:
        """Return the hedge ratio for these statistics."""
        return hedge_ratio(self.correlation, self.sigma_primary, self.sigma_hedge)


def returns_stats(
    primary_close: npt.ArrayLike, hedge_close: npt.ArrayLike, lookback: int | None = None
) -> ReturnStats:
    """Return correlation and σ of the last `lookback` log returns of two aligned close series.

    The series must be sampled at the same timestamps; `lookback=None` uses all of them.
    """
    p = np.asarray(primary_close, dtype=np.float64)
    h = np.asarray(hedge_close, dtype=np.float64)
    if p.ndim != 1 or p.shape != h.shape:
        raise ValueError(f"close series must be 1-D and aligned, got {p.shape} and {h.shape}")
    if lookback is not None:
        if lookback < 2:
            raise ValueError(f"lookback must be >= 2 returns, got {lookback}")
        p, h = p[-(lookback + 1) :], h[-(lookback + 1) :]
    if p.size < 3:
        raise ValueError("need at least 3 closes (2 returns)")
    if not (np.all(np.isfinite(p)) and np.all(np.isfinite(h)) and p.min() > 0 and h.min() > 0):
        raise ValueError("closes must be finite and positive")
    rp, rh = np.diff(np.log(p)), np.diff(np.log(h))
    sp, sh = float(np.std(rp, ddof=1)), float(np.std(rh, ddof=1))
    if sp == 0 or sh == 0:
        raise ValueError("a series has zero return variance: correlation is undefined")
    corr = float(np.corrcoef(rp, rh)[0, 1])
    return ReturnStats(max(-1.0, min(1.0, corr)), sp, sh, int(rp.size))


def hedge_qty(
    primary: Instrument,
    hedge: Instrument,
    *,
    position: Decimal,
    price: Decimal,
    hedge_price: Decimal,
    ratio: Decimal,
) -> Decimal:
    """Return the hedge quantity: primary notional × |ratio| / hedge price / multiplier.

    Rounded down to the hedge instrument's step, so the hedge never exceeds the ratio.
    """
    if price <= 0 or hedge_price <= 0:
        raise ValueError("prices must be > 0")
    notional = primary.notional(price, abs(position)) * abs(ratio)
    return hedge.round_qty(notional / (hedge_price * hedge.contract_multiplier))


@dataclass(frozen=True, slots=True)
class OpenHedge:
    """Open a hedge: `side` `qty` of the hedge instrument `symbol`."""

    symbol: str
    side: Side
    qty: Decimal
    reason: ReasonCode = ReasonCode.HEDGE_OPEN
    detail: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class CloseHedge:
    """Close the open hedge: `side` `qty` of `symbol` (reduce-only)."""

    symbol: str
    side: Side
    qty: Decimal
    reason: ReasonCode = ReasonCode.HEDGE_CLOSE
    detail: dict[str, str] = field(default_factory=dict)


HedgeAction = OpenHedge | CloseHedge


class HedgePlanner:
    """Decide when to hedge the primary position with the hedge instrument.

    Open when `|price − midpoint| > k × spacing` and no hedge is open; close when price is
    back within `close_k × spacing` (hysteresis: `close_k < k`) or the primary is flat. The
    planner assumes each action it returns is carried out; `restore` re-syncs it.
    """

    def __init__(
        self,
        primary: Instrument,
        hedge: Instrument,
        *,
        k: DecimalLike,
        spacing: DecimalLike,
        midpoint: DecimalLike,
        close_k: DecimalLike = Decimal("0.5"),
        ratio: DecimalLike = Decimal(1),
    ) -> None:
        self.primary = primary
        self.hedge = hedge
        self.k = to_decimal(k, name="k")
        self.close_k = to_decimal(close_k, name="close_k")
        if self.k <= 0 or self.close_k < 0 or self.close_k >= self.k:
            raise ValueError(f"need 0 <= close_k < k and k > 0, got k={k}, close_k={close_k}")
        self.spacing = Decimal(0)
        self.midpoint = Decimal(0)
        self.recenter(midpoint, spacing)
        self.ratio = to_decimal(ratio, name="ratio")
        self._open: OpenHedge | None = None

    @classmethod
    def from_settings(
        cls,
        settings: HedgeSettings,
        primary: Instrument,
        hedge: Instrument,
        *,
        spacing: DecimalLike,
        midpoint: DecimalLike,
        ratio: DecimalLike = Decimal(1),
        close_k: DecimalLike = Decimal("0.5"),
    ) -> HedgePlanner:
        """Build a planner with `k = settings.trigger_spacing_multiple`."""
        return cls(
            primary,
            hedge,
            k=settings.trigger_spacing_multiple,
            spacing=spacing,
            midpoint=midpoint,
            close_k=close_k,
            ratio=ratio,
        )

    @property
    def open_hedge(self) -> OpenHedge | None:
        """Return the hedge the planner believes is open."""
        return self._open

    def recenter(self, midpoint: DecimalLike, spacing: DecimalLike) -> None:
        """Move the grid midpoint and spacing (after the grid is rebuilt)."""
        mid, step = to_decimal(midpoint, name="midpoint"), to_decimal(spacing, name="spacing")
        if mid <= 0 or step <= 0:
            raise ValueError("midpoint and spacing must be > 0")
        self.midpoint, self.spacing = mid, step

    def set_ratio(self, ratio: DecimalLike) -> None:
        """Use `ratio` (e.g. a fresh `returns_stats(...).ratio`) for the next hedge."""
        self.ratio = to_decimal(ratio, name="ratio")

    def restore(self, open_hedge: OpenHedge | None) -> None:
        """Tell the planner which hedge is actually open (after a restart or a failed order)."""
        self._open = open_hedge

    def update(
        self, price: DecimalLike, position: DecimalLike, hedge_price: DecimalLike
    ) -> HedgeAction | None:
        """Return the hedge action due at this primary `price` and signed `position`, if any."""
        px = to_decimal(price, name="price")
        pos = to_decimal(position, name="position")
        hpx = to_decimal(hedge_price, name="hedge_price")
        distance = abs(px - self.midpoint)
        detail = {
            "price": str(px),
            "midpoint": str(self.midpoint),
            "distance": str(distance),
            "spacing": str(self.spacing),
            "position": str(pos),
            "ratio": str(self.ratio),
        }
        if self._open is not None:
            returned = distance <= self.close_k * self.spacing
            if not (returned or pos == 0):
                return None
            detail["why"] = "returned" if returned else "primary_flat"
            opened, self._open = self._open, None
            return CloseHedge(opened.symbol, opened.side.opposite, opened.qty, detail=detail)
        if distance <= self.k * self.spacing or pos == 0 or self.ratio == 0:
            return None
        qty = hedge_qty(
            self.primary, self.hedge, position=pos, price=px, hedge_price=hpx, ratio=self.ratio
        )
        if qty <= 0 or qty < self.hedge.min_qty:
            return None
        if self.hedge.notional(hpx, qty) < self.hedge.min_notional:
            return None
        # Opposite exposure: a positive ratio hedges a long with a short, and vice versa.
        side = Side.SELL if (pos > 0) == (self.ratio > 0) else Side.BUY
        detail["hedge_price"] = str(hpx)
        self._open = OpenHedge(self.hedge.symbol, side, qty, detail=detail)
        return self._open
