"""Orders: write-ahead intents, status transitions and the queries execution needs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Final

from sqlalchemy import and_, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gridarena.domain.orders import OrderRequest
from gridarena.domain.types import Side
from gridarena.store.enums import OrderStatus, OrderType
from gridarena.store.errors import DuplicateClientOrderId, IllegalTransition, RecordNotFound
from gridarena.store.lifecycle import OPEN_ORDER_STATUSES, can_transition
from gridarena.store.models import Account, GridSession, Order, OrderTransition
from gridarena.store.repo._common import bounded, json_ready, money, now_or, optional_money
from gridarena.store.repo.audit import mask_secrets

__all__ = [
    "MAX_PAGE_SIZE",
    "OrderCursor",
    "OrderPage",
    "get_order",
    "get_order_by_client_id",
    "open_orders",
    "order_history",
    "orders_page",
    "record_order_intent",
    "transition_order",
]

MAX_PAGE_SIZE: Final = 1000
_PRICED_TYPES: Final = frozenset({OrderType.LIMIT, OrderType.STOP, OrderType.TAKE_PROFIT})


def record_order_intent(
    session: Session,
    *,
    account_id: int,
    client_order_id: str,
    symbol: str,
    side: Side,
    order_type: OrderType,
    qty: Decimal | int,
    price: Decimal | int | None = None,
    session_id: str | None = None,
    slot: int | None = None,
    cycle: int | None = None,
    reduce_only: bool = False,
    post_only: bool = False,
    at: datetime | None = None,
) -> Order:
    """Write an order as INTENT, with its first transition row, before any venue call.

    Commit before calling the venue (see ``gridarena.store.transaction``) so the intent
    survives a crash. Raise DuplicateClientOrderId when the account already has an order
    with this client id; the caller's transaction stays usable and nothing is written.
    """
    amount = money(qty, name="qty")
    limit = optional_money(price, name="price")
    kind = OrderType(order_type)
    if amount <= 0:
        raise ValueError(f"qty must be > 0, got {amount}")
    if limit is not None and limit <= 0:
        raise ValueError(f"price must be > 0, got {limit}")
    if limit is None and kind in _PRICED_TYPES:
        raise ValueError(f"a {kind.value} order needs a price")
    bounded(client_order_id, name="client_order_id", max_length=64)
    bounded(symbol, name="symbol", max_length=32)
    if session.get(Account, account_id) is None:
        raise RecordNotFound("account", account_id)
    if session_id is not None and session.get(GridSession, session_id) is None:
        raise RecordNotFound("grid session", session_id)
    when = now_or(at)
    order = Order(
        account_id=account_id,
        session_id=session_id,
        client_order_id=client_order_id,
        slot=slot,
        cycle=cycle,
        symbol=symbol,
        side=Side(side),
        type=kind,
        price=limit,
        qty=amount,
        status=OrderStatus.INTENT,
        filled_qty=Decimal(0),
        reduce_only=reduce_only,
        post_only=post_only,
        created_at=when,
        updated_at=when,
    )
    try:
        # A savepoint, so a duplicate leaves the caller's transaction intact.
        with session.begin_nested():
            session.add(order)
            session.flush()
    except IntegrityError:
        if get_order_by_client_id(session, account_id=account_id, client_order_id=client_order_id):
            raise DuplicateClientOrderId(
                account_id=account_id, client_order_id=client_order_id
            ) from None
        raise
    session.add(
        OrderTransition(order_id=order.id, from_status=None, to_status=OrderStatus.INTENT, at=when)
    )
    session.flush()
    return order


def record_request_intent(
    session: Session,
    *,
    account_id: int,
    request: OrderRequest,
    session_id: str | None = None,
    slot: int | None = None,
    cycle: int | None = None,
    at: datetime | None = None,
) -> Order:
    """Record the intent of an `OrderRequest` (write-ahead, before it is sent)."""
    return record_order_intent(
        session,
        account_id=account_id,
        client_order_id=request.client_id,
        symbol=request.symbol,
        side=request.side,
        order_type=OrderType(request.type.value),
        qty=request.qty,
        price=request.price,
        session_id=session_id,
        slot=slot,
        cycle=cycle,
        reduce_only=request.reduce_only,
        post_only=request.post_only,
        at=at,
    )


def _check_fill_progress(
    order: Order, filled_qty: Decimal | int | None, avg_fill_price: Decimal | int | None
) -> tuple[Decimal | None, Decimal | None]:
    filled = optional_money(filled_qty, name="filled_qty")
    avg = optional_money(avg_fill_price, name="avg_fill_price")
    if filled is not None and not order.filled_qty <= filled <= order.qty:
        raise ValueError(
            f"filled_qty must stay within [{order.filled_qty}, {order.qty}], got {filled}"
        )
    if avg is not None and avg <= 0:
        raise ValueError(f"avg_fill_price must be > 0, got {avg}")
    return filled, avg


def transition_order(
    session: Session,
    *,
    order_id: int,
    status: OrderStatus,
    reason: str | None = None,
    payload: Mapping[str, Any] | None = None,
    venue_order_id: str | None = None,
    filled_qty: Decimal | int | None = None,
    avg_fill_price: Decimal | int | None = None,
    at: datetime | None = None,
) -> Order:
    """Move an order to ``status`` and append the transition row, in the caller's transaction.

    Raise IllegalTransition for a move the lifecycle table forbids (FILLED -> ACKNOWLEDGED)
    and ValueError for a shrinking or excessive ``filled_qty`` or a changed venue order id;
    either way nothing is written. FILLED without ``filled_qty`` means filled in full.
    """
    order = session.get(Order, order_id, with_for_update=True, populate_existing=True)
    if order is None:
        raise RecordNotFound("order", order_id)
    target = OrderStatus(status)
    if not can_transition(order.status, target):
        raise IllegalTransition(entity="order", key=order_id, current=order.status, target=target)
    filled, avg = _check_fill_progress(order, filled_qty, avg_fill_price)
    if venue_order_id is not None:
        bounded(venue_order_id, name="venue_order_id", max_length=64)
    if venue_order_id is not None and order.venue_order_id not in (None, venue_order_id):
        raise ValueError(
            f"order {order_id} already has venue order id {order.venue_order_id!r}, "
            f"got {venue_order_id!r}"
        )
    when = now_or(at)
    previous = order.status
    order.status = target
    order.updated_at = when
    if venue_order_id is not None:
        order.venue_order_id = venue_order_id
    if filled is None and target is OrderStatus.FILLED:
        filled = order.qty
    if filled is not None:
        order.filled_qty = filled
    if avg is not None:
        order.avg_fill_price = avg
    session.add(
        OrderTransition(
            order_id=order_id,
            from_status=previous,
            to_status=target,
            at=when,
            reason=reason,
            payload=json_ready(mask_secrets(payload)) if payload is not None else None,
        )
    )
    session.flush()
    return order


def get_order(session: Session, *, order_id: int) -> Order | None:
    """Return the order with this id, or None."""
    return session.get(Order, order_id)


def get_order_by_client_id(
    session: Session, *, account_id: int, client_order_id: str
) -> Order | None:
    """Return the account's order with this client id, or None."""
    stmt = select(Order).where(
        Order.account_id == account_id, Order.client_order_id == client_order_id
    )
    return session.scalars(stmt).one_or_none()


