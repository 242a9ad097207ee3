"""Money and timestamps survive a round trip through both databases exactly."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from gridarena.store.models import PricePoint
from gridarena.store.repo import add_price
from gridarena.store.types import to_money

EXACT_VALUES = [
    ("0.1", "0.1"),
    ("123456789.123456789012345678", "123456789.123456789012345678"),
    ("99999999999999999999.999999999999999999", "99999999999999999999.999999999999999999"),
    ("-0.000000000000000001", "-1E-18"),
    ("0.100000", "0.1"),
    ("1E+2", "100"),
    ("-0", "0"),
    ("42", "42"),
]


def _reload_close(session: Session, symbol: str) -> Decimal:
    session.expire_all()
    stmt = select(PricePoint.close).where(PricePoint.symbol == symbol)
    return session.scalars(stmt).one()


@pytest.mark.parametrize(("raw", "canonical"), EXACT_VALUES)
def test_money_when_stored_and_read_then_value_is_exact_and_canonical(
    db_session: Session, raw: str, canonical: str
) -> None:
    ts = datetime(2025, 1, 1, tzinfo=UTC)
    add_price(db_session, symbol="EXACT", ts=ts, close=Decimal(raw))

    stored = _reload_close(db_session, "EXACT")

    assert stored == Decimal(raw)
    assert str(stored) == canonical
    assert isinstance(stored, Decimal)


def test_money_when_sqlite_then_stored_as_decimal_text_not_float(db_session: Session) -> None:
    if db_session.get_bind().dialect.name != "sqlite":
        pytest.skip("SQLite storage detail")
    add_price(db_session, symbol="TXT", ts=datetime(2025, 1, 1, tzinfo=UTC), close=Decimal("0.1"))

    row = db_session.execute(
        text("SELECT typeof(close), close FROM price_history WHERE symbol = 'TXT'")
    ).one()

    assert tuple(row) == ("text", "0.1")


@pytest.mark.parametrize(
    ("value", "error", "match"),
    [
        (0.1, TypeError, "Decimal or int"),
        (True, TypeError, "Decimal or int"),
        (Decimal("0.0000000000000000001"), ValueError, "18 decimal places"),
        (Decimal("1E+20"), ValueError, "20 integer digits"),
        (Decimal("NaN"), ValueError, "finite"),
        (Decimal("-Infinity"), ValueError, "finite"),
    ],
)
def test_to_money_when_value_cannot_be_stored_exactly_then_raises(
    value: object, error: type[Exception], match: str
) -> None:
    with pytest.raises(error, match=match):
        to_money(value, name="price")  # type: ignore[arg-type]


def test_add_price_when_float_given_then_raises_before_writing(db_session: Session) -> None:
    with pytest.raises(TypeError, match="close must be Decimal or int"):
        add_price(db_session, symbol="F", ts=datetime(2025, 1, 1, tzinfo=UTC), close=0.1)  # type: ignore[arg-type]

    assert db_session.scalars(select(PricePoint).where(PricePoint.symbol == "F")).all() == []


def test_timestamp_when_other_zone_given_then_read_back_as_same_instant_in_utc(
    db_session: Session,
) -> None:
    cet = timezone(timedelta(hours=1))
    local = datetime(2025, 3, 1, 12, 30, 15, 250000, tzinfo=cet)
    add_price(db_session, symbol="TZ", ts=local, close=1)
    db_session.expire_all()

    stored = db_session.scalars(select(PricePoint.ts).where(PricePoint.symbol == "TZ")).one()

    assert stored == local
    assert stored.tzinfo == UTC
    assert stored.hour == 11


def test_timestamp_when_naive_then_raises(db_session: Session) -> None:
    with pytest.raises(ValueError, match="naive datetime"):
        add_price(db_session, symbol="N", ts=datetime(2025, 1, 1), close=1)
