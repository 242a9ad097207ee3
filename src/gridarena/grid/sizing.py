"""Per-slot base quantities.

Arithmetic runs in Decimal so that e.g. 300 quote / 100 per unit is exactly 3 and never floors
to 2.999… → 2 steps. Each rule returns float64 quantities; pass `instrument` to divide by its
contract multiplier and round down to its step (never more than the budget).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import Decimal

import numpy as np
import numpy.typing as npt
from numpy.typing import NDArray

from gridarena.domain.instrument import Instrument
from gridarena.domain.money import DecimalLike, to_decimal
from gridarena.domain.types import Sizing
from gridarena.grid.spec import GridSpec, GridSpecError


def slot_entry_prices(levels: npt.ArrayLike, directions: npt.ArrayLike) -> NDArray[np.float64]:
    """Return each slot's entry price: L_k for a long slot (+1), L_{k+1} for a short one (−1)."""
    lv = np.asarray(levels, dtype=np.float64)
    d = np.asarray(directions)
    if lv.ndim != 1 or d.shape != (lv.size - 1,):
        raise ValueError(f"need N + 1 levels and N directions, got {lv.size} and {d.size}")
    return np.where(d > 0, lv[:-1], lv[1:]).astype(np.float64)


def _decimal_prices(entry_prices: npt.ArrayLike) -> list[Decimal]:
    arr = np.asarray(entry_prices, dtype=np.float64)
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError("entry_prices must be a non-empty 1-D array")
    values = arr.tolist()
    if not all(math.isfinite(x) and x > 0 for x in values):
        raise ValueError("entry_prices must be positive and finite")
    return [Decimal(repr(x)) for x in values]


def _finish(qtys: Sequence[Decimal], instrument: Instrument | None) -> NDArray[np.float64]:
    if instrument is not None:
        qtys = [instrument.round_qty(q) for q in qtys]
    return np.array([float(q) for q in qtys], dtype=np.float64)


def _multiplier(instrument: Instrument | None) -> Decimal:
    return instrument.contract_multiplier if instrument is not None else Decimal(1)


def equal_quote(
    entry_prices: npt.ArrayLike, total_quote: DecimalLike, *, instrument: Instrument | None = None
) -> NDArray[np.float64]:
    """Size every slot to the same quote notional, total_quote / N."""
    prices = _decimal_prices(entry_prices)
    per_slot = to_decimal(total_quote, name="total_quote") / len(prices)
    cm = _multiplier(instrument)
    return _finish([per_slot / (p * cm) for p in prices], instrument)


def equal_base(
    entry_prices: npt.ArrayLike, total_quote: DecimalLike, *, instrument: Instrument | None = None
) -> NDArray[np.float64]:
    """Give every slot the same base quantity q, with Σ q·price = total_quote."""
    prices = _decimal_prices(entry_prices)
    q = to_decimal(total_quote, name="total_quote") / (sum(prices) * _multiplier(instrument))
    return _finish([q] * len(prices), instrument)


def distance_ranks(entry_prices: npt.ArrayLike, reference_price: DecimalLike) -> NDArray[np.int64]:
    """Return each slot's rank by distance from the reference price, 0 nearest.

    Slots at or below the price and slots above it are ranked separately (dense ranks, ties
    share a rank), so a neutral grid's n-th buy and n-th sell get the same rank.
    """
    prices = _decimal_prices(entry_prices)
    ref = to_decimal(reference_price, name="reference_price")
    below = sorted({ref - p for p in prices if p <= ref})
    above = sorted({p - ref for p in prices if p > ref})
    rank_below = {d: i for i, d in enumerate(below)}
    rank_above = {d: i for i, d in enumerate(above)}
    ranks = [rank_below[ref - p] if p <= ref else rank_above[p - ref] for p in prices]
    return np.array(ranks, dtype=np.int64)


def pyramid(
    entry_prices: npt.ArrayLike,
    total_quote: DecimalLike,
    alpha: DecimalLike,
    reference_price: DecimalLike,
    *,
    instrument: Instrument | None = None,
) -> NDArray[np.float64]:
    """Size slot n as base·(1 + α·n), n its distance rank, scaled so Σ qty·price = total."""
    prices = _decimal_prices(entry_prices)
    a = to_decimal(alpha, name="alpha")
    if a < 0:
        raise ValueError(f"alpha must be >= 0, got {a}")
    weights = [1 + a * int(n) for n in distance_ranks(entry_prices, reference_price)]
    quote_per_base = sum(w * p for w, p in zip(weights, prices, strict=True))
    base = to_decimal(total_quote, name="total_quote") / (quote_per_base * _multiplier(instrument))
    return _finish([base * w for w in weights], instrument)


