"""Run the packaged Alembic migrations from code (used by the CLI, the app and the tests)."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from gridarena.store.engine import make_engine, normalize_url

__all__ = ["alembic_config", "current_revision", "downgrade", "head_revision", "upgrade"]

# A package resource path works from a source checkout and from an installed wheel alike.
SCRIPT_LOCATION = "gridarena.store:migrations"


def alembic_config(url: str | None = None) -> Config:
    """Return an Alembic Config for the packaged migrations, optionally with a URL."""
    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    if url is not None:
        # ConfigParser treats % as interpolation; a password may contain one.
        config.set_main_option("sqlalchemy.url", normalize_url(url).replace("%", "%%"))
    return config


def head_revision() -> str:
    """Return the newest revision id of the packaged migrations."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:
        raise RuntimeError("the packaged migrations have no head revision")
    return head


def _run(url: str, action: str, revision: str) -> None:
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            config = alembic_config()
            config.attributes["connection"] = connection
            getattr(command, action)(config, revision)
    finally:
        engine.dispose()


def upgrade(url: str, revision: str = "head") -> None:
    """Migrate the database at ``url`` up to ``revision`` (default: the newest)."""
    _run(url, "upgrade", revision)


def downgrade(url: str, revision: str) -> None:
    """Migrate the database at ``url`` down to ``revision`` (``base`` empties it)."""
    _run(url, "downgrade", revision)


def current_revision(url: str) -> str | None:
    """Return the revision the database at ``url`` is at, or None when never migrated."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()
