"""Positions and balances (one current row each, upserted) and PnL snapshots (appended)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridarena.store.enums import MarginMode
from gridarena.store.models import Balance, PnlSnapshot, Position
from gridarena.store.repo._common import money, now_or, optional_money, upsert

__all__ = [
    "add_pnl_snapshot",
    "get_balances",
    "get_position",
    "pnl_snapshots",
    "upsert_balance",
    "upsert_position",
]


def upsert_position(
    session: Session,
    *,
    account_id: int,
    symbol: str,
    qty: Decimal | int,
    entry_price: Decimal | int,
    leverage: Decimal | int = 1,
    margin_mode: MarginMode = MarginMode.CROSS,
    liquidation_price: Decimal | int | None = None,
    unrealized: Decimal | int = 0,
    at: datetime | None = None,
) -> Position:
    """Set the account's position in ``symbol`` (signed ``qty``; 0 = flat), insert or update."""
    lev = money(leverage, name="leverage")
    if lev <= 0:
        raise ValueError(f"leverage must be > 0, got {lev}")
    values = {
        "qty": money(qty, name="qty"),
        "entry_price": money(entry_price, name="entry_price"),
        "leverage": lev,
        "liquidation_price": optional_money(liquidation_price, name="liquidation_price"),
        "unrealized": money(unrealized, name="unrealized"),
    }
    session.flush()
    upsert(
        session,
        Position,
        values={
            "account_id": account_id,
            "symbol": symbol,
            "margin_mode": MarginMode(margin_mode),
            "updated_at": now_or(at),
            **values,
        },
        keys=("account_id", "symbol"),
        update=True,
    )
    position = get_position(session, account_id=account_id, symbol=symbol)
    if position is None:  # pragma: no cover - the upsert just wrote it
        raise RuntimeError("position upsert wrote no row")
    return position


def get_position(session: Session, *, account_id: int, symbol: str) -> Position | None:
    """Return the account's stored position in ``symbol``, fresh from the database."""
    stmt = select(Position).where(Position.account_id == account_id, Position.symbol == symbol)
    return session.scalars(stmt.execution_options(populate_existing=True)).one_or_none()


def upsert_balance(
    session: Session,
    *,
    account_id: int,
    asset: str,
    wallet: Decimal | int,
    available: Decimal | int,
    at: datetime | None = None,
) -> Balance:
    """Set the account's balance of ``asset``, insert or update."""
    values = {
        "wallet": money(wallet, name="wallet"),
        "available": money(available, name="available"),
    }
    session.flush()
    upsert(
        session,
        Balance,
        values={"account_id": account_id, "asset": asset, "updated_at": now_or(at), **values},
        keys=("account_id", "asset"),
        update=True,
    )
    stmt = select(Balance).where(Balance.account_id == account_id, Balance.asset == asset)
    return session.scalars(stmt.execution_options(populate_existing=True)).one()


def get_balances(session: Session, *, account_id: int) -> list[Balance]:
    """Return the account's balances, by asset."""
    stmt = select(Balance).where(Balance.account_id == account_id).order_by(Balance.asset)
    return list(session.scalars(stmt.execution_options(populate_existing=True)))


def add_pnl_snapshot(
    session: Session,
    *,
    account_id: int,
    equity: Decimal | int,
    realized: Decimal | int,
    unrealized: Decimal | int,
    fees: Decimal | int = 0,
    funding: Decimal | int = 0,
    ts: datetime | None = None,
) -> PnlSnapshot:
    """Append one point of the account's equity curve."""
    snapshot = PnlSnapshot(
        account_id=account_id,
        ts=now_or(ts),
        equity=money(equity, name="equity"),
        realized=money(realized, name="realized"),
        unrealized=money(unrealized, name="unrealized"),
        fees=money(fees, name="fees"),
        funding=money(funding, name="funding"),
    )
    session.add(snapshot)
    session.flush()
    return snapshot


def pnl_snapshots(
    session: Session, *, account_id: int, since: datetime | None = None
) -> list[PnlSnapshot]:
    """Return the account's PnL snapshots (``ts >= since`` when given), oldest first."""
    stmt = select(PnlSnapshot).where(PnlSnapshot.account_id == account_id)
    if since is not None:
        stmt = stmt.where(PnlSnapshot.ts >= now_or(since))
    return list(session.scalars(stmt.order_by(PnlSnapshot.ts, PnlSnapshot.id)))
