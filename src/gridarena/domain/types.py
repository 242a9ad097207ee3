"""Enumerations shared by the core: sides, directions and grid configuration choices.

Every enum parses case-insensitively (by value or by name) so that configs written by hand or
by an LLM (`"arithmetic"`, `"ARITHMETIC"`, `"Long"`) all validate.
"""

from __future__ import annotations

from enum import StrEnum


class _CaseInsensitiveEnum(StrEnum):
    """StrEnum that also accepts any casing of a member's value or name."""

    @classmethod
    def _missing_(cls, value: object) -> _CaseInsensitiveEnum | None:
        if not isinstance(value, str):
            return None
        key = value.strip().upper()
        for member in cls:
            if member.value.upper() == key or member.name == key:
                return member
        return None


class Side(_CaseInsensitiveEnum):
    """Order side, spelled as venues spell it."""

    BUY = "BUY"
    SELL = "SELL"

    @property
    def opposite(self) -> Side:
        """Return the other side."""
        return Side.SELL if self is Side.BUY else Side.BUY

    @property
    def sign(self) -> int:
        """Return +1 for BUY and -1 for SELL (the sign of the position change)."""
        return 1 if self is Side.BUY else -1


class Direction(_CaseInsensitiveEnum):
    """Which slots a grid trades: long only, short only, or both (NEUTRAL)."""

    LONG = "LONG"
    SHORT = "SHORT"
    NEUTRAL = "NEUTRAL"

    @classmethod
    def _missing_(cls, value: object) -> Direction | None:
        # Seed 002 and Binance's positionSide call the two-sided mode "BOTH".
        if isinstance(value, str) and value.strip().upper() == "BOTH":
            return cls.NEUTRAL
        found = super()._missing_(value)
        return found if isinstance(found, Direction) else None


class Spacing(_CaseInsensitiveEnum):
    """How level prices are generated."""

    ARITHMETIC = "arithmetic"
    GEOMETRIC = "geometric"
    GEOMETRIC_FROM_PRICE = "geometric_from_price"
    ATR = "atr"


class Sizing(_CaseInsensitiveEnum):
    """How quantity is spread over the slots."""

    EQUAL_QUOTE = "equal_quote"
    EQUAL_BASE = "equal_base"
    PYRAMID = "pyramid"
    RISK = "risk"


class RangeExit(_CaseInsensitiveEnum):
    """What happens when price leaves the stop range."""

    NONE = "none"
    STOP = "stop"
    STOP_AND_CLOSE = "stop_and_close"


class FillRule(_CaseInsensitiveEnum):
    """When a resting order fills against a candle: touch (`<=`) or cross (`<`)."""

    TOUCH = "touch"
    CROSS = "cross"


class IntrabarPath(_CaseInsensitiveEnum):
    """Assumed price path inside one candle."""

    NEAREST_FIRST = "nearest_first"
    OHLC = "ohlc"
    OLHC = "olhc"
