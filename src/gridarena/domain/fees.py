"""Trading fee schedule."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from gridarena.domain.money import DecimalLike, to_decimal


@dataclass(frozen=True, slots=True)
class FeeSchedule:
    """Maker and taker fee rates as fractions of notional (0.0002 = 2 bp).

    Defaults are Binance USD-M futures VIP 0 rates. A negative maker rate (a rebate) is allowed.
    """

    maker: Decimal = Decimal("0.0002")
    taker: Decimal = Decimal("0.0005")

    def __post_init__(self) -> None:
        maker = to_decimal(self.maker, name="maker")
        taker = to_decimal(self.taker, name="taker")
        if not Decimal(-1) < maker < Decimal(1):
            raise ValueError(f"maker fee must be in (-1, 1), got {maker}")
        if not Decimal(0) <= taker < Decimal(1):
            raise ValueError(f"taker fee must be in [0, 1), got {taker}")
        # Frozen dataclass: normalise the fields once, here.
        object.__setattr__(self, "maker", maker)
        object.__setattr__(self, "taker", taker)

    def fee(self, notional: DecimalLike, *, maker: bool) -> Decimal:
        """Return the fee charged on `notional` (negative for a maker rebate)."""
        rate = self.maker if maker else self.taker
        return to_decimal(notional, name="notional") * rate


BINANCE_USDM_FEES = FeeSchedule()
