"""gridarena.store: the system of record (SQLAlchemy 2 on SQLite or Postgres, Alembic).

* ``make_engine(url)`` / ``session_factory(engine)`` / ``transaction(factory)``;
* ``upgrade(url)`` / ``current_revision(url)`` run the packaged migrations;
* ``gridarena.store.repo``: keyword-only repository functions over a Session;
* ``gridarena.store.models``: the tables; ``gridarena.store.types.Money`` keeps Decimals exact;
* ``gridarena.store.cli.db_app``: the ``gridarena db`` commands.

Models and repositories live in their subpackages and load only when imported.
"""

from gridarena.store.engine import (
    DEFAULT_DATABASE_URL,
    display_url,
    make_engine,
    normalize_url,
    session_factory,
    transaction,
)
from gridarena.store.enums import (
    AccountState,
    Liquidity,
    MarginMode,
    OrderStatus,
    OrderType,
    ProviderKind,
    SessionStatus,
)
from gridarena.store.errors import (
    DuplicateClientOrderId,
    IllegalTransition,
    RecordNotFound,
    StoreError,
)
from gridarena.store.migrate import current_revision, head_revision, upgrade

__all__ = [
    "DEFAULT_DATABASE_URL",
    "AccountState",
    "DuplicateClientOrderId",
    "IllegalTransition",
    "Liquidity",
    "MarginMode",
    "OrderStatus",
    "OrderType",
    "ProviderKind",
    "RecordNotFound",
    "SessionStatus",
    "StoreError",
    "current_revision",
    "display_url",
    "head_revision",
    "make_engine",
    "normalize_url",
    "session_factory",
    "transaction",
    "upgrade",
]
