"""`gridarena db ...`: upgrade, current, backup and restore through the real Typer app."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from sqlalchemy import select
from store_helpers import new_account
from typer.testing import CliRunner

from gridarena.store import make_engine, session_factory, transaction
from gridarena.store.cli import db_app
from gridarena.store.migrate import head_revision
from gridarena.store.models import Account

runner = CliRunner()
PASSWORD = "pw-Zq81xLm0"


def _migrated(tmp_path: Path, name: str = "live.db") -> str:
    url = f"sqlite:///{tmp_path / name}"
    result = runner.invoke(db_app, ["upgrade", "--url", url])
    assert result.exit_code == 0, result.output
    return url


def _account_names(url: str) -> list[str]:
    engine = make_engine(url)
    try:
        with session_factory(engine)() as session:
            return list(session.scalars(select(Account.name).order_by(Account.name)))
    finally:
        engine.dispose()


def _seed(url: str, name: str) -> None:
    engine = make_engine(url)
    try:
        with transaction(session_factory(engine)) as session:
            new_account(session, name)
    finally:
        engine.dispose()


def test_upgrade_when_new_sqlite_file_then_created_at_head(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'new.db'}"

    result = runner.invoke(db_app, ["upgrade", "--url", url])

    assert result.exit_code == 0, result.output
    assert f"at revision {head_revision()}" in result.stdout


def test_current_when_migrated_then_shows_head_on_both_backends(db_url: str) -> None:
    result = runner.invoke(db_app, ["current", "--url", db_url])

    assert result.exit_code == 0, result.output
    assert f"{head_revision()} (head)" in result.stdout


def test_current_when_no_url_option_then_database_url_env_is_used(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'env.db'}"

    result = runner.invoke(db_app, ["current"], env={"DATABASE_URL": url})

    assert result.exit_code == 0, result.output
    assert "env.db: none (never migrated)" in result.stdout


def test_backup_when_database_in_use_then_consistent_copy_of_committed_rows(
    tmp_path: Path,
) -> None:
    url = _migrated(tmp_path)
    _seed(url, "committed")
    out = tmp_path / "backup.db"
    engine = make_engine(url)
    try:
        with engine.connect() as writer:
            writer.begin()  # a writer is mid-transaction while the backup runs
            with session_factory(engine)(bind=writer) as session:
                new_account(session, "uncommitted")
                session.flush()
                result = runner.invoke(db_app, ["backup", "--out", str(out), "--url", url])
            writer.rollback()
    finally:
        engine.dispose()

    assert result.exit_code == 0, result.output
    assert _account_names(f"sqlite:///{out}") == ["committed"]
    with closing(sqlite3.connect(out)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_backup_when_out_exists_then_refused_without_force(tmp_path: Path) -> None:
    url = _migrated(tmp_path)
    out = tmp_path / "exists.db"
    out.write_bytes(b"keep me")

    refused = runner.invoke(db_app, ["backup", "--out", str(out), "--url", url])
    forced = runner.invoke(db_app, ["backup", "--out", str(out), "--url", url, "--force"])

    assert refused.exit_code == 2
    assert "--force" in refused.stderr
    assert forced.exit_code == 0, forced.output


def test_restore_when_target_not_empty_then_refused_unless_forced(tmp_path: Path) -> None:
    source = _migrated(tmp_path, "source.db")
    _seed(source, "from-backup")
    backup = tmp_path / "b.db"
    assert runner.invoke(db_app, ["backup", "--out", str(backup), "--url", source]).exit_code == 0
    target = _migrated(tmp_path, "target.db")
    _seed(target, "already-here")

    refused = runner.invoke(db_app, ["restore", str(backup), "--url", target])
    assert refused.exit_code == 2
    assert "not empty" in refused.stderr
    assert _account_names(target) == ["already-here"]

    forced = runner.invoke(db_app, ["restore", str(backup), "--url", target, "--force"])
    assert forced.exit_code == 0, forced.output
    assert _account_names(target) == ["from-backup"]


def test_restore_when_target_missing_then_created_from_backup(tmp_path: Path) -> None:
    source = _migrated(tmp_path, "source.db")
    _seed(source, "restored")
    backup = tmp_path / "b.db"
    runner.invoke(db_app, ["backup", "--out", str(backup), "--url", source])
    target = f"sqlite:///{tmp_path / 'fresh' / 'new.db'}"

    result = runner.invoke(db_app, ["restore", str(backup), "--url", target])

    assert result.exit_code == 0, result.output
    assert _account_names(target) == ["restored"]


def test_restore_when_file_is_not_sqlite_then_exit_2(tmp_path: Path) -> None:
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not a database" * 100)

    result = runner.invoke(
        db_app, ["restore", str(junk), "--url", f"sqlite:///{tmp_path / 't.db'}"]
    )

    assert result.exit_code == 2
    assert "not a readable SQLite database" in result.stderr


@pytest.mark.parametrize(
    ("args", "tool"),
    [(["backup", "--out", "x.dump"], "pg_dump"), (["restore", "x.dump"], "pg_restore")],
)
def test_backup_restore_when_postgres_then_prints_command_without_password_and_exit_2(
    args: list[str], tool: str
) -> None:
    url = f"postgresql://bot:{PASSWORD}@db.internal:5432/trade?sslmode=require"

    result = runner.invoke(db_app, [*args, "--url", url])

    assert result.exit_code == 2
    assert result.stdout.startswith(f"{tool} ")
    assert "postgresql://bot@db.internal:5432/trade?sslmode=require" in result.stdout
    assert PASSWORD not in result.output


@pytest.mark.parametrize(
    "url",
    [f"mysql://root:{PASSWORD}@db/x", f"postgresql://bot:{PASSWORD}@127.0.0.1:1/x"],
)
def test_upgrade_when_url_bad_or_unreachable_then_exit_2_without_password(url: str) -> None:
    result = runner.invoke(db_app, ["upgrade", "--url", url])

    assert result.exit_code == 2
    assert result.stderr.startswith("error: ")
    assert PASSWORD not in result.output
