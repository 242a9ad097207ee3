"""Control and security state that must survive restarts: kill switches, API keys, nonces,
arena seasons and the market snapshots every provider was given."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from gridarena.store.models.base import Base, JsonDict
from gridarena.store.types import BigId

__all__ = ["ApiKey", "AuthNonce", "KillSwitch", "MarketSnapshotRow", "Season"]


class KillSwitch(Base):
    """A kill switch: ``scope`` is ``global``, ``provider:<name>`` or ``account:<name>``."""

    __tablename__ = "kill_switches"

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(96), unique=True)
    active: Mapped[bool]
    cancel_all: Mapped[bool]
    reason: Mapped[str | None] = mapped_column(String(256))
    changed_by: Mapped[str | None] = mapped_column(String(128))
    changed_at: Mapped[datetime]


class ApiKey(Base):
    """An API key: only its SHA-256 hash and a short public prefix are kept."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    prefix: Mapped[str] = mapped_column(String(32), unique=True)
    key_hash: Mapped[str] = mapped_column(String(128))
    scopes: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class AuthNonce(Base):
    """A wallet-signature nonce, stored once used so a signed message cannot be replayed."""

    __tablename__ = "auth_nonces"
    __table_args__ = (UniqueConstraint("address", "nonce"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    address: Mapped[str] = mapped_column(String(64))
    nonce: Mapped[str] = mapped_column(String(128))
    used_at: Mapped[datetime]


class Season(Base):
    """One arena run: its seed and configuration, so it can be replayed and re-scored."""

    __tablename__ = "seasons"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    seed: Mapped[int]
    mode: Mapped[str] = mapped_column(String(16))
    config: Mapped[JsonDict]
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    leaderboard: Mapped[JsonDict | None]


class MarketSnapshotRow(Base):
    """The market snapshot of one decision cycle and symbol, keyed by its content hash."""

    __tablename__ = "market_snapshots"
    __table_args__ = (Index("ix_market_snapshots_symbol_ts", "symbol", "ts"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    hash: Mapped[str] = mapped_column(String(64), unique=True)
    season_id: Mapped[str | None] = mapped_column(ForeignKey("seasons.id"), index=True)
    symbol: Mapped[str] = mapped_column(String(32))
    ts: Mapped[datetime]
    payload: Mapped[JsonDict]
