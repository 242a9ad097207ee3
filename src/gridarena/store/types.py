"""Column types shared by every table: exact money, UTC timestamps, enums, big ids.

``Money`` keeps ``decimal.Decimal`` values exact on both backends:

* Postgres stores ``NUMERIC(38, 18)``; SQL comparisons, ``ORDER BY`` and ``SUM`` are exact.
* SQLite has no decimal type. A ``NUMERIC`` column there has numeric affinity and silently
  turns ``'0.1'`` into a binary float, so Money stores the canonical decimal *string*
  (``VARCHAR``, text affinity) instead. The consequence: on SQLite, SQL must not compare,
  sort or aggregate Money columns (``SUM`` would go through floats, ``<`` compares text).
  Repositories load the rows and aggregate in Python (``sum(values, Decimal(0))``), which is
  exact on both backends; a Postgres-only report may use SQL aggregates directly.

Values read back are canonical on both backends: no trailing zeros and no exponent
(``Decimal("0.100")`` reads back as ``Decimal("0.1")``, ``Decimal("1E+2")`` as ``Decimal("100")``),
so a value compares and prints the same whichever database it came from.
"""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from decimal import Context, Decimal
from typing import Any, Final, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

__all__ = [
    "MONEY_CONTEXT",
    "MONEY_PRECISION",
    "MONEY_SCALE",
    "BigId",
    "Money",
    "UtcDateTime",
    "enum_type",
    "to_money",
]

MONEY_PRECISION: Final = 38
MONEY_SCALE: Final = 18
_LIMIT: Final = Decimal(10) ** (MONEY_PRECISION - MONEY_SCALE)
# Wide enough that normalize/quantize never round a value that fits NUMERIC(38, 18), and
# that sums of many such values stay exact: use it as ``with localcontext(MONEY_CONTEXT)``.
MONEY_CONTEXT: Final = Context(prec=2 * MONEY_PRECISION)
_CONTEXT: Final = MONEY_CONTEXT
_SQLITE_TEXT_LENGTH: Final = 64

# Integer ids that grow fast (orders, fills, metrics...) are BIGINT on Postgres; on SQLite
# only INTEGER PRIMARY KEY aliases the rowid and autoincrements, so keep INTEGER there.
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

E = TypeVar("E", bound=enum.Enum)


def _canonical(value: Decimal) -> Decimal:
    if value == 0:
        return Decimal(0)  # also folds -0 into 0
    normal = value.normalize(_CONTEXT)
    exponent = normal.as_tuple().exponent
    if isinstance(exponent, int) and exponent > 0:
        normal = normal.quantize(Decimal(1), context=_CONTEXT)
    return normal


def to_money(value: Decimal | int, *, name: str = "value") -> Decimal:
    """Validate ``value`` for a Money column and return it in canonical form.

    Raise TypeError for floats and bools (a float in the ledger is a bug upstream) and
    ValueError for non-finite values, more than 18 decimal places or 20 integer digits,
    rather than let a backend round or overflow silently.
    """
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise TypeError(f"{name} must be Decimal or int, got {type(value).__name__}")
    number = Decimal(value)
    if not number.is_finite():
        raise ValueError(f"{name} must be finite, got {number}")
    canonical = _canonical(number)
    exponent = canonical.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -MONEY_SCALE:
        raise ValueError(f"{name} has more than {MONEY_SCALE} decimal places: {number}")
    if canonical.copy_abs() >= _LIMIT:  # abs() would round to the default 28 digits
        raise ValueError(f"{name} exceeds {MONEY_PRECISION - MONEY_SCALE} integer digits")
    return canonical


class Money(TypeDecorator[Decimal]):
    """Exact decimal: ``NUMERIC(38, 18)`` on Postgres, canonical decimal text on SQLite."""

    impl = sa.Numeric(MONEY_PRECISION, MONEY_SCALE, asdecimal=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        """Pick text storage on SQLite, where NUMERIC would mean binary floats."""
        if dialect.name == "sqlite":
            return dialect.type_descriptor(sa.String(_SQLITE_TEXT_LENGTH))
        return dialect.type_descriptor(sa.Numeric(MONEY_PRECISION, MONEY_SCALE, asdecimal=True))

    def process_bind_param(self, value: Decimal | int | None, dialect: Dialect) -> Any:
        """Validate and convert a value on its way into the database."""
        if value is None:
            return None
        money = to_money(value)
        return format(money, "f") if dialect.name == "sqlite" else money

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        """Return the canonical Decimal for a stored value."""
        del dialect  # text (SQLite) or Decimal (Postgres): Decimal() reads both
        if value is None:
            return None
        return _canonical(Decimal(value if isinstance(value, str | Decimal) else str(value)))

    @property
    def python_type(self) -> type[Decimal]:
        """Return the Python type of the column values."""
        return Decimal


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC timestamp; refuses naive datetimes instead of guessing a zone.

    SQLite keeps no zone, so the value is converted to UTC and stored naive, and every
    value read back carries ``tzinfo=UTC`` on both backends.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Convert an aware datetime to UTC (naive on SQLite); raise on a naive one."""
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value.isoformat()}: pass an aware UTC datetime")
        utc = value.astimezone(UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Return the stored timestamp as an aware UTC datetime."""
        del dialect  # same handling on both backends
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    @property
    def python_type(self) -> type[datetime]:
        """Return the Python type of the column values."""
        return datetime


def enum_type(enum_cls: type[E], *, name: str) -> sa.Enum:
    """Return a portable enum column type: VARCHAR(32) plus a named CHECK of the values.

    Not a native Postgres ENUM, so adding a member is an ordinary constraint migration on
    both backends; the stored text is the member's value.
    """
    return sa.Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=32,
        validate_strings=True,
        values_callable=lambda members: [m.value for m in members],
    )