def open_orders(
    session: Session,
    *,
    account_id: int | None = None,
    session_id: str | None = None,
    symbol: str | None = None,
) -> list[Order]:
    """Return orders not known to be final (INTENT, SENT, ..., UNKNOWN), oldest first.

    Filter by account, grid session or both (at least one); these are the orders
    reconciliation checks against the venue after a restart.
    """
    if account_id is None and session_id is None:
        raise ValueError("give account_id, session_id or both")
    stmt = select(Order).where(Order.status.in_(OPEN_ORDER_STATUSES))
    if account_id is not None:
        stmt = stmt.where(Order.account_id == account_id)
    if session_id is not None:
        stmt = stmt.where(Order.session_id == session_id)
    if symbol is not None:
        stmt = stmt.where(Order.symbol == symbol)
    return list(session.scalars(stmt.order_by(Order.created_at, Order.id)))


def orders_of_session(session: Session, *, session_id: str) -> list[Order]:
    """Return every order of a grid session, in any status, oldest first (for a restart)."""
    stmt = select(Order).where(Order.session_id == session_id)
    return list(session.scalars(stmt.order_by(Order.created_at, Order.id)))


def order_history(session: Session, *, order_id: int) -> list[OrderTransition]:
    """Return the order's status transitions, oldest first."""
    stmt = select(OrderTransition).where(OrderTransition.order_id == order_id)
    return list(session.scalars(stmt.order_by(OrderTransition.id)))


@dataclass(frozen=True, slots=True)
class OrderCursor:
    """Position after the last order of a page: pass it back to get the next page."""

    created_at: datetime
    order_id: int


@dataclass(frozen=True, slots=True)
class OrderPage:
    """One page of orders, newest first, and the cursor of the next page (None at the end)."""

    orders: list[Order]
    next_cursor: OrderCursor | None


def orders_page(
    session: Session,
    *,
    account_id: int | None = None,
    session_id: str | None = None,
    limit: int = 50,
    before: OrderCursor | None = None,
) -> OrderPage:
    """Return up to ``limit`` orders by ``created_at``, newest first (keyset pagination)."""
    if not 1 <= limit <= MAX_PAGE_SIZE:
        raise ValueError(f"limit must be in [1, {MAX_PAGE_SIZE}], got {limit}")
    stmt = select(Order)
    if account_id is not None:
        stmt = stmt.where(Order.account_id == account_id)
    if session_id is not None:
        stmt = stmt.where(Order.session_id == session_id)
    if before is not None:
        stmt = stmt.where(
            or_(
                Order.created_at < before.created_at,
                and_(Order.created_at == before.created_at, Order.id < before.order_id),
            )
        )
    stmt = stmt.order_by(Order.created_at.desc(), Order.id.desc()).limit(limit + 1)
    rows = list(session.scalars(stmt))
    page, more = rows[:limit], len(rows) > limit
    cursor = OrderCursor(page[-1].created_at, page[-1].id) if more else None
    return OrderPage(orders=page, next_cursor=cursor)
