"""Engines and sessions for SQLite (embedded default) and Postgres (psycopg 3)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any, Final

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry

__all__ = [
    "DEFAULT_DATABASE_URL",
    "SQLITE_BUSY_TIMEOUT_MS",
    "display_url",
    "json_dumps",
    "make_engine",
    "normalize_url",
    "session_factory",
    "transaction",
]

DEFAULT_DATABASE_URL: Final = "sqlite:///gridarena.db"
SQLITE_BUSY_TIMEOUT_MS: Final = 5000


def normalize_url(url: str) -> str:
    """Return ``url`` with Postgres pinned to psycopg 3; raise ValueError on other schemes.

    ``postgres://`` (Heroku style) and ``postgresql://`` become ``postgresql+psycopg://``.
    The error names only the scheme: the rest of a URL may carry a password.
    """
    text = url.strip()
    scheme, sep, rest = text.partition("://")
    if not sep:
        raise ValueError("database URL needs a scheme, e.g. sqlite:///gridarena.db")
    lowered = scheme.lower()
    if lowered in {"postgres", "postgresql", "postgresql+psycopg"}:
        return f"postgresql+psycopg://{rest}"
    if lowered in {"sqlite", "sqlite+pysqlite"}:
        return f"sqlite://{rest}"
    raise ValueError(f"unsupported database URL scheme {scheme!r}; use sqlite:/// or postgresql://")


def display_url(url: str) -> str:
    """Return ``url`` safe to print: the password, if any, becomes ``***``."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # an unparsable URL may still hold a password: show none of it
        return "<unparsable database URL>"


def _json_default(value: object) -> Any:
    if isinstance(value, Decimal):
        return str(value)  # exact; a JSON number would be read back as a float
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def json_dumps(value: object) -> str:
    """Serialise a JSON column value; Decimals become strings so they stay exact."""
    return json.dumps(value, default=_json_default, separators=(",", ":"), ensure_ascii=False)


def _sqlite_on_connect(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
    # Let SQLAlchemy emit BEGIN (see _sqlite_on_begin): pysqlite's legacy mode would skip it
    # for SELECT, DDL and SAVEPOINT, breaking savepoints and transactional migrations.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")  # durable at checkpoints; safe with WAL
    finally:
        cursor.close()


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """Create an engine for ``url``: SQLite in WAL mode with foreign keys, or Postgres."""
    normalized = normalize_url(url)
    if normalized.startswith("sqlite"):
        engine = create_engine(normalized, echo=echo, json_serializer=json_dumps)
        event.listen(engine, "connect", _sqlite_on_connect)
        # IMMEDIATE: take the write lock when the transaction starts, so a second process
        # waits (busy_timeout) instead of failing with "database is locked" when a read
        # transaction later tries to upgrade to a write (SQLITE_BUSY is not retried then).
        event.listen(engine, "begin", lambda conn: conn.exec_driver_sql("BEGIN IMMEDIATE"))
        return engine
    return create_engine(normalized, echo=echo, json_serializer=json_dumps, pool_pre_ping=True)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Return a session factory bound to ``engine``; objects stay usable after commit."""
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """Open a session, commit when the block ends, roll back if it raises.

    Repository functions only flush; this is the unit of work around them. Write an
    order intent in its own ``transaction`` block and let it commit *before* calling
    the venue, so the intent is durable whatever happens next.
    """
    with factory() as session, session.begin():
        yield session
