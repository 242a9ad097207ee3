"""Exact conversion of user and venue numbers to `Decimal`."""

from __future__ import annotations

import numbers
from decimal import Decimal, InvalidOperation
from typing import TypeAlias

DecimalLike: TypeAlias = Decimal | int | str | float


def to_decimal(value: DecimalLike, *, name: str = "value") -> Decimal:
    """Convert `value` to a finite `Decimal`, reading floats by their shortest repr.

    `Decimal(0.1)` would keep the binary expansion (0.1000000000000000055…), which then rounds
    onto the wrong tick; `repr` gives the number the user actually typed.
    """
    if isinstance(value, bool):
        # bool is an int subclass; True as a price is always a bug upstream.
        raise TypeError(f"{name} must be a number, got bool")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, numbers.Integral):
        result = Decimal(int(value))
    elif isinstance(value, float):
        # float() first: NumPy floats subclass float but repr as "np.float64(…)".
        result = Decimal(repr(float(value)))
    elif isinstance(value, str):
        try:
            result = Decimal(value.strip())
        except InvalidOperation as exc:
            raise ValueError(f"{name} is not a number: {value!r}") from exc
    else:
        raise TypeError(f"{name} must be Decimal, int, str or float, got {type(value).__name__}")
    if not result.is_finite():
        raise ValueError(f"{name} must be finite, got {value!r}")
    return result
