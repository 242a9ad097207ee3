"""Grid baselines: a static arithmetic grid around the price and an ATR-spaced grid.

Both size the grid so each level pays twice the maker fee with a margin (the rule
``GridSpec.check_spacing`` enforces), commit at most the rules' share of the balance, and
answer HOLD when the market does not allow a sound grid (no ATR yet, no margin left).
"""

from __future__ import annotations

import math
from decimal import ROUND_CEILING, Decimal
from typing import Final

from gridarena.domain.types import Spacing
from gridarena.engine.clock import Clock
from gridarena.grid.spec import GridSpec
from gridarena.providers.rule_base import (
    RuleProvider,
    allocation,
    grid_leverage,
    hold_decision,
    round_sig,
    to_dec,
)
from gridarena.providers.types import Decision, DecisionContext, GridDecision

__all__ = ["AtrGridProvider", "StaticGridProvider"]

# Spacing must beat 2 × maker fee by this factor, so rounding never lands on the limit.
_FEE_SAFETY: Final = 1.05
_DEFAULT_RANGE_PCT: Final = 0.02
_MAX_HALF_RANGE: Final = 0.5
_MAX_ATR_MULTIPLIER: Final = Decimal(100)


def _min_relative_step(ctx: DecisionContext) -> float:
    return 2.0 * float(ctx.rules.maker_fee) * _FEE_SAFETY


class StaticGridProvider(RuleProvider):
    """An arithmetic grid of ``levels`` slots over price ± ``atr_k`` × ATR (or ± range_pct)."""

    def __init__(
        self,
        name: str,
        *,
        levels: int = 10,
        atr_k: Decimal = Decimal(3),
        range_pct: Decimal | None = None,
        allocation_pct: Decimal | None = None,
        leverage: Decimal | None = None,
        clock: Clock | None = None,
    ) -> None:
        super().__init__(name, clock=clock)
        self._levels = max(2, levels)
        self._atr_k = atr_k
        self._range_pct = range_pct
        self._allocation_pct = allocation_pct
        self._leverage = leverage

    def describe(self) -> str:
        """Return the rule and its parameters."""
        return (
            f"rule=static_grid levels={self._levels} atr_k={self._atr_k} "
            f"range_pct={self._range_pct} allocation_pct={self._allocation_pct} "
            f"leverage={self._leverage}"
        )

    def _half_range(self, ctx: DecisionContext) -> float:
        price, atr = ctx.snapshot.price, ctx.snapshot.indicators.atr
        if self._range_pct is not None or atr is None or atr <= 0:
            pct = float(self._range_pct) if self._range_pct is not None else _DEFAULT_RANGE_PCT
            half = price * pct
        else:
            half = atr * float(self._atr_k)
        m = _min_relative_step(ctx)
        # Two slots over [p - h, p + h] pay the fees when h >= m (p + h): widen if needed.
        half = max(half, m * price / (1.0 - m) * 1.01)
        return min(half, price * _MAX_HALF_RANGE)

    def _decide(self, ctx: DecisionContext) -> Decision:
        price = ctx.snapshot.price
        margin = allocation(ctx, self._allocation_pct)
        leverage = grid_leverage(ctx, self._leverage)
        if margin <= 0:
            return hold_decision(ctx, "no margin available for a grid")
        if leverage is None:
            return hold_decision(ctx, "no whole leverage inside the allowed band")
        half = self._half_range(ctx)
        lower = round_sig(price - half, up=False)
        upper = round_sig(price + half, up=True)
        width, top = float(upper - lower), float(upper)
        fit = math.floor(width / (top * _min_relative_step(ctx))) if ctx.rules.maker_fee > 0 else 0
        slots = min(self._levels, fit) if fit > 0 else self._levels
        if slots < 2:
            return hold_decision(ctx, "range too narrow to pay the fees")
        spec = GridSpec(
            model=self.name[:64],
            symbol=ctx.symbol,
            lower=lower,
            upper=upper,
            grids=slots,
            spacing=Spacing.ARITHMETIC,
            base_allocation=margin,
            leverage=leverage,
            notes=f"static grid: price {price:g} ± {half:.6g}",
        )
        return GridDecision(spec=spec, confidence=0.5, reasoning="static arithmetic grid")


class AtrGridProvider(RuleProvider):
    """A grid of ``levels`` levels each side, spaced ``atr_multiplier`` × ATR (fee-safe)."""

    def __init__(
        self,
        name: str,
        *,
        levels: int = 5,
        atr_multiplier: Decimal = Decimal("0.5"),
        allocation_pct: Decimal | None = None,
        leverage: Decimal | None = None,
        clock: Clock | None = None,
    ) -> None:
        super().__init__(name, clock=clock)
        self._levels = max(1, levels)
        self._multiplier = atr_multiplier
        self._allocation_pct = allocation_pct
        self._leverage = leverage

    def describe(self) -> str:
        """Return the rule and its parameters."""
        return (
            f"rule=atr_grid levels={self._levels} atr_multiplier={self._multiplier} "
            f"allocation_pct={self._allocation_pct} leverage={self._leverage}"
        )

    def _decide(self, ctx: DecisionContext) -> Decision:
        price, atr = ctx.snapshot.price, ctx.snapshot.indicators.atr
        if atr is None or atr <= 0:
            return hold_decision(ctx, "ATR not available yet")
        margin = allocation(ctx, self._allocation_pct)
        leverage = grid_leverage(ctx, self._leverage)
        if margin <= 0:
            return hold_decision(ctx, "no margin available for a grid")
        if leverage is None:
            return hold_decision(ctx, "no whole leverage inside the allowed band")
        m = _min_relative_step(ctx)
        # step / (price + n·step) >= m  <=>  step >= m·price / (1 - m·n); needs m·n < 1.
        levels = min(self._levels, max(1, math.ceil(1.0 / m) - 1) if m > 0 else self._levels)
        needed = m * price / (1.0 - m * levels) / atr if m > 0 else 0.0
        multiplier = max(
            self._multiplier, to_dec(needed).quantize(Decimal("0.0001"), ROUND_CEILING)
        )
        if multiplier > _MAX_ATR_MULTIPLIER:
            return hold_decision(ctx, "ATR too small for a fee-paying grid")
        step = float(multiplier) * atr
        # Keep the lowest level above zero.
        levels = min(levels, math.ceil(price / step) - 1)
        if levels < 1:
            return hold_decision(ctx, "ATR too large for a grid around this price")
        spec = GridSpec(
            model=self.name[:64],
            symbol=ctx.symbol,
            spacing=Spacing.ATR,
            atr_multiplier=multiplier,
            grid_levels_each_side=levels,
            base_allocation=margin,
            leverage=leverage,
            notes=f"ATR grid: ATR {atr:.6g}, step {step:.6g}",
        )
        return GridDecision(spec=spec, confidence=0.5, reasoning="ATR-spaced grid")
