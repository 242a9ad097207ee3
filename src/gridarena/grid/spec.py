"""GridSpec: the validated, declarative grid a provider asks for.

Accepts the seed signal schema (`model, strategy, symbol, lower, upper, grids, spacing,
base_allocation, leverage, entry_mode, tp_pct, sl_pct, rebalance, notes`) plus the fields the
other seeds use (direction, geometric-from-price ratio, ATR spacing, trailing, stops, trigger,
sizing). Unknown keys are rejected.

Conventions decided here:
- `tp_pct` / `sl_pct` are fractions in (0, 1]: 0.02 means 2 %. A value such as 2 (meaning 2 %)
  is rejected rather than guessed at.
- `lower` / `upper` are required for arithmetic and geometric spacing. For the price-anchored
  spacings (geometric_from_price, atr) they are optional bounds that every generated level
  must respect.
- `grids` is the number of slots (levels − 1). For price-anchored spacings it is derived as
  2 × grid_levels_each_side and may be omitted.
- The range exit triggers when price trades beyond the outer levels; `stop_bottom` / `stop_top`
  are separate stop-and-close prices.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from decimal import Decimal
from typing import Annotated, Literal, Self

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationInfo, model_validator

from gridarena.domain.money import DecimalLike, to_decimal
from gridarena.domain.types import Direction, RangeExit, Sizing, Spacing

MAX_GRIDS = 500
MAX_LEVERAGE = 125


class GridSpecError(ValueError):
    """A grid that cannot be traded as specified; `field` names the offending setting."""

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message)
        self.field = field


def _exact_decimal(value: object, info: ValidationInfo) -> object:
    # Route every number through to_decimal: floats by repr (not binary expansion), and
    # NaN/inf refused with the field's name rather than later as a NaN price.
    if isinstance(value, bool):
        raise ValueError(f"{info.field_name} must be a number, got bool")
    if isinstance(value, Decimal | int | float | str):
        return to_decimal(value, name=info.field_name or "value")
    return value


_Dec = BeforeValidator(_exact_decimal)
Price = Annotated[Decimal, _Dec, Field(gt=0)]
UnitFraction = Annotated[Decimal, _Dec, Field(gt=0, le=1)]


class GridSpec(BaseModel):
    """A validated grid configuration; immutable and free of unknown keys."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    # Seed signal schema.
    model: str | None = Field(default=None, max_length=64)
    strategy: Literal["grid"] = "grid"
    symbol: str = Field(min_length=1, max_length=40)
    lower: Price | None = None
    upper: Price | None = None
    grids: int | None = Field(default=None, ge=2, le=MAX_GRIDS)
    spacing: Spacing = Spacing.ARITHMETIC
    base_allocation: Annotated[Decimal, _Dec, Field(gt=0)]
    leverage: int = Field(default=1, gt=0, le=MAX_LEVERAGE)
    entry_mode: Literal["maker_first", "maker_only", "taker"] = "maker_first"
    tp_pct: UnitFraction | None = None
    sl_pct: UnitFraction | None = None
    rebalance: bool = False
    notes: str | None = Field(default=None, max_length=2000)
    # Other seeds.
    direction: Direction = Direction.NEUTRAL
    grid_ratio: Annotated[Decimal, _Dec, Field(gt=0, lt=1)] | None = None
    atr_multiplier: Annotated[Decimal, _Dec, Field(gt=0, le=100)] | None = None
    atr_period: int = Field(default=14, ge=1, le=1000)
    grid_levels_each_side: int | None = Field(default=None, ge=1, le=MAX_GRIDS // 2)
    trailing_up: bool = False
    trailing_down: bool = False
    stop_top: Price | None = None
    stop_bottom: Price | None = None
    trigger_price: Price | None = None
    sizing: Sizing = Sizing.EQUAL_QUOTE
    pyramid_alpha: Annotated[Decimal, _Dec, Field(ge=0, le=10)] | None = None
    risk_per_level: Annotated[Decimal, _Dec, Field(gt=0)] | None = None
    range_exit: RangeExit = RangeExit.NONE

    @classmethod
    def from_signal(cls, signal: Mapping[str, object]) -> GridSpec:
        """Validate a provider/webhook signal dict into a GridSpec."""
        return cls.model_validate(signal)

    @property
    def price_anchored(self) -> bool:
        """Return True when levels are built around the current price, not a fixed range."""
        return self.spacing in (Spacing.GEOMETRIC_FROM_PRICE, Spacing.ATR)

    @property
    def slot_count(self) -> int:
        """Return the number of slots N (levels = N + 1)."""
        if self.grids is not None:
            return self.grids
        assert self.grid_levels_each_side is not None  # guaranteed by validation
        return 2 * self.grid_levels_each_side

    @model_validator(mode="after")
    def _check_consistency(self) -> Self:
        if self.price_anchored:
            self._check_price_anchored()
        else:
            self._check_range()
        if self.lower is not None and self.upper is not None and self.lower >= self.upper:
            raise ValueError(f"lower ({self.lower}) must be below upper ({self.upper})")
        self._check_stops()
        self._check_sizing()
        return self

    def _check_stops(self) -> None:
        bottom, top = self.stop_bottom, self.stop_top
        if bottom is not None and self.lower is not None and bottom >= self.lower:
            raise ValueError(f"stop_bottom ({bottom}) must be below lower ({self.lower})")
        if top is not None and self.upper is not None and top <= self.upper:
            raise ValueError(f"stop_top ({top}) must be above upper ({self.upper})")
        if bottom is not None and top is not None and bottom >= top:
            raise ValueError(f"stop_bottom ({bottom}) must be below stop_top ({top})")

    def _check_range(self) -> None:
        missing = [n for n in ("lower", "upper", "grids") if getattr(self, n) is None]
        if missing:
            raise ValueError(f"spacing={self.spacing.value} requires {', '.join(missing)}")
        for name in ("grid_ratio", "atr_multiplier", "grid_levels_each_side"):
            if getattr(self, name) is not None:
                raise ValueError(
                    f"{name} does not apply to spacing={self.spacing.value}; use "
                    "spacing=geometric_from_price (grid_ratio) or spacing=atr (atr_multiplier)"
                )

    def _check_price_anchored(self) -> None:
        needed, unused = (
            ("grid_ratio", "atr_multiplier")
            if self.spacing is Spacing.GEOMETRIC_FROM_PRICE
            else ("atr_multiplier", "grid_ratio")
        )
        missing = [n for n in (needed, "grid_levels_each_side") if getattr(self, n) is None]
        if missing:
            raise ValueError(f"spacing={self.spacing.value} requires {', '.join(missing)}")
        if getattr(self, unused) is not None:
            raise ValueError(f"{unused} does not apply to spacing={self.spacing.value}")
        n_slots = 2 * (self.grid_levels_each_side or 0)
        if self.grids is not None and self.grids != n_slots:
            raise ValueError(
                f"grids ({self.grids}) must equal 2 × grid_levels_each_side ({n_slots}) "
                f"for spacing={self.spacing.value}; omit grids"
            )

    def _check_sizing(self) -> None:
        if (self.sizing is Sizing.PYRAMID) != (self.pyramid_alpha is not None):
            raise ValueError("pyramid_alpha is required with sizing=pyramid and only then")
        if (self.sizing is Sizing.RISK) != (self.risk_per_level is not None):
            raise ValueError("risk_per_level is required with sizing=risk and only then")

    def check_spacing(
        self,
        maker_fee: DecimalLike,
        *,
        reference_price: DecimalLike | None = None,
        atr: DecimalLike | None = None,
    ) -> None:
        """Raise GridSpecError when a level's spacing cannot pay two maker fees.

        The relative step is measured against the slot's upper price (the worst case), so
        the test is `step / price < 2 × maker_fee`. ATR spacing needs `reference_price`
        and `atr`.
        """
        fee = float(to_decimal(maker_fee, name="maker_fee"))
        if fee <= 0:
            return  # a maker rebate makes any positive step profitable
        field, relative = self._relative_step(reference_price, atr)
        minimum = 2.0 * fee
        if relative < minimum:
            raise GridSpecError(
                f"{field}: per-level spacing {relative:.4%} is below 2 × maker fee "
                f"({minimum:.4%}); each round trip would lose money on fees",
                field=field,
            )

    def _relative_step(
        self, reference_price: DecimalLike | None, atr: DecimalLike | None
    ) -> tuple[str, float]:
        if self.spacing is Spacing.GEOMETRIC_FROM_PRICE:
            r = float(self.grid_ratio or 0)
            return "grid_ratio", r / (1.0 + r)
        if self.spacing is Spacing.ATR:
            if reference_price is None or atr is None:
                raise GridSpecError(
                    "atr_multiplier: checking ATR spacing needs reference_price and atr",
                    field="atr_multiplier",
                )
            price = float(to_decimal(reference_price, name="reference_price"))
            step = float(to_decimal(atr, name="atr")) * float(self.atr_multiplier or 0)
            top = price + (self.grid_levels_each_side or 0) * step
            return "atr_multiplier", step / top if top > 0 else math.inf
        lower, upper, n = float(self.lower or 0), float(self.upper or 0), self.slot_count
        if self.spacing is Spacing.GEOMETRIC:
            return "grids", 1.0 - (lower / upper) ** (1.0 / n)
        return "grids", (upper - lower) / n / upper
