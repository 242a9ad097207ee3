import pytest

from gridarena.domain.types import (
    Direction,
    FillRule,
    IntrabarPath,
    RangeExit,
    Side,
    Sizing,
    Spacing,
)


@pytest.mark.parametrize("raw", ["BOTH", "both", "Both", "NEUTRAL", "neutral", " neutral "])
def test_parse_direction_when_both_or_neutral_alias_then_neutral(raw: str) -> None:
    assert Direction(raw) is Direction.NEUTRAL


@pytest.mark.parametrize(
    ("raw", "expected"), [("long", Direction.LONG), ("Short", Direction.SHORT)]
)
def test_parse_direction_when_lower_case_then_member(raw: str, expected: Direction) -> None:
    assert Direction(raw) is expected


def test_parse_direction_when_unknown_then_raises() -> None:
    with pytest.raises(ValueError, match="sideways"):
        Direction("sideways")


@pytest.mark.parametrize(
    ("enum", "raw", "expected"),
    [
        (Spacing, "ARITHMETIC", Spacing.ARITHMETIC),
        (Spacing, "geometric_from_price", Spacing.GEOMETRIC_FROM_PRICE),
        (Spacing, "Atr", Spacing.ATR),
        (Sizing, "PYRAMID", Sizing.PYRAMID),
        (Sizing, "equal_quote", Sizing.EQUAL_QUOTE),
        (RangeExit, "STOP_AND_CLOSE", RangeExit.STOP_AND_CLOSE),
        (FillRule, "Cross", FillRule.CROSS),
        (IntrabarPath, "OLHC", IntrabarPath.OLHC),
        (Side, "buy", Side.BUY),
    ],
)
def test_parse_enum_when_any_case_then_member(enum: type, raw: str, expected: object) -> None:
    assert enum(raw) is expected


def test_side_when_buy_then_opposite_is_sell_and_sign_positive() -> None:
    assert Side.BUY.opposite is Side.SELL
    assert Side.SELL.opposite is Side.BUY
    assert (Side.BUY.sign, Side.SELL.sign) == (1, -1)
