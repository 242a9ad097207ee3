"""Helpers shared by the repositories: the clock default, upserts, money checks."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import DeclarativeBase, Session

from gridarena.store.engine import json_dumps
from gridarena.store.types import to_money

__all__ = ["bounded", "json_ready", "money", "now_or", "optional_money", "upsert"]


def now_or(at: datetime | None) -> datetime:
    """Return ``at``, or the current UTC time when the caller injected no clock."""
    if at is None:
        return datetime.now(UTC)
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"naive datetime {at.isoformat()}: pass an aware UTC datetime")
    return at.astimezone(UTC)


def bounded(value: str, *, name: str, max_length: int) -> str:
    """Return ``value`` if it is non-empty and fits its column; raise ValueError otherwise.

    Postgres rejects an over-long VARCHAR while SQLite stores it: checking here gives one
    behaviour, and a clear message, on both backends.
    """
    if not value:
        raise ValueError(f"{name} must not be empty")
    if len(value) > max_length:
        raise ValueError(f"{name} is longer than {max_length} characters")
    return value


def json_ready(value: Mapping[str, Any]) -> dict[str, Any]:
    """Return ``value`` as it will read back from a JSON column (Decimal -> str...)."""
    result: dict[str, Any] = json.loads(json_dumps(value))
    return result


def money(value: Decimal | int, *, name: str) -> Decimal:
    """Check a money argument before anything is written (bad input changes nothing)."""
    return to_money(value, name=name)


def optional_money(value: Decimal | int | None, *, name: str) -> Decimal | None:
    """Check an optional money argument; None stays None."""
    return None if value is None else to_money(value, name=name)


def _table(model: type[DeclarativeBase]) -> Table:
    table = model.__table__
    if not isinstance(table, Table):  # pragma: no cover - every model maps one table
        raise TypeError(f"{model.__name__} is not mapped to a single table")
    return table


def upsert(
    session: Session,
    model: type[DeclarativeBase],
    *,
    values: dict[str, Any],
    keys: Sequence[str],
    update: bool,
) -> bool:
    """Insert a row, or on a conflict of ``keys`` update it (``update``) or skip it.

    One ``INSERT ... ON CONFLICT`` statement on both backends, so two writers can never
    produce a duplicate or an IntegrityError. Return True when a row was written.
    """
    table = _table(model)
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(table).values(**values)
    if update:
        changed = {name: stmt.excluded[name] for name in values if name not in keys}
        final = stmt.on_conflict_do_update(index_elements=list(keys), set_=changed)
    else:
        final = stmt.on_conflict_do_nothing(index_elements=list(keys))
    # RETURNING, not rowcount: with implicit RETURNING on Postgres rowcount is unreliable.
    returned = session.execute(final.returning(table.c[keys[0]])).first()
    return returned is not None
