"""Positions, balances and PnL snapshots: the account's money as last seen."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from gridarena.store.enums import MarginMode
from gridarena.store.models.base import Base
from gridarena.store.types import BigId, enum_type

__all__ = ["Balance", "PnlSnapshot", "Position"]


class Position(Base):
    """The current position of an account in a symbol; ``qty`` is signed (short < 0)."""

    __tablename__ = "positions"
    __table_args__ = (UniqueConstraint("account_id", "symbol"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    symbol: Mapped[str] = mapped_column(String(32))
    qty: Mapped[Decimal]
    entry_price: Mapped[Decimal]
    leverage: Mapped[Decimal]
    margin_mode: Mapped[MarginMode] = mapped_column(enum_type(MarginMode, name="margin_mode"))
    liquidation_price: Mapped[Decimal | None]
    unrealized: Mapped[Decimal]
    updated_at: Mapped[datetime]


class Balance(Base):
    """The current balance of one asset in an account."""

    __tablename__ = "balances"
    __table_args__ = (UniqueConstraint("account_id", "asset"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    asset: Mapped[str] = mapped_column(String(16))
    wallet: Mapped[Decimal]
    available: Mapped[Decimal]
    updated_at: Mapped[datetime]


class PnlSnapshot(Base):
    """An account's equity and PnL components at one instant (the equity curve)."""

    __tablename__ = "pnl_snapshots"
    __table_args__ = (Index("ix_pnl_snapshots_account_id_ts", "account_id", "ts"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    ts: Mapped[datetime]
    equity: Mapped[Decimal]
    realized: Mapped[Decimal]
    unrealized: Mapped[Decimal]
    fees: Mapped[Decimal]
    funding: Mapped[Decimal]
