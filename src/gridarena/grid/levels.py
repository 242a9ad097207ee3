"""Level prices for each spacing, rounded to the instrument's tick.

Generators return raw float64 arrays; `round_levels` snaps them to the tick through Decimal so
every returned value is an exact tick multiple (`Decimal(repr(x))` is on the tick), and refuses
grids whose levels collapse onto the same tick.
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import TypeVar

import numpy as np
import numpy.typing as npt
from numpy.typing import NDArray

from gridarena.domain.instrument import FilterViolation, Instrument
from gridarena.domain.types import Spacing
from gridarena.grid.spec import GridSpec, GridSpecError

Number = float | int | Decimal
_T = TypeVar("_T")


def _finite(value: Number, name: str, *, positive: bool = True) -> float:
    x = float(value)
    if not math.isfinite(x) or (positive and x <= 0):
        raise GridSpecError(f"{name} must be a positive finite number, got {value}", field=name)
    return x


def _require(value: _T | None, name: str) -> _T:
    # GridSpec validation guarantees these; the check narrows types without `assert`.
    if value is None:
        raise GridSpecError(f"{name} is required for this spacing", field=name)
    return value


def _check_count(count: int, name: str) -> None:
    if count < 1:
        raise GridSpecError(f"{name} must be >= 1, got {count}", field=name)


def arithmetic_levels(lower: Number, upper: Number, grids: int) -> NDArray[np.float64]:
    """Return `grids + 1` levels from `lower` to `upper` with a constant step (U − L) / N."""
    lo, hi = _finite(lower, "lower"), _finite(upper, "upper")
    _check_count(grids, "grids")
    if lo >= hi:
        raise GridSpecError(f"lower ({lower}) must be below upper ({upper})", field="lower")
    return np.linspace(lo, hi, grids + 1, dtype=np.float64)


def geometric_levels(lower: Number, upper: Number, grids: int) -> NDArray[np.float64]:
    """Return `grids + 1` levels from `lower` to `upper` with a constant ratio (U / L)^(1/N)."""
    lo, hi = _finite(lower, "lower"), _finite(upper, "upper")
    _check_count(grids, "grids")
    if lo >= hi:
        raise GridSpecError(f"lower ({lower}) must be below upper ({upper})", field="lower")
    exponents = np.arange(grids + 1, dtype=np.float64) / grids
    levels = lo * (hi / lo) ** exponents
    levels[-1] = hi  # pin the end so float drift never moves the top level off `upper`
    return levels


def geometric_from_price(price: Number, ratio: Number, n_each_side: int) -> NDArray[np.float64]:
    """Return 2n + 1 ascending levels p·(1 − r)^i below and p·(1 + r)^i above `price`."""
    p = _finite(price, "reference_price")
    r = _finite(ratio, "grid_ratio")
    if r >= 1:
        raise GridSpecError(f"grid_ratio must be below 1, got {ratio}", field="grid_ratio")
    _check_count(n_each_side, "grid_levels_each_side")
    i = np.arange(1, n_each_side + 1, dtype=np.float64)
    below = p * (1.0 - r) ** i[::-1]
    above = p * (1.0 + r) ** i
    return np.concatenate([below, np.array([p]), above])


def atr_levels(
    price: Number, atr: Number, multiplier: Number, n_each_side: int
) -> NDArray[np.float64]:
    """Return 2n + 1 ascending levels around `price` spaced by `atr × multiplier`."""
    p = _finite(price, "reference_price")
    step = _finite(atr, "atr") * _finite(multiplier, "atr_multiplier")
    _check_count(n_each_side, "grid_levels_each_side")
    return p + step * np.arange(-n_each_side, n_each_side + 1, dtype=np.float64)


def round_levels(
    levels: npt.ArrayLike, instrument: Instrument, *, field: str = "grids"
) -> NDArray[np.float64]:
    """Round each level to the nearest tick; raise GridSpecError if any is ≤ 0 or two collide."""
    raw = np.asarray(levels, dtype=np.float64)
    if raw.ndim != 1 or raw.size < 2:
        raise GridSpecError(f"{field}: need at least two levels, got {raw.size}", field=field)
    rounded: list[Decimal] = []
    for k, x in enumerate(raw.tolist()):
        if not math.isfinite(x) or x <= 0:
            raise GridSpecError(f"{field}: level {k} is {x}, levels must be > 0", field=field)
        try:
            price = instrument.round_price(repr(x))
        except FilterViolation as exc:
            raise GridSpecError(f"{field}: level {k} ({x}) {exc.message}", field=field) from exc
        if rounded and price <= rounded[-1]:
            raise GridSpecError(
                f"{field}: levels {k - 1} and {k} both round to {price} with tick "
                f"{instrument.tick_size}; use fewer levels or a wider spacing",
                field=field,
            )
        rounded.append(price)
    return np.array([float(p) for p in rounded], dtype=np.float64)


def build_levels(
    spec: GridSpec,
    instrument: Instrument,
    *,
    reference_price: float,
    atr: float | None = None,
) -> NDArray[np.float64]:
    """Return the tick-rounded level prices L_0 < … < L_N for `spec` at `reference_price`."""
    if spec.spacing is Spacing.ARITHMETIC or spec.spacing is Spacing.GEOMETRIC:
        lower, upper = _require(spec.lower, "lower"), _require(spec.upper, "upper")
        make = arithmetic_levels if spec.spacing is Spacing.ARITHMETIC else geometric_levels
        levels = round_levels(make(lower, upper, spec.slot_count), instrument)
    else:
        levels = _price_anchored(spec, instrument, reference_price, atr)
        _check_within_bounds(spec, levels)
    _check_stops(spec, levels)
    return levels


def _price_anchored(
    spec: GridSpec, instrument: Instrument, reference_price: float, atr: float | None
) -> NDArray[np.float64]:
    n = _require(spec.grid_levels_each_side, "grid_levels_each_side")
    if spec.spacing is Spacing.GEOMETRIC_FROM_PRICE:
        raw = geometric_from_price(reference_price, _require(spec.grid_ratio, "grid_ratio"), n)
        return round_levels(raw, instrument, field="grid_ratio")
    if atr is None:
        raise GridSpecError("spacing=atr needs the current ATR value", field="spacing")
    raw = atr_levels(reference_price, atr, _require(spec.atr_multiplier, "atr_multiplier"), n)
    return round_levels(raw, instrument, field="atr_multiplier")


def _check_within_bounds(spec: GridSpec, levels: NDArray[np.float64]) -> None:
    # For price-anchored spacings lower/upper are optional outer bounds.
    if spec.lower is not None and levels[0] < float(spec.lower):
        raise GridSpecError(
            f"lower: lowest level {levels[0]} is below lower ({spec.lower})", field="lower"
        )
    if spec.upper is not None and levels[-1] > float(spec.upper):
        raise GridSpecError(
            f"upper: highest level {levels[-1]} is above upper ({spec.upper})", field="upper"
        )


def _check_stops(spec: GridSpec, levels: NDArray[np.float64]) -> None:
    if spec.stop_bottom is not None and float(spec.stop_bottom) >= levels[0]:
        raise GridSpecError(
            f"stop_bottom ({spec.stop_bottom}) must be below the lowest level {levels[0]}",
            field="stop_bottom",
        )
    if spec.stop_top is not None and float(spec.stop_top) <= levels[-1]:
        raise GridSpecError(
            f"stop_top ({spec.stop_top}) must be above the highest level {levels[-1]}",
            field="stop_top",
        )
