"""Orders, their status history and the fills they received."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from gridarena.domain.types import Side
from gridarena.store.enums import Liquidity, OrderStatus, OrderType
from gridarena.store.models.base import Base, JsonDict
from gridarena.store.types import BigId, enum_type

__all__ = ["Fill", "Order", "OrderTransition"]


class Order(Base):
    """An order, written as INTENT before any venue call (write-ahead)."""

    __tablename__ = "orders"
    __table_args__ = (
        UniqueConstraint("account_id", "client_order_id"),
        Index("ix_orders_created_at", "created_at"),
        Index("ix_orders_account_id_status", "account_id", "status"),
        Index("ix_orders_session_id_status", "session_id", "status"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    session_id: Mapped[str | None] = mapped_column(ForeignKey("grid_sessions.id"))
    client_order_id: Mapped[str] = mapped_column(String(64))
    slot: Mapped[int | None]
    cycle: Mapped[int | None]
    symbol: Mapped[str] = mapped_column(String(32))
    side: Mapped[Side] = mapped_column(enum_type(Side, name="side"))
    type: Mapped[OrderType] = mapped_column(enum_type(OrderType, name="order_type"))
    price: Mapped[Decimal | None]
    qty: Mapped[Decimal]
    status: Mapped[OrderStatus] = mapped_column(enum_type(OrderStatus, name="order_status"))
    venue_order_id: Mapped[str | None] = mapped_column(String(64))
    filled_qty: Mapped[Decimal]
    avg_fill_price: Mapped[Decimal | None]
    reduce_only: Mapped[bool]
    post_only: Mapped[bool]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class OrderTransition(Base):
    """One status change of an order; ``from_status`` is NULL for the INTENT row."""

    __tablename__ = "order_transitions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    order_id: Mapped[int] = mapped_column(BigId, ForeignKey("orders.id"), index=True)
    # Distinct enum names: they name the two CHECK constraints of this table.
    from_status: Mapped[OrderStatus | None] = mapped_column(
        enum_type(OrderStatus, name="from_status")
    )
    to_status: Mapped[OrderStatus] = mapped_column(enum_type(OrderStatus, name="to_status"))
    at: Mapped[datetime]
    reason: Mapped[str | None] = mapped_column(Text)
    payload: Mapped[JsonDict | None]


class Fill(Base):
    """A trade execution; ``trade_id`` is unique per account, which makes recording idempotent."""

    __tablename__ = "fills"
    __table_args__ = (
        UniqueConstraint("account_id", "trade_id"),
        Index("ix_fills_account_id_ts", "account_id", "ts"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    order_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("orders.id"), index=True)
    client_order_id: Mapped[str | None] = mapped_column(String(64))
    trade_id: Mapped[str] = mapped_column(String(64))
    symbol: Mapped[str] = mapped_column(String(32))
    side: Mapped[Side] = mapped_column(enum_type(Side, name="side"))
    price: Mapped[Decimal]
    qty: Mapped[Decimal]
    fee: Mapped[Decimal]
    fee_asset: Mapped[str] = mapped_column(String(16))
    liquidity: Mapped[Liquidity] = mapped_column(enum_type(Liquidity, name="liquidity"))
    realized_pnl: Mapped[Decimal]
    ts: Mapped[datetime]
    candle_index: Mapped[int | None]
