"""Fills: idempotent recording by (account, trade id) and the queries over them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, localcontext

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridarena.domain.types import Side
from gridarena.store.enums import Liquidity
from gridarena.store.errors import RecordNotFound
from gridarena.store.models import Account, Fill
from gridarena.store.repo._common import bounded, money, now_or, upsert
from gridarena.store.repo.orders import get_order_by_client_id
from gridarena.store.types import MONEY_CONTEXT

__all__ = ["FillTotals", "fill_totals", "fills_since", "record_fill"]


def record_fill(
    session: Session,
    *,
    account_id: int,
    trade_id: str,
    symbol: str,
    side: Side,
    price: Decimal | int,
    qty: Decimal | int,
    fee: Decimal | int,
    fee_asset: str,
    liquidity: Liquidity,
    ts: datetime,
    order_id: int | None = None,
    client_order_id: str | None = None,
    realized_pnl: Decimal | int = 0,
    candle_index: int | None = None,
) -> bool:
    """Record a fill once; return False (and change nothing) if its trade id is known.

    Venues resend fills (websocket replays, REST catch-up after a restart); the unique
    (account, trade id) key and ``INSERT ... ON CONFLICT DO NOTHING`` make that harmless,
    even with two writers. ``order_id`` is looked up from ``client_order_id`` when omitted.
    """
    values = {
        "price": money(price, name="price"),
        "qty": money(qty, name="qty"),
        "fee": money(fee, name="fee"),
        "realized_pnl": money(realized_pnl, name="realized_pnl"),
    }
    if values["price"] <= 0 or values["qty"] <= 0:
        raise ValueError("fill price and qty must be > 0")
    bounded(trade_id, name="trade_id", max_length=64)
    bounded(symbol, name="symbol", max_length=32)
    bounded(fee_asset, name="fee_asset", max_length=16)
    if session.get(Account, account_id) is None:
        raise RecordNotFound("account", account_id)
    if order_id is None and client_order_id is not None:
        order = get_order_by_client_id(
            session, account_id=account_id, client_order_id=client_order_id
        )
        order_id = order.id if order is not None else None
    session.flush()  # pending ORM changes (the order) must reach the database first
    return upsert(
        session,
        Fill,
        values={
            "account_id": account_id,
            "order_id": order_id,
            "client_order_id": client_order_id,
            "trade_id": trade_id,
            "symbol": symbol,
            "side": Side(side),
            "fee_asset": fee_asset,
            "liquidity": Liquidity(liquidity),
            "ts": now_or(ts),
            "candle_index": candle_index,
            **values,
        },
        keys=("account_id", "trade_id"),
        update=False,
    )


def fills_since(
    session: Session,
    *,
    account_id: int,
    since: datetime,
    symbol: str | None = None,
    limit: int | None = None,
) -> list[Fill]:
    """Return the account's fills with ``ts >= since`` (inclusive), oldest first."""
    stmt = select(Fill).where(Fill.account_id == account_id, Fill.ts >= now_or(since))
    if symbol is not None:
        stmt = stmt.where(Fill.symbol == symbol)
    stmt = stmt.order_by(Fill.ts, Fill.id)
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(session.scalars(stmt))


@dataclass(frozen=True, slots=True)
class FillTotals:
    """Sums over an account's fills; fees are per asset (USDT, BNB...)."""

    count: int = 0
    realized_pnl: Decimal = Decimal(0)
    fees: dict[str, Decimal] = field(default_factory=dict)


def fill_totals(session: Session, *, account_id: int, symbol: str | None = None) -> FillTotals:
    """Sum realized PnL and fees of the account's fills, exactly, on either backend.

    The sum runs in Python: SQLite stores Money as text and its SUM would go through
    binary floats (see ``gridarena.store.types``).
    """
    stmt = select(Fill.realized_pnl, Fill.fee, Fill.fee_asset).where(Fill.account_id == account_id)
    if symbol is not None:
        stmt = stmt.where(Fill.symbol == symbol)
    count, pnl, fees = 0, Decimal(0), dict[str, Decimal]()
    with localcontext(MONEY_CONTEXT):  # the default 28 digits could round a 38-digit sum
        for realized, fee, asset in session.execute(stmt):
            count += 1
            pnl += realized
            fees[asset] = fees.get(asset, Decimal(0)) + fee
    return FillTotals(count=count, realized_pnl=pnl, fees=fees)
