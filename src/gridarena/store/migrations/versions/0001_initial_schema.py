"""Initial schema: every gridarena table.

Types are spelled out here rather than imported from the package, so this revision keeps
creating the same schema whatever ``gridarena.store.types`` becomes later. Constraint and
index names follow the models' naming convention (``store/models/base.py``).

Revision ID: 0001
Revises:
Create Date: 2026-11-21
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.sql.schema import SchemaItem
from sqlalchemy.types import TypeEngine

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Money: exact NUMERIC on Postgres, canonical decimal text on SQLite (see store/types.py).
MONEY = sa.Numeric(38, 18).with_variant(sa.String(64), "sqlite")
UTC_TS = sa.DateTime(timezone=True)
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
INT = sa.Integer()
SYMBOL = sa.String(32)
ORDER_STATUSES = (
    "INTENT",
    "SENT",
    "ACKNOWLEDGED",
    "PARTIALLY_FILLED",
    "FILLED",
    "CANCELED",
    "REJECTED",
    "EXPIRED",
    "UNKNOWN",
)
ORDER_TYPES = ("LIMIT", "MARKET", "STOP", "STOP_MARKET", "TAKE_PROFIT", "TAKE_PROFIT_MARKET")
PROVIDER_KINDS = ("rule", "openai", "anthropic", "xai", "deepseek", "local")
ACCOUNT_STATES = ("ACTIVE", "REDUCING", "HALTED")

TABLES = (
    "providers",
    "accounts",
    "account_state_changes",
    "grid_configs",
    "grid_sessions",
    "orders",
    "order_transitions",
    "fills",
    "positions",
    "balances",
    "pnl_snapshots",
    "metrics",
    "llm_decisions",
    "price_history",
    "risk_events",
    "audit_log",
)


def _enum(name: str, values: Sequence[str]) -> sa.Enum:
    """Return a portable enum: VARCHAR(32) with a named CHECK constraint."""
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=32)


def _req(name: str, type_: TypeEngine[Any]) -> sa.Column[Any]:
    return sa.Column(name, type_, nullable=False)


def _opt(name: str, type_: TypeEngine[Any]) -> sa.Column[Any]:
    return sa.Column(name, type_, nullable=True)


def _fk(table: str, column: str, target: str, key: str = "id") -> sa.ForeignKeyConstraint:
    name = f"fk_{table}_{column}_{target}"
    return sa.ForeignKeyConstraint([column], [f"{target}.{key}"], name=name)


def _unique(table: str, *columns: str) -> sa.UniqueConstraint:
    return sa.UniqueConstraint(*columns, name=f"uq_{table}_{'_'.join(columns)}")


def _table(name: str, id_type: TypeEngine[Any], *items: SchemaItem) -> None:
    pk = sa.PrimaryKeyConstraint("id", name=f"pk_{name}")
    op.create_table(name, _req("id", id_type), *items, pk)


def _index(table: str, *columns: str) -> None:
    op.create_index(f"ix_{table}_{'_'.join(columns)}", table, list(columns))


# Tables read as tables: one line per few columns, so the formatter is paused here.
# fmt: off
def _accounts_and_grid() -> None:
    t = "providers"
    _table(t, INT, _req("name", sa.String(64)),
           _req("kind", _enum("provider_kind", PROVIDER_KINDS)), _opt("model", sa.String(128)),
           _opt("base_url", sa.String(512)), _opt("api_key_env", sa.String(128)),
           _req("created_at", UTC_TS), _unique(t, "name"))
    t = "accounts"
    _table(t, INT, _req("name", sa.String(64)), _req("provider_id", INT),
           _req("venue", sa.String(32)), _opt("sub_account_ref", sa.String(128)),
           _req("starting_balance", MONEY), _req("state", _enum("account_state", ACCOUNT_STATES)),
           _req("created_at", UTC_TS), _fk(t, "provider_id", "providers"), _unique(t, "name"))
    _index(t, "provider_id")
    t = "account_state_changes"
    _table(t, INT, _req("account_id", INT), _req("state", _enum("account_state", ACCOUNT_STATES)),
           _req("reason_code", sa.String(64)), _req("at", UTC_TS), _fk(t, "account_id", "accounts"))
    _index(t, "account_id")
    t = "grid_configs"
    _table(t, INT, _req("account_id", INT), _req("symbol", SYMBOL), _req("version", INT),
           _req("spec", sa.JSON()), _req("created_at", UTC_TS), _fk(t, "account_id", "accounts"),
           _unique(t, "account_id", "symbol", "version"))
    t = "grid_sessions"
    op.create_table(
        t, _req("id", sa.String(64)), _req("account_id", INT), _req("config_id", INT),
        _req("symbol", SYMBOL),
        _req("status", _enum("session_status", ("RUNNING", "PAUSED", "STOPPED"))),
        _req("started_at", UTC_TS), _opt("stopped_at", UTC_TS), _opt("stop_reason", sa.String(256)),
        _opt("lease_owner", sa.String(128)), _opt("lease_expires_at", UTC_TS),
        _fk(t, "account_id", "accounts"), _fk(t, "config_id", "grid_configs"),
        sa.PrimaryKeyConstraint("id", name=f"pk_{t}"),
    )
    _index(t, "account_id")
    _index(t, "config_id")


def _orders() -> None:
    t = "orders"
    _table(t, BIG_ID, _req("account_id", INT), _opt("session_id", sa.String(64)),
           _req("client_order_id", sa.String(64)), _opt("slot", INT), _opt("cycle", INT),
           _req("symbol", SYMBOL), _req("side", _enum("side", ("BUY", "SELL"))),
           _req("type", _enum("order_type", ORDER_TYPES)), _opt("price", MONEY), _req("qty", MONEY),
           _req("status", _enum("order_status", ORDER_STATUSES)),
           _opt("venue_order_id", sa.String(64)), _req("filled_qty", MONEY),
           _opt("avg_fill_price", MONEY), _req("reduce_only", sa.Boolean()),
           _req("post_only", sa.Boolean()), _req("created_at", UTC_TS), _req("updated_at", UTC_TS),
           _fk(t, "account_id", "accounts"), _fk(t, "session_id", "grid_sessions"),
           _unique(t, "account_id", "client_order_id"))
    _index(t, "created_at")
    _index(t, "account_id", "status")
    _index(t, "session_id", "status")
    t = "order_transitions"
    _table(t, BIG_ID, _req("order_id", BIG_ID),
           _opt("from_status", _enum("from_status", ORDER_STATUSES)),
           _req("to_status", _enum("to_status", ORDER_STATUSES)), _req("at", UTC_TS),
           _opt("reason", sa.Text()), _opt("payload", sa.JSON()), _fk(t, "order_id", "orders"))
    _index(t, "order_id")
    t = "fills"
    _table(t, BIG_ID, _req("account_id", INT), _opt("order_id", BIG_ID),
           _opt("client_order_id", sa.String(64)), _req("trade_id", sa.String(64)),
           _req("symbol", SYMBOL), _req("side", _enum("side", ("BUY", "SELL"))),
           _req("price", MONEY), _req("qty", MONEY), _req("fee", MONEY),
           _req("fee_asset", sa.String(16)), _req("realized_pnl", MONEY),
           _req("liquidity", _enum("liquidity", ("MAKER", "TAKER"))),
           _req("ts", UTC_TS), _opt("candle_index", INT), _fk(t, "account_id", "accounts"),
           _fk(t, "order_id", "orders"), _unique(t, "account_id", "trade_id"))
    _index(t, "account_id", "ts")
    _index(t, "order_id")


def _ledger() -> None:
    t = "positions"
    _table(t, INT, _req("account_id", INT), _req("symbol", SYMBOL), _req("qty", MONEY),
           _req("entry_price", MONEY), _req("leverage", MONEY),
           _req("margin_mode", _enum("margin_mode", ("CROSS", "ISOLATED"))),
           _opt("liquidation_price", MONEY), _req("unrealized", MONEY), _req("updated_at", UTC_TS),
           _fk(t, "account_id", "accounts"), _unique(t, "account_id", "symbol"))
    t = "balances"
    _table(t, INT, _req("account_id", INT), _req("asset", sa.String(16)), _req("wallet", MONEY),
           _req("available", MONEY), _req("updated_at", UTC_TS), _fk(t, "account_id", "accounts"),
           _unique(t, "account_id", "asset"))
    t = "pnl_snapshots"
    _table(t, BIG_ID, _req("account_id", INT), _req("ts", UTC_TS), _req("equity", MONEY),
           _req("realized", MONEY), _req("unrealized", MONEY), _req("fees", MONEY),
           _req("funding", MONEY), _fk(t, "account_id", "accounts"))
    _index(t, "account_id", "ts")


def _telemetry() -> None:
    t = "metrics"
    _table(t, BIG_ID, _opt("account_id", INT), _opt("model", sa.String(128)),
           _opt("symbol", SYMBOL), _req("ts", UTC_TS), _req("name", sa.String(64)),
           _req("value", sa.Double()), _fk(t, "account_id", "accounts"))
    _index(t, "account_id")
    _index(t, "model", "symbol", "ts")
    t = "llm_decisions"
    _table(t, BIG_ID, _req("account_id", INT), _req("provider_id", INT),
           _opt("model", sa.String(128)), _req("symbol", SYMBOL),
           _opt("snapshot_hash", sa.String(128)), _req("prompt", sa.Text()),
           _opt("raw_response", sa.Text()), _opt("parsed", sa.JSON()), _req("kind", sa.String(32)),
           _opt("latency_ms", INT), _opt("tokens_in", INT), _opt("tokens_out", INT),
           _opt("cost", MONEY), _opt("error", sa.Text()), _req("created_at", UTC_TS),
           _fk(t, "account_id", "accounts"), _fk(t, "provider_id", "providers"))
    _index(t, "account_id", "created_at")
    _index(t, "provider_id")
    t = "price_history"
    _table(t, BIG_ID, _req("symbol", SYMBOL), _req("ts", UTC_TS), _opt("open", MONEY),
           _opt("high", MONEY), _opt("low", MONEY), _req("close", MONEY), _opt("volume", MONEY),
           _unique(t, "symbol", "ts"))
    t = "risk_events"
    _table(t, BIG_ID, _req("account_id", INT), _opt("session_id", sa.String(64)),
           _req("ts", UTC_TS), _req("kind", sa.String(32)), _req("reason_code", sa.String(64)),
           _opt("requested", sa.JSON()), _opt("approved", sa.JSON()), _opt("detail", sa.Text()),
           _fk(t, "account_id", "accounts"), _fk(t, "session_id", "grid_sessions"))
    _index(t, "account_id", "ts")
    t = "audit_log"
    _table(t, BIG_ID, _req("ts", UTC_TS), _req("actor", sa.String(128)),
           _req("method", sa.String(16)), _req("path", sa.String(512)), _req("status", INT),
           _opt("request_id", sa.String(64)), _opt("summary", sa.JSON()))
    _index(t, "ts")


# fmt: on


def upgrade() -> None:
    """Create every table, its constraints and its indexes."""
    _accounts_and_grid()
    _orders()
    _ledger()
    _telemetry()


def downgrade() -> None:
    """Drop every table (their indexes and constraints go with them)."""
    for table in reversed(TABLES):
        op.drop_table(table)
