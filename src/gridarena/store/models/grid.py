"""Versioned grid configurations and the grid sessions that run them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from gridarena.store.enums import SessionStatus
from gridarena.store.models.base import Base, JsonDict
from gridarena.store.types import enum_type

__all__ = ["GridConfig", "GridSession"]


class GridConfig(Base):
    """One version of an account's grid spec for a symbol; versions are never edited."""

    __tablename__ = "grid_configs"
    __table_args__ = (UniqueConstraint("account_id", "symbol", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    symbol: Mapped[str] = mapped_column(String(32))
    version: Mapped[int]
    spec: Mapped[JsonDict]
    created_at: Mapped[datetime]


class GridSession(Base):
    """A run of one grid config; ``lease_*`` will hold the single-writer lease."""

    __tablename__ = "grid_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    config_id: Mapped[int] = mapped_column(ForeignKey("grid_configs.id"), index=True)
    symbol: Mapped[str] = mapped_column(String(32))
    status: Mapped[SessionStatus] = mapped_column(enum_type(SessionStatus, name="session_status"))
    started_at: Mapped[datetime]
    stopped_at: Mapped[datetime | None]
    stop_reason: Mapped[str | None] = mapped_column(String(256))
    lease_owner: Mapped[str | None] = mapped_column(String(128))
    lease_expires_at: Mapped[datetime | None]
