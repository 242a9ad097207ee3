"""`gridarena keys ...` (create, list, revoke API keys) and `gridarena serve` (run the API).

The database URL comes from ``--db``, else ``DATABASE_URL`` (through ``load_settings``), else
``sqlite:///gridarena.db``. A new key is printed once and never again; only its SHA-256
hash and public prefix are stored. No message shows a URL's password.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker
    from starlette.types import ASGIApp

__all__ = ["keys_app", "run_app", "serve"]

keys_app = typer.Typer(
    name="keys",
    help="API keys: create (shown once), list, revoke.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

DbOpt = Annotated[
    str | None,
    typer.Option(
        "--db",
        "--url",
        help="Database URL (default: DATABASE_URL, else sqlite:///gridarena.db).",
        show_default=False,
    ),
]


def _fail(message: str) -> typer.Exit:
    from gridarena.obs.logging import scrub_text

    typer.echo(f"error: {scrub_text(message)}", err=True)
    return typer.Exit(code=2)


def _resolve_db(url: str | None) -> str:
    if url:
        return url
    from gridarena.config import ConfigError, load_settings

    try:
        return load_settings().database_url.get_secret_value()
    except ConfigError as exc:
        raise _fail(str(exc)) from None


@contextmanager
def _store(url: str | None) -> Iterator[sessionmaker[Session]]:
    """Yield a session factory on the database; turn store failures into one line, exit 2."""
    from sqlalchemy.exc import DBAPIError, SQLAlchemyError

    from gridarena.store.engine import make_engine, session_factory

    target = _resolve_db(url)
    try:
        engine = make_engine(target)
    except ValueError as exc:
        raise _fail(str(exc)) from None
    try:
        yield session_factory(engine)
    except DBAPIError as exc:
        first = (str(exc.orig).strip().splitlines() or ["error"])[0]
        raise _fail(f"database error: {first} (is it migrated? `gridarena db upgrade`)") from None
    except SQLAlchemyError as exc:
        raise _fail(str(exc)) from None
    finally:
        engine.dispose()


@keys_app.command("create")
def create_command(
    scope: Annotated[
        str, typer.Option("--scope", help="read, trade or admin (admin ⊇ trade ⊇ read).")
    ] = "read",
    name: Annotated[str, typer.Option("--name", help="A label for the key.")] = "default",
    db: DbOpt = None,
) -> None:
    """Create a key and print it once (store it now: it cannot be shown again)."""
    from gridarena.api.keys import Scope, create_key
    from gridarena.store.engine import transaction

    if scope not in {s.value for s in Scope}:
        raise _fail(f"--scope must be read, trade or admin, not {scope!r}")
    if not 1 <= len(name) <= 64:
        raise _fail("--name must be 1 to 64 characters")
    with _store(db) as factory, transaction(factory) as session:
        created = create_key(session, name=name, scope=scope)
    scopes = ",".join(sorted(created.scopes))
    typer.echo(created.key)
    typer.echo(f"prefix {created.prefix}  name {created.name}  scopes {scopes}", err=True)
    typer.echo("store this key now: it is shown once and only its hash is kept", err=True)


@keys_app.command("list")
def list_command(
    db: DbOpt = None,
    active: Annotated[bool, typer.Option("--active", help="Hide revoked keys.")] = False,
) -> None:
    """List keys: prefix, name, scopes, created, last used, revoked (never the key)."""
    from gridarena.store.repo.keys import list_api_keys

    with _store(db) as factory, factory() as session:
        rows = list_api_keys(session, include_revoked=not active)
    if not rows:
        typer.echo("no API keys")
        return
    typer.echo(f"{'PREFIX':<14}{'NAME':<20}{'SCOPES':<18}{'CREATED':<22}{'LAST USED':<22}REVOKED")
    for row in rows:
        typer.echo(
            f"{row.prefix:<14}{row.name[:19]:<20}{row.scopes:<18}"
            f"{_when(row.created_at):<22}{_when(row.last_used_at):<22}{_when(row.revoked_at)}"
        )


def _when(value: object) -> str:
    from datetime import datetime

    return value.strftime("%Y-%m-%d %H:%M:%S") if isinstance(value, datetime) else "-"


@keys_app.command("revoke")
def revoke_command(
    prefix: Annotated[str, typer.Argument(help="The key's public prefix (from `keys list`).")],
    db: DbOpt = None,
) -> None:
    """Revoke a key: it stops working at once (cached verifications within seconds)."""
    from gridarena.store.engine import transaction
    from gridarena.store.errors import RecordNotFound
    from gridarena.store.repo.keys import revoke_api_key

    with _store(db) as factory:
        try:
            with transaction(factory) as session:
                row = revoke_api_key(session, prefix=prefix)
        except RecordNotFound:
            raise _fail(f"no API key with prefix {prefix!r}") from None
    typer.echo(f"revoked {row.prefix} ({row.name})")


def serve(
    host: Annotated[
        str | None, typer.Option(help="Bind address (default: api.host, 127.0.0.1).")
    ] = None,
    port: Annotated[int | None, typer.Option(help="Port (default: api.port, 8000).")] = None,
    db: DbOpt = None,
    log_level: Annotated[
        str | None, typer.Option("--log-level", help="DEBUG, INFO, WARNING... (default: config).")
    ] = None,
    json_logs: Annotated[
        bool | None, typer.Option("--json-logs/--console-logs", help="Log format.")
    ] = None,
    migrate: Annotated[
        bool, typer.Option("--migrate", help="Upgrade the database schema before serving.")
    ] = False,
) -> None:
    """Serve the HTTP API (read-only: no engine is attached; see `gridarena up`)."""
    from gridarena.api.app import create_app
    from gridarena.config import ConfigError, load_settings
    from gridarena.obs.logging import configure_logging, register_secrets
    from gridarena.store.engine import display_url

    try:
        settings = load_settings()
    except ConfigError as exc:
        raise _fail(str(exc)) from None
    register_secrets(settings.secret_values())
    configure_logging(
        json=settings.logging.json_output if json_logs is None else json_logs,
        level=log_level or settings.logging.level,
    )
    url = _resolve_db(db) if db else settings.database_url.get_secret_value()
    if migrate:
        from gridarena.store.migrate import upgrade

        try:
            upgrade(url)
        except Exception as exc:
            raise _fail(f"migration failed: {type(exc).__name__}") from None
    app = create_app(settings=settings, store_url=url)
    bind_host = host or settings.api.host
    bind_port = port or settings.api.port
    typer.echo(f"gridarena API on http://{bind_host}:{bind_port} (store {display_url(url)})")
    run_app(app, host=bind_host, port=bind_port)


def run_app(app: ASGIApp, *, host: str, port: int, log_level: str = "info") -> None:
    """Serve ``app`` with uvicorn the way ``gridarena serve`` does (also used by the bench).

    The objects alive after start-up (modules, models, the app) are frozen out of the
    garbage collector's reach: a full collection then scans only what requests allocate,
    instead of pausing every request for the whole heap (tens of milliseconds at p99).
    """
    import gc

    import uvicorn

    gc.collect()
    gc.freeze()
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_level=log_level,
        log_config=None,  # our structlog handlers render uvicorn's records too
        access_log=False,  # the API's own access log masks what must be masked
        proxy_headers=True,
        server_header=False,
    )
