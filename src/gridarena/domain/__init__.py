"""Domain value types: enums, instruments with venue filters, fees, exact Decimal money."""

from gridarena.domain.fees import BINANCE_USDM_FEES, FeeSchedule
from gridarena.domain.instrument import (
    INSTRUMENTS,
    FilterViolation,
    Instrument,
    RoundMode,
    instrument_for,
    normalize_symbol,
)
from gridarena.domain.money import DecimalLike, to_decimal
from gridarena.domain.types import (
    Direction,
    FillRule,
    IntrabarPath,
    RangeExit,
    Side,
    Sizing,
    Spacing,
)

__all__ = [
    "BINANCE_USDM_FEES",
    "INSTRUMENTS",
    "DecimalLike",
    "Direction",
    "FeeSchedule",
    "FillRule",
    "FilterViolation",
    "Instrument",
    "IntrabarPath",
    "RangeExit",
    "RoundMode",
    "Side",
    "Sizing",
    "Spacing",
    "instrument_for",
    "normalize_symbol",
    "to_decimal",
]
