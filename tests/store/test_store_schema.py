"""Migrations build exactly the models' schema; engines are configured per backend."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect

from gridarena.store import current_revision, head_revision, make_engine, upgrade
from gridarena.store.engine import display_url, normalize_url
from gridarena.store.migrate import downgrade
from gridarena.store.models import Base

INDEXED = {
    "orders": [["created_at"], ["account_id", "status"]],
    "fills": [["account_id", "ts"]],
    "metrics": [["model", "symbol", "ts"]],
    "llm_decisions": [["account_id", "created_at"]],
    "risk_events": [["account_id", "ts"]],
}


def test_upgrade_when_migrated_then_schema_equals_models_metadata(db_engine: Engine) -> None:
    with db_engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diffs = compare_metadata(context, Base.metadata)

    assert diffs == []


def test_upgrade_when_migrated_then_common_queries_have_indexes(db_engine: Engine) -> None:
    inspector = inspect(db_engine)

    for table, wanted in INDEXED.items():
        columns = [ix["column_names"] for ix in inspector.get_indexes(table)]
        for cols in wanted:
            assert cols in columns, f"{table} lacks an index on {cols}"
    uniques = [u["column_names"] for u in inspector.get_unique_constraints("price_history")]
    assert ["symbol", "ts"] in uniques


def test_upgrade_when_already_at_head_then_no_op_and_current_is_head(db_url: str) -> None:
    upgrade(db_url)

    assert current_revision(db_url) == head_revision()


def test_downgrade_when_to_base_then_empty_and_upgrade_rebuilds(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cycle.db'}"
    assert current_revision(url) is None
    upgrade(url)

    downgrade(url, "base")

    engine = make_engine(url)
    try:
        assert set(inspect(engine).get_table_names()) == {"alembic_version"}
    finally:
        engine.dispose()
    assert current_revision(url) is None
    upgrade(url)
    assert current_revision(url) == head_revision()


def test_make_engine_when_sqlite_then_wal_foreign_keys_busy_timeout_normal_sync(
    tmp_path: Path,
) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'p.db'}")
    try:
        with engine.connect() as conn:
            pragmas = {
                name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()
                for name in ("journal_mode", "foreign_keys", "busy_timeout", "synchronous")
            }
    finally:
        engine.dispose()

    assert pragmas == {
        "journal_mode": "wal",
        "foreign_keys": 1,
        "busy_timeout": 5000,
        "synchronous": 1,
    }


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgres://u:p@h:5432/db", "postgresql+psycopg://u:p@h:5432/db"),
        ("postgresql://u@h/db", "postgresql+psycopg://u@h/db"),
        ("PostgreSQL+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
        ("sqlite:///gridarena.db", "sqlite:///gridarena.db"),
        (" sqlite:///:memory: ", "sqlite:///:memory:"),
    ],
)
def test_normalize_url_when_supported_then_psycopg_driver(url: str, expected: str) -> None:
    assert normalize_url(url) == expected


def test_normalize_url_when_unsupported_then_error_names_scheme_not_password() -> None:
    with pytest.raises(ValueError, match="'mysql'") as caught:
        normalize_url("mysql://root:hunter2hunter2@db/x")

    assert "hunter2" not in str(caught.value)


def test_display_url_when_password_then_masked() -> None:
    shown = display_url("postgresql://bot:hunter2hunter2@db:5432/trade")

    assert "hunter2" not in shown
    assert shown == "postgresql://bot:***@db:5432/trade"


def test_make_engine_when_postgres_url_then_psycopg3_dialect() -> None:
    engine = make_engine("postgres://postgres@127.0.0.1:5432/postgres")

    assert engine.dialect.name == "postgresql"
    assert engine.dialect.driver == "psycopg"
    engine.dispose()
