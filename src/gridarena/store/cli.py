"""`gridarena db ...`: migrate, inspect, back up and restore the database.

The URL comes from ``--url``, else ``DATABASE_URL`` (through ``load_settings``), else the
default ``sqlite:///gridarena.db``. Every failure prints one line and exits 2; no message
ever shows the URL's password.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

__all__ = ["db_app"]

db_app = typer.Typer(
    name="db",
    help="Database: migrate, show the revision, back up and restore.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

UrlOpt = Annotated[
    str | None,
    typer.Option(
        "--url",
        help="Database URL (default: DATABASE_URL, else sqlite:///gridarena.db).",
        show_default=False,
    ),
]
ForceOpt = Annotated[bool, typer.Option("--force", help="Overwrite an existing target.")]


def _hide_password(message: str, url: str | None) -> str:
    from sqlalchemy.engine import make_url

    from gridarena.obs.logging import scrub_text
    from gridarena.store.engine import normalize_url

    if url:
        try:
            password = make_url(normalize_url(url)).password
        except Exception:  # an unparsable URL: fall back to the pattern scrub below
            password = None
        if password:
            message = message.replace(str(password), "***")
    return scrub_text(message)


def _fail(message: str, url: str | None) -> typer.Exit:
    typer.echo(f"error: {_hide_password(message, url)}", err=True)
    return typer.Exit(code=2)


def _resolve_url(url: str | None) -> str:
    if url:
        return url
    from gridarena.config import ConfigError, load_settings

    try:
        return load_settings().database_url.get_secret_value()
    except ConfigError as exc:
        raise _fail(str(exc), None) from None


@contextmanager
def _errors(url: str) -> Iterator[None]:
    """Turn expected failures into one masked line on stderr and exit 2."""
    from alembic.util import CommandError
    from sqlalchemy.exc import DBAPIError, SQLAlchemyError

    try:
        yield
    except DBAPIError as exc:
        first = str(exc.orig).strip().splitlines()[0] if str(exc.orig).strip() else "error"
        raise _fail(f"database error: {first}", url) from None
    except (ValueError, OSError, CommandError, SQLAlchemyError) as exc:
        raise _fail(str(exc), url) from None


@db_app.command("upgrade")
def upgrade_command(
    url: UrlOpt = None,
    revision: Annotated[str, typer.Option(help="Target revision.")] = "head",
) -> None:
    """Migrate the database to the newest schema (or to --revision)."""
    from gridarena.store.engine import display_url
    from gridarena.store.migrate import current_revision, upgrade

    target = _resolve_url(url)
    with _errors(target):
        upgrade(target, revision)
        reached = current_revision(target)
        typer.echo(f"{display_url(target)}: at revision {reached}")


@db_app.command("current")
def current_command(url: UrlOpt = None) -> None:
    """Show the database's schema revision and whether it is the newest."""
    from gridarena.store.engine import display_url
    from gridarena.store.migrate import current_revision, head_revision

    target = _resolve_url(url)
    with _errors(target):
        current = current_revision(target)
        head = head_revision()
        state = "head" if current == head else f"behind head {head}; run `gridarena db upgrade`"
        shown = current if current is not None else "none (never migrated)"
        typer.echo(f"{display_url(target)}: {shown} ({state})")


@db_app.command("backup")
def backup_command(
    out: Annotated[Path, typer.Option("--out", help="Backup file to write.")],
    url: UrlOpt = None,
    force: ForceOpt = False,
) -> None:
    """Copy a SQLite database consistently while it is in use; for Postgres, print pg_dump."""
    from gridarena.store.backup import backup_sqlite, is_sqlite, pg_dump_command

    target = _resolve_url(url)
    with _errors(target):
        if not is_sqlite(target):
            typer.echo(pg_dump_command(target, out))
            raise _fail("Postgres is backed up with pg_dump: run the command above", target)
        written = backup_sqlite(target, out, force=force)
        typer.echo(f"backup written to {written} ({written.stat().st_size} bytes)")


@db_app.command("restore")
def restore_command(
    backup: Annotated[Path, typer.Argument(help="Backup file made by `gridarena db backup`.")],
    url: UrlOpt = None,
    force: ForceOpt = False,
) -> None:
    """Restore a SQLite backup into the database; refuses a non-empty target without --force."""
    from gridarena.store.backup import is_sqlite, pg_restore_command, restore_sqlite

    target = _resolve_url(url)
    with _errors(target):
        if not is_sqlite(target):
            typer.echo(pg_restore_command(target, backup))
            raise _fail("Postgres is restored with pg_restore: run the command above", target)
        restored = restore_sqlite(backup, target, force=force)
        typer.echo(f"restored {backup} into {restored}")
