"""Declarative base: one metadata with a naming convention, and the type map for columns."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar

from sqlalchemy import JSON, MetaData
from sqlalchemy.orm import DeclarativeBase

from gridarena.store.types import Money, UtcDateTime

__all__ = ["Base", "JsonDict"]

# Stable constraint names keep migrations identical on SQLite and Postgres.
NAMING_CONVENTION: dict[str, str] = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

JsonDict = dict[str, Any]


class Base(DeclarativeBase):
    """Base of every gridarena table: Decimal is Money, datetime is aware UTC, dicts JSON."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        Decimal: Money(),
        datetime: UtcDateTime(),
        JsonDict: JSON(),
    }
