"""Orders: write-ahead intents, one id per order, legal transitions only, open-order queries."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from store_helpers import at, new_account

from gridarena.domain.types import Side
from gridarena.store import transaction
from gridarena.store.enums import OrderStatus, OrderType
from gridarena.store.errors import DuplicateClientOrderId, IllegalTransition, RecordNotFound
from gridarena.store.lifecycle import OPEN_ORDER_STATUSES, ORDER_TRANSITIONS
from gridarena.store.models import Account, Order
from gridarena.store.repo import (
    get_order_by_client_id,
    open_orders,
    order_history,
    orders_page,
    record_order_intent,
    transition_order,
)


def _intent(
    session: Session, account: Account, client_id: str = "ga-1-s1-L3-c0", **kw: object
) -> Order:
    args: dict[str, object] = {
        "account_id": account.id,
        "client_order_id": client_id,
        "symbol": "BTCUSDT",
        "side": Side.BUY,
        "order_type": OrderType.LIMIT,
        "qty": Decimal("0.002"),
        "price": Decimal("64250.1"),
        "slot": 3,
        "cycle": 0,
        "at": at(0),
    }
    args.update(kw)
    return record_order_intent(session, **args)  # type: ignore[arg-type]


def _count_orders(session: Session, account: Account) -> int:
    stmt = select(func.count()).select_from(Order).where(Order.account_id == account.id)
    return session.scalar(stmt) or 0


def test_record_order_intent_when_new_then_intent_row_and_first_transition(
    db_session: Session, account: Account
) -> None:
    order = _intent(db_session, account)

    assert order.status is OrderStatus.INTENT
    assert order.filled_qty == 0
    assert order.created_at == at(0)
    history = order_history(db_session, order_id=order.id)
    assert [(h.from_status, h.to_status) for h in history] == [(None, OrderStatus.INTENT)]


def test_record_order_intent_when_client_id_reused_then_raises_and_keeps_first(
    db_session: Session, account: Account
) -> None:
    first = _intent(db_session, account)

    with pytest.raises(DuplicateClientOrderId, match="ga-1-s1-L3-c0"):
        _intent(db_session, account, qty=Decimal(5))

    # The caller's transaction is still usable and holds exactly the first order.
    assert _count_orders(db_session, account) == 1
    assert (
        get_order_by_client_id(db_session, account_id=account.id, client_order_id="ga-1-s1-L3-c0")
        is first
    )
    assert first.qty == Decimal("0.002")


def test_record_order_intent_when_same_client_id_other_account_then_allowed(
    db_session: Session, account: Account
) -> None:
    other = new_account(db_session, "grok")
    _intent(db_session, account)

    order = _intent(db_session, other)

    assert order.account_id == other.id


@pytest.mark.parametrize(
    ("kw", "match"),
    [
        ({"qty": Decimal(0)}, "qty must be > 0"),
        ({"price": None}, "LIMIT order needs a price"),
        ({"price": Decimal("-1")}, "price must be > 0"),
        ({"qty": 0.5}, "qty must be Decimal or int"),
        ({"client_id": "x" * 65}, "client_order_id is longer than 64"),
        ({"session_id": "no-such-session"}, "grid session 'no-such-session' not found"),
    ],
)
def test_record_order_intent_when_invalid_then_raises_and_writes_nothing(
    db_session: Session, account: Account, kw: dict[str, object], match: str
) -> None:
    with pytest.raises((ValueError, TypeError, RecordNotFound), match=match):
        _intent(db_session, account, **kw)

    assert _count_orders(db_session, account) == 0


def test_record_order_intent_when_committed_then_visible_to_another_session(
    db_factory: sessionmaker[Session],
) -> None:
    name = f"wal-{uuid.uuid4().hex[:8]}"
    with transaction(db_factory) as session:
        account = new_account(session, name)
        _intent(session, account, client_id=name)
    # The venue call would happen here: the intent is already durable.

    with db_factory() as reader:
        found = get_order_by_client_id(reader, account_id=account.id, client_order_id=name)
        assert found is not None
        assert found.status is OrderStatus.INTENT


def test_transition_order_when_lifecycle_followed_then_status_fills_and_history_recorded(
    db_session: Session, account: Account
) -> None:
    order = _intent(db_session, account)

    transition_order(db_session, order_id=order.id, status=OrderStatus.SENT, at=at(1))
    transition_order(
        db_session,
        order_id=order.id,
        status=OrderStatus.ACKNOWLEDGED,
        venue_order_id="8389765",
        payload={"orderId": 8389765, "status": "NEW"},
        at=at(2),
    )
    transition_order(
        db_session,
        order_id=order.id,
        status=OrderStatus.PARTIALLY_FILLED,
        filled_qty=Decimal("0.001"),
        avg_fill_price=Decimal("64250.1"),
        at=at(3),
    )
    done = transition_order(db_session, order_id=order.id, status=OrderStatus.FILLED, at=at(4))

    assert done.status is OrderStatus.FILLED
    assert done.filled_qty == Decimal("0.002")
    assert done.venue_order_id == "8389765"
    assert done.updated_at == at(4)
    history = order_history(db_session, order_id=order.id)
    assert [h.to_status for h in history] == [
        OrderStatus.INTENT,
        OrderStatus.SENT,
        OrderStatus.ACKNOWLEDGED,
        OrderStatus.PARTIALLY_FILLED,
        OrderStatus.FILLED,
    ]
    assert history[2].payload == {"orderId": 8389765, "status": "NEW"}


def test_transition_order_when_filled_to_new_then_raises_and_changes_nothing(
    db_session: Session, account: Account
) -> None:
    order = _intent(db_session, account)
    transition_order(db_session, order_id=order.id, status=OrderStatus.FILLED, at=at(1))

    with pytest.raises(IllegalTransition, match="FILLED -> ACKNOWLEDGED"):
        transition_order(db_session, order_id=order.id, status=OrderStatus.ACKNOWLEDGED)

    db_session.expire_all()
    assert db_session.get(Order, order.id).status is OrderStatus.FILLED  # type: ignore[union-attr]
    assert len(order_history(db_session, order_id=order.id)) == 2


def test_transition_order_when_filled_qty_shrinks_then_raises(
    db_session: Session, account: Account
) -> None:
    order = _intent(db_session, account)
    transition_order(
        db_session,
        order_id=order.id,
        status=OrderStatus.PARTIALLY_FILLED,
        filled_qty=Decimal("0.0015"),
    )

    with pytest.raises(ValueError, match="filled_qty must stay within"):
        transition_order(
            db_session,
            order_id=order.id,
            status=OrderStatus.PARTIALLY_FILLED,
            filled_qty=Decimal("0.001"),
        )


def test_transition_order_when_unknown_outcome_then_can_resend_with_same_id(
    db_session: Session, account: Account
) -> None:
    order = _intent(db_session, account)
    transition_order(db_session, order_id=order.id, status=OrderStatus.SENT)
    transition_order(db_session, order_id=order.id, status=OrderStatus.UNKNOWN, reason="timeout")

    again = transition_order(
        db_session, order_id=order.id, status=OrderStatus.SENT, reason="venue: no such order"
    )

    assert again.status is OrderStatus.SENT
    assert again.client_order_id == "ga-1-s1-L3-c0"


def test_lifecycle_when_inspected_then_terminal_states_have_no_exit() -> None:
    terminal = {s for s, nxt in ORDER_TRANSITIONS.items() if not nxt}

    assert terminal == {
        OrderStatus.FILLED,
        OrderStatus.CANCELED,
        OrderStatus.REJECTED,
        OrderStatus.EXPIRED,
    }
    assert set(ORDER_TRANSITIONS) == set(OrderStatus)
    assert set(OrderStatus) - terminal == OPEN_ORDER_STATUSES


def test_open_orders_when_mixed_statuses_then_only_non_final_oldest_first(
    db_session: Session, account: Account
) -> None:
    a = _intent(db_session, account, client_id="a", at=at(2))
    b = _intent(db_session, account, client_id="b", at=at(1))
    c = _intent(db_session, account, client_id="c", at=at(3))
    transition_order(db_session, order_id=b.id, status=OrderStatus.UNKNOWN)
    transition_order(db_session, order_id=c.id, status=OrderStatus.CANCELED)
    other = new_account(db_session, "grok")
    _intent(db_session, other, client_id="d")

    found = open_orders(db_session, account_id=account.id)

    assert [o.client_order_id for o in found] == ["b", "a"]
    assert open_orders(db_session, account_id=account.id, symbol="ETHUSDT") == []
    with pytest.raises(ValueError, match="account_id, session_id"):
        open_orders(db_session)
    del a


def test_orders_page_when_paging_then_newest_first_without_gaps_or_repeats(
    db_session: Session, account: Account
) -> None:
    ids = [
        _intent(db_session, account, client_id=f"p{i}", at=at(i // 2)).client_order_id
        for i in range(7)
    ]

    seen: list[str] = []
    cursor = None
    while True:
        page = orders_page(db_session, account_id=account.id, limit=3, before=cursor)
        seen += [o.client_order_id for o in page.orders]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor

    assert seen == list(reversed(ids))
    with pytest.raises(ValueError, match="limit"):
        orders_page(db_session, limit=0)
