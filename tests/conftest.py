"""Database fixtures: tests that ask for ``db_url`` run on SQLite *and* on a real Postgres.

Postgres is 127.0.0.1:5432, user ``postgres``, trust auth (override the server with
``GRIDARENA_TEST_PG_URL``). Each test session creates a uniquely named database, migrates
it with Alembic and drops it at the end. Postgres unreachable: skip, or fail under ``CI``.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session, sessionmaker

PG_SERVER_URL = os.environ.get(
    "GRIDARENA_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)


def _create_pg_database() -> tuple[str, Engine]:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import OperationalError

    from gridarena.store.engine import display_url, make_engine

    admin = make_engine(PG_SERVER_URL).execution_options(isolation_level="AUTOCOMMIT")
    name = f"gridarena_test_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except OperationalError as exc:
        admin.dispose()
        reason = str(exc.orig).strip().splitlines()[0]
        message = f"Postgres at {display_url(PG_SERVER_URL)} is unreachable: {reason}"
        if os.environ.get("CI"):
            pytest.fail(f"{message} (CI must test Postgres for real)")
        pytest.skip(f"{message}; start it to run the Postgres half of the store tests")
    url = make_url(PG_SERVER_URL).set(database=name).render_as_string(hide_password=False)
    return url, admin


@pytest.fixture(scope="session", params=["sqlite", "postgres"])
def db_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """Yield the URL of a freshly migrated database, once per backend and test session."""
    from gridarena.store.migrate import upgrade

    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'store.db'}"
        upgrade(url)
        yield url
        return
    url, admin = _create_pg_database()
    name = url.rsplit("/", 1)[1]
    try:
        upgrade(url)
        yield url
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture(scope="session")
def db_engine(db_url: str) -> Iterator[Engine]:
    """Yield an engine on the test database, shared by the test session."""
    from gridarena.store.engine import make_engine

    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def db_session(db_engine: Engine) -> Iterator[Session]:
    """Yield a session whose work is rolled back after the test, commits included."""
    from sqlalchemy.orm import Session

    with db_engine.connect() as connection:
        outer = connection.begin()
        # session.commit() inside the test only releases a savepoint of this transaction.
        session = Session(
            bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
        )
        try:
            yield session
        finally:
            session.close()
            outer.rollback()


@pytest.fixture
def db_factory(db_engine: Engine) -> sessionmaker[Session]:
    """Return a session factory that commits for real (use unique names in such tests)."""
    from gridarena.store.engine import session_factory

    return session_factory(db_engine)
