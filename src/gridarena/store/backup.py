"""Online backup and restore of SQLite databases; Postgres gets the pg_dump command to run."""

from __future__ import annotations

import os
import shlex
import sqlite3
from contextlib import closing
from pathlib import Path

from sqlalchemy.engine import URL, make_url

from gridarena.store.engine import SQLITE_BUSY_TIMEOUT_MS, normalize_url

__all__ = [
    "backup_sqlite",
    "is_sqlite",
    "pg_dump_command",
    "pg_restore_command",
    "restore_sqlite",
    "sqlite_path",
]


def is_sqlite(url: str) -> bool:
    """Return True when ``url`` names a SQLite database."""
    return make_url(normalize_url(url)).get_backend_name() == "sqlite"


def sqlite_path(url: str) -> Path:
    """Return the file of a SQLite URL; raise ValueError for Postgres or in-memory URLs."""
    parsed = make_url(normalize_url(url))
    if parsed.get_backend_name() != "sqlite":
        raise ValueError("not a SQLite URL")
    if not parsed.database or parsed.database == ":memory:":
        raise ValueError("an in-memory SQLite database has no file to back up or restore")
    return Path(parsed.database)


def _connect(path: Path, *, must_exist: bool) -> sqlite3.Connection:
    # mode=rw refuses to create a missing file; timeout is the busy wait in seconds.
    mode = "rw" if must_exist else "rwc"
    uri = f"{path.resolve().as_uri()}?mode={mode}"
    return sqlite3.connect(uri, uri=True, timeout=SQLITE_BUSY_TIMEOUT_MS / 1000)


def _check_database(path: Path) -> None:
    try:
        with closing(_connect(path, must_exist=True)) as conn:
            result = conn.execute("PRAGMA quick_check").fetchone()
    except sqlite3.DatabaseError as exc:
        raise ValueError(f"{path} is not a readable SQLite database: {exc}") from None
    if result is None or result[0] != "ok":
        raise ValueError(f"{path} failed the SQLite integrity check: {result}")


def _table_count(path: Path) -> int:
    with closing(_connect(path, must_exist=True)) as conn:
        row = conn.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()
    return int(row[0]) if row else 0


def _copy(source: Path, target: Path) -> None:
    """Copy ``source`` into ``target`` page by page with SQLite's online backup API."""
    with (
        closing(_connect(source, must_exist=True)) as src,
        closing(_connect(target, must_exist=False)) as dst,
    ):
        # The backup API reads a consistent snapshot even while other connections write.
        src.backup(dst)


def backup_sqlite(url: str, out: Path, *, force: bool = False) -> Path:
    """Write a consistent copy of the SQLite database at ``url`` to ``out`` and check it.

    Safe while the database is in use. The copy goes to a temporary file that replaces
    ``out`` only once complete; an existing ``out`` is refused unless ``force``.
    """
    source = sqlite_path(url)
    if not source.is_file():
        raise ValueError(f"database file {source} does not exist")
    if out.exists() and not force:
        raise ValueError(f"{out} exists; pass --force to overwrite it")
    if out.resolve() == source.resolve():
        raise ValueError("the backup file must differ from the database file")
    tmp = out.with_name(f".{out.name}.partial")
    tmp.unlink(missing_ok=True)
    try:
        _copy(source, tmp)
        _check_database(tmp)
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    return out


def restore_sqlite(backup: Path, url: str, *, force: bool = False) -> Path:
    """Copy the SQLite ``backup`` file into the database at ``url``.

    Refuse a file that is not a sound SQLite database, and a target that already holds
    tables unless ``force``. Stop the writers of the target first.
    """
    if not backup.is_file():
        raise ValueError(f"backup file {backup} does not exist")
    _check_database(backup)
    target = sqlite_path(url)
    if target.exists() and target.resolve() == backup.resolve():
        raise ValueError("the backup file and the target database are the same file")
    if target.exists() and target.stat().st_size > 0 and not force:
        tables = _table_count(target)
        if tables:
            raise ValueError(
                f"target {target} is not empty ({tables} tables); pass --force to overwrite it"
            )
    target.parent.mkdir(parents=True, exist_ok=True)
    _copy(backup, target)
    return target


def _libpq_url(url: str) -> str:
    parsed = make_url(normalize_url(url))
    # URL.set() ignores None, so build a new URL without the password.
    bare = URL.create(
        "postgresql",
        username=parsed.username,
        host=parsed.host,
        port=parsed.port,
        database=parsed.database,
        query=parsed.query,
    )
    return bare.render_as_string(hide_password=False)


def pg_dump_command(url: str, out: Path) -> str:
    """Return the pg_dump command that backs up the Postgres database at ``url``.

    The password is left out; pg_dump reads it from PGPASSWORD or ~/.pgpass.
    """
    args = ["pg_dump", "--format=custom", "--no-owner", f"--file={out}", _libpq_url(url)]
    return shlex.join(args)


def pg_restore_command(url: str, backup: Path) -> str:
    """Return the pg_restore command that loads ``backup`` into the database at ``url``."""
    args = ["pg_restore", "--clean", "--if-exists", "--no-owner", f"--dbname={_libpq_url(url)}"]
    return shlex.join([*args, str(backup)])
