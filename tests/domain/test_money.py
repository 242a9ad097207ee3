from decimal import Decimal

import pytest

from gridarena.domain.money import to_decimal


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(0.1, Decimal("0.1")), (1.1, Decimal("1.1")), ("2.50", Decimal("2.50")), (3, Decimal(3))],
)
def test_to_decimal_when_number_then_exact_typed_value(
    raw: float | str | int, expected: Decimal
) -> None:
    assert to_decimal(raw) == expected
    assert str(to_decimal(0.1)) == "0.1"  # not the binary expansion 0.1000000000000000055…


@pytest.mark.parametrize("raw", [float("nan"), float("inf"), "NaN", "-Infinity", Decimal("sNaN")])
def test_to_decimal_when_not_finite_then_raises(raw: object) -> None:
    with pytest.raises(ValueError, match="price"):
        to_decimal(raw, name="price")  # type: ignore[arg-type]


def test_to_decimal_when_garbage_string_then_raises_value_error() -> None:
    with pytest.raises(ValueError, match="not a number"):
        to_decimal("12abc")


def test_to_decimal_when_bool_then_raises_type_error() -> None:
    with pytest.raises(TypeError):
        to_decimal(True)


def test_to_decimal_when_numpy_scalars_then_reads_them_like_python_numbers() -> None:
    import numpy as np

    assert to_decimal(np.float64(0.1)) == Decimal("0.1")
    assert to_decimal(np.int64(7)) == Decimal(7)
