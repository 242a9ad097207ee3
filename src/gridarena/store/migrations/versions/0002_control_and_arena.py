"""Control, security and arena tables: kill switches, API keys, wallet nonces, seasons,
market snapshots, and the season of each LLM decision.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.sql.schema import SchemaItem
from sqlalchemy.types import TypeEngine

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_TS = sa.DateTime(timezone=True)
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
INT = sa.Integer()
TABLES = ("kill_switches", "api_keys", "auth_nonces", "seasons", "market_snapshots")


def _req(name: str, type_: TypeEngine[Any]) -> sa.Column[Any]:
    return sa.Column(name, type_, nullable=False)


def _opt(name: str, type_: TypeEngine[Any]) -> sa.Column[Any]:
    return sa.Column(name, type_, nullable=True)


def _table(name: str, id_type: TypeEngine[Any], *items: SchemaItem) -> None:
    pk = sa.PrimaryKeyConstraint("id", name=f"pk_{name}")
    op.create_table(name, _req("id", id_type), *items, pk)


def _unique(table: str, *columns: str) -> sa.UniqueConstraint:
    return sa.UniqueConstraint(*columns, name=f"uq_{table}_{'_'.join(columns)}")


# fmt: off
def upgrade() -> None:
    """Create the new tables and add ``llm_decisions.season_id``."""
    t = "kill_switches"
    _table(t, INT, _req("scope", sa.String(96)), _req("active", sa.Boolean()),
           _req("cancel_all", sa.Boolean()), _opt("reason", sa.String(256)),
           _opt("changed_by", sa.String(128)), _req("changed_at", UTC_TS), _unique(t, "scope"))
    t = "api_keys"
    _table(t, INT, _req("name", sa.String(64)), _req("prefix", sa.String(32)),
           _req("key_hash", sa.String(128)), _req("scopes", sa.String(64)),
           _req("created_at", UTC_TS), _opt("last_used_at", UTC_TS), _opt("revoked_at", UTC_TS),
           _unique(t, "prefix"))
    t = "auth_nonces"
    _table(t, BIG_ID, _req("address", sa.String(64)), _req("nonce", sa.String(128)),
           _req("used_at", UTC_TS), _unique(t, "address", "nonce"))
    t = "seasons"
    op.create_table(
        t, _req("id", sa.String(64)), _req("seed", INT), _req("mode", sa.String(16)),
        _req("config", sa.JSON()), _req("started_at", UTC_TS), _opt("ended_at", UTC_TS),
        _opt("leaderboard", sa.JSON()), sa.PrimaryKeyConstraint("id", name=f"pk_{t}"),
    )
    t = "market_snapshots"
    _table(t, BIG_ID, _req("hash", sa.String(64)), _opt("season_id", sa.String(64)),
           _req("symbol", sa.String(32)), _req("ts", UTC_TS), _req("payload", sa.JSON()),
           sa.ForeignKeyConstraint(["season_id"], ["seasons.id"],
                                   name="fk_market_snapshots_season_id_seasons"),
           _unique(t, "hash"))
    op.create_index("ix_market_snapshots_season_id", t, ["season_id"])
    op.create_index("ix_market_snapshots_symbol_ts", t, ["symbol", "ts"])
    with op.batch_alter_table("llm_decisions") as batch:
        batch.add_column(_opt("season_id", sa.String(64)))
        batch.create_foreign_key("fk_llm_decisions_season_id_seasons", "seasons",
                                 ["season_id"], ["id"])
        batch.create_index("ix_llm_decisions_season_id", ["season_id"])
# fmt: on


def downgrade() -> None:
    """Drop ``llm_decisions.season_id`` and the new tables."""
    with op.batch_alter_table("llm_decisions") as batch:
        batch.drop_index("ix_llm_decisions_season_id")
        batch.drop_constraint("fk_llm_decisions_season_id_seasons", type_="foreignkey")
        batch.drop_column("season_id")
    for table in reversed(TABLES):
        op.drop_table(table)