def risk_based(
    entry_prices: npt.ArrayLike,
    risk_per_level: DecimalLike,
    atr: DecimalLike,
    multiplier: DecimalLike,
    *,
    instrument: Instrument | None = None,
) -> NDArray[np.float64]:
    """Size every slot to R / (ATR × multiplier): losing one ATR costs R quote per slot.

    `multiplier` is the contract multiplier (quote value of one price unit per contract).
    """
    n = len(_decimal_prices(entry_prices))
    risk = to_decimal(risk_per_level, name="risk_per_level")
    move = to_decimal(atr, name="atr") * to_decimal(multiplier, name="multiplier")
    if risk <= 0 or move <= 0:
        raise ValueError("risk_per_level, atr and multiplier must be > 0")
    return _finish([risk / move] * n, instrument)


def size_slots(
    spec: GridSpec,
    instrument: Instrument,
    entry_prices: npt.ArrayLike,
    *,
    reference_price: float,
    atr: float | None = None,
) -> NDArray[np.float64]:
    """Return step-rounded base quantities per slot for `spec`, checked against the filters.

    The quote budget is base_allocation × leverage. Raise GridSpecError naming the setting to
    change (base_allocation, or risk_per_level for risk sizing) when a slot rounds to 0, falls
    under min_qty/min_notional, exceeds max_qty, or risk sizing overspends the budget.
    """
    total = spec.base_allocation * spec.leverage
    field = "base_allocation"
    if spec.sizing is Sizing.EQUAL_QUOTE:
        qtys = equal_quote(entry_prices, total, instrument=instrument)
    elif spec.sizing is Sizing.EQUAL_BASE:
        qtys = equal_base(entry_prices, total, instrument=instrument)
    elif spec.sizing is Sizing.PYRAMID:
        alpha = spec.pyramid_alpha if spec.pyramid_alpha is not None else Decimal(0)
        qtys = pyramid(entry_prices, total, alpha, reference_price, instrument=instrument)
    else:
        field = "risk_per_level"
        if atr is None or spec.risk_per_level is None:
            raise GridSpecError("sizing=risk needs risk_per_level and the ATR", field="sizing")
        qtys = risk_based(
            entry_prices,
            spec.risk_per_level,
            atr,
            instrument.contract_multiplier,
            instrument=instrument,
        )
    _check_filters(instrument, entry_prices, qtys, total, field)
    return qtys


def _check_filters(
    instrument: Instrument,
    entry_prices: npt.ArrayLike,
    qtys: NDArray[np.float64],
    total: Decimal,
    field: str,
) -> None:
    spent = Decimal(0)
    for k, (p, q) in enumerate(zip(_decimal_prices(entry_prices), qtys.tolist(), strict=True)):
        qty = Decimal(repr(q))
        notional = instrument.notional(p, qty)
        spent += notional
        where = f"{field}: slot {k} at {p} gets qty {qty} (notional {notional:.2f})"
        if qty <= 0 or qty < instrument.min_qty:
            raise GridSpecError(
                f"{where}, below min_qty {instrument.min_qty} after rounding down to step "
                f"{instrument.step_size}; raise {field} or use fewer grids",
                field=field,
            )
        if notional < instrument.min_notional:
            raise GridSpecError(
                f"{where}, below min_notional {instrument.min_notional}; raise {field} or use "
                "fewer grids",
                field=field,
            )
        if instrument.max_qty is not None and qty > instrument.max_qty:
            raise GridSpecError(
                f"{where}, above max_qty {instrument.max_qty}; lower {field}", field=field
            )
    # The budget rules divide the budget, so only risk sizing can overspend it.
    if field == "risk_per_level" and spent > total:
        raise GridSpecError(
            f"{field}: the grid needs {spent:.2f} quote, more than base_allocation × leverage "
            f"= {total:.2f}",
            field=field,
        )
