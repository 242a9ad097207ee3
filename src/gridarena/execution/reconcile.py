"""Reconciliation: the venue is the source of truth after a restart (DESIGN.md §2.5).

Compare what the store believes with what the venue holds, and settle every difference
without ever placing an order:
- an order the store has in doubt (intent, sent, unknown, open) is looked up by client id:
  found → its venue status is adopted; absent → it never reached the venue (EXPIRED);
- an open order at the venue that the store does not know is an orphan: ours (our client-id
  prefix) → adopted into the store; anyone else's → cancelled, or flagged when asked to;
- fills since the last run are recorded (once per trade id) and positions copied from the venue.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from gridarena.domain.orders import Order
from gridarena.execution.tracker import OrderTracker
from gridarena.store import enums as db
from gridarena.store import repo
from gridarena.store.engine import transaction
from gridarena.store.lifecycle import OPEN_ORDER_STATUSES
from gridarena.store.models import Order as StoredOrder
from gridarena.venues.errors import OrderNotFound, RetryableVenueError


@dataclass
class ReconcileReport:
    """What reconciliation found and did."""

    checked: int = 0
    adopted: int = 0
    absent: int = 0
    still_unknown: int = 0
    orphans_adopted: int = 0
    orphans_cancelled: int = 0
    orphans_flagged: list[str] = field(default_factory=list)
    fills_recorded: int = 0
    positions: dict[str, Decimal] = field(default_factory=dict)


def in_doubt(tracker: OrderTracker) -> list[StoredOrder]:
    """Return the account's stored orders whose venue state is not known to be final."""
    with tracker.factory() as s:
        rows = repo.open_orders(s, account_id=tracker.account_id)
        return [r for r in rows if r.status in OPEN_ORDER_STATUSES]


async def reconcile(
    tracker: OrderTracker,
    *,
    symbols: Iterable[str],
    ours: Callable[[str], bool],
    cancel_orphans: bool = True,
    fills_since_ms: int = 0,
) -> ReconcileReport:
    """Settle the store against the venue for ``symbols``; never place an order."""
    venue = tracker.venue
    report = ReconcileReport()
    for row in in_doubt(tracker):
        report.checked += 1
        try:
            order = await venue.get_order(row.symbol, row.client_order_id)
        except OrderNotFound:
            try:
                found = await _confirm_absent(tracker, row.symbol, row.client_order_id)
            except RetryableVenueError:
                report.still_unknown += 1
                continue
            if found is None:
                report.absent += 1
                tracker.advance(
                    row.client_order_id, db.OrderStatus.EXPIRED, reason="absent at venue"
                )
                continue
            order = found
        except RetryableVenueError:
            report.still_unknown += 1
            continue
        report.adopted += 1
        tracker.record(order)
    for symbol in symbols:
        for order in await venue.open_orders(symbol):
            with tracker.factory() as s:
                known = repo.get_order_by_client_id(
                    s, account_id=tracker.account_id, client_order_id=order.client_id
                )
            if known is not None:
                continue
            if ours(order.client_id):
                _adopt(tracker, order)
                report.orphans_adopted += 1
            elif cancel_orphans:
                await venue.cancel_order(symbol, order.client_id)
                report.orphans_cancelled += 1
            else:
                report.orphans_flagged.append(order.client_id)
    for fill in await venue.fills_since(fills_since_ms):
        if tracker.record_fill(fill):
            report.fills_recorded += 1
    for position in await venue.positions():
        report.positions[position.symbol] = position.qty
        with transaction(tracker.factory) as s:
            repo.upsert_position(
                s,
                account_id=tracker.account_id,
                symbol=position.symbol,
                qty=position.qty,
                entry_price=position.entry_price,
                leverage=position.leverage,
                margin_mode=db.MarginMode(position.margin_mode.value),
                liquidation_price=position.liquidation_price,
                unrealized=position.unrealized_pnl,
            )
    return report


async def _confirm_absent(tracker: OrderTracker, symbol: str, client_id: str) -> Order | None:
    """Double-check a "no such order" before acting on it; return the order if it exists.

    One read cannot tell a lagging replica from the truth, and calling a live order absent
    would make the grid place a second one. So look in the open-order list too, and ask once
    more after a pause; only when both agree is the order taken as never placed. A venue
    that cannot answer raises `RetryableVenueError`: the order stays in doubt.
    """
    for order in await tracker.venue.open_orders(symbol):
        if order.client_id == client_id:
            return order
    await tracker.clock.sleep(tracker.backoff.delay(2, tracker.rng))
    try:
        return await tracker.venue.get_order(symbol, client_id)
    except OrderNotFound:
        return None


def _adopt(tracker: OrderTracker, order: object) -> None:
    """Record a venue order of ours that the store lost (e.g. a restored old database)."""
    assert isinstance(order, Order)
    with transaction(tracker.factory) as s:
        row = repo.record_order_intent(
            s,
            account_id=tracker.account_id,
            client_order_id=order.client_id,
            symbol=order.symbol,
            side=order.side,
            order_type=db.OrderType(order.type.value),
            qty=order.qty,
            price=order.price,
        )
        repo.transition_order(
            s, order_id=row.id, status=db.OrderStatus.ACKNOWLEDGED, reason="adopted orphan"
        )
    tracker.record(order)
