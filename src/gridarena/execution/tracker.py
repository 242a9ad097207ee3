"""The order tracker: no order is ever sent twice, none is lost (DESIGN.md §2.2).

Every order of one account goes through here:
1. write-ahead — the intent (and that it is being sent) is committed before the venue call;
2. the outcome is committed after it, as a status transition;
3. an unknown outcome (timeout, dropped connection, 5xx) is resolved by asking the venue for
   the client id, with backoff; the same id is re-sent only after the venue says it has no such
   order. A duplicate-id refusal means the venue has it: the tracker adopts it.
Fills are recorded once per trade id.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from gridarena.domain.orders import Fill, Order, OrderRequest
from gridarena.domain.orders import OrderStatus as VenueStatus
from gridarena.engine.clock import Clock, RealClock
from gridarena.execution.rate_limit import RateLimiter
from gridarena.execution.retry import Backoff, with_retries
from gridarena.store import enums as db
from gridarena.store import repo
from gridarena.store.engine import transaction
from gridarena.store.lifecycle import TERMINAL_ORDER_STATUSES
from gridarena.venues.base import Venue
from gridarena.venues.errors import (
    DuplicateClientOrderId,
    OrderNotFound,
    OrderRejected,
    OutcomeUnknown,
    PermanentVenueError,
    RateLimited,
    RetryableVenueError,
)

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

DEFAULT_BACKOFF = Backoff()

STATUS = {
    VenueStatus.NEW: db.OrderStatus.ACKNOWLEDGED,
    VenueStatus.PARTIALLY_FILLED: db.OrderStatus.PARTIALLY_FILLED,
    VenueStatus.FILLED: db.OrderStatus.FILLED,
    VenueStatus.CANCELED: db.OrderStatus.CANCELED,
    VenueStatus.EXPIRED: db.OrderStatus.EXPIRED,
    VenueStatus.REJECTED: db.OrderStatus.REJECTED,
}


@dataclass
class TrackerStats:
    """What the tracker had to do."""

    submitted: int = 0
    unknown: int = 0
    resolved_found: int = 0
    resent: int = 0
    adopted_duplicates: int = 0
    rejected: int = 0
    unresolved: int = 0
    rate_limited: int = 0
    fills_recorded: int = 0
    fills_duplicate: int = 0
    codes: dict[str, int] = field(default_factory=dict)


class OrderTracker:
    """Submit, cancel and follow one account's orders with a durable record of each step."""

    def __init__(
        self,
        *,
        venue: Venue,
        factory: sessionmaker[Session],
        account_id: int,
        limiter: RateLimiter | None = None,
        backoff: Backoff = DEFAULT_BACKOFF,
        clock: Clock | None = None,
        resolve_attempts: int = 8,
        max_resends: int = 3,
        rng: random.Random | None = None,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        self.venue = venue
        self.factory = factory
        self.account_id = account_id
        self.limiter = limiter
        self.backoff = backoff
        self.clock = clock or RealClock()
        self.resolve_attempts = resolve_attempts
        self.max_resends = max_resends
        self.rng = rng
        self._now = now or (lambda: datetime.now(UTC))
        self.stats = TrackerStats()

    # --- store helpers -------------------------------------------------------------------------
    def _order_id(self, s: Session, client_id: str) -> int | None:
        row = repo.get_order_by_client_id(s, account_id=self.account_id, client_order_id=client_id)
        return None if row is None else row.id

    def advance(
        self,
        client_id: str,
        status: db.OrderStatus,
        *,
        order: Order | None = None,
        reason: str = "",
    ) -> None:
        """Store a status change (no-op when it is not a change the lifecycle allows)."""
        with transaction(self.factory) as s:
            row = repo.get_order_by_client_id(
                s, account_id=self.account_id, client_order_id=client_id
            )
            if row is None or row.status in TERMINAL_ORDER_STATUSES:
                return
            if row.status is status and status is not db.OrderStatus.PARTIALLY_FILLED:
                return
            if order is not None and order.filled_qty < row.filled_qty:
                return  # an older view of the order than the one stored (stale response)
            repo.transition_order(
                s,
                order_id=row.id,
                status=status,
                reason=reason or None,
                venue_order_id=order.venue_id if order is not None else None,
                filled_qty=order.filled_qty if order is not None else None,
                avg_fill_price=order.avg_price if order is not None else None,
                at=self._now(),
            )

    def record(self, order: Order) -> None:
        """Store what the venue says about an order."""
        self.advance(order.client_id, STATUS[order.status], order=order)

    # --- submit ----------------------------------------------------------------------------------
    async def submit(
        self,
        request: OrderRequest,
        *,
        session_id: str | None = None,
        slot: int | None = None,
        cycle: int | None = None,
    ) -> Order | None:
        """Place ``request`` exactly once; return the venue's order, or None if still unknown.

        Raises a `PermanentVenueError` when the venue refuses it (stored as REJECTED).
        """
        self.stats.submitted += 1
        with transaction(self.factory) as s:
            row = repo.get_order_by_client_id(
                s, account_id=self.account_id, client_order_id=request.client_id
            )
            if row is None:
                row = repo.record_request_intent(
                    s,
                    account_id=self.account_id,
                    request=request,
                    session_id=session_id,
                    slot=slot,
                    cycle=cycle,
                    at=self._now(),
                )
                repo.transition_order(
                    s, order_id=row.id, status=db.OrderStatus.SENT, at=self._now()
                )
                known = False
            else:
                known = True  # recorded before a restart: ask the venue, never send blindly
        if known:
            return await self.resolve(request)
        return await self._send(request, resends=0)

    async def _send(self, request: OrderRequest, *, resends: int) -> Order | None:
        try:
            if self.limiter is not None:
                await self.limiter.acquire(weight=1, orders=1)
            order = await with_retries(
                lambda: self.venue.place_order(request),
                backoff=self.backoff,
                sleep=self.clock.sleep,
                rng=self.rng,
            )
        except RateLimited as exc:
            # Retries ran out while the venue kept refusing: nothing was placed. Surface it as
            # a refusal of this attempt; the caller may try again later with a new cycle id.
            self.stats.rate_limited += 1
            if self.limiter is not None:
                self.limiter.back_off(exc.retry_after)
            self.advance(request.client_id, db.OrderStatus.REJECTED, reason="rate limited")
            raise OrderRejected("rate limited by the venue", code=exc.code) from exc
        except DuplicateClientOrderId:
            self.stats.adopted_duplicates += 1
            return await self.resolve(request, resends=resends)
        except RetryableVenueError:
            # Timeout, 5xx, dropped connection — or retries of a refused connection ran out:
            # the order may or may not be there. Ask before doing anything else.
            self.stats.unknown += 1
            self.advance(request.client_id, db.OrderStatus.UNKNOWN, reason="outcome unknown")
            return await self.resolve(request, resends=resends)
        except PermanentVenueError as exc:
            self.stats.rejected += 1
            key = str(exc.code)
            self.stats.codes[key] = self.stats.codes.get(key, 0) + 1
            self.advance(request.client_id, db.OrderStatus.REJECTED, reason=f"code {exc.code}")
            raise
        self.record(order)
        return order

    async def resolve(self, request: OrderRequest, *, resends: int = 0) -> Order | None:
        """Find out what happened to ``request``; re-send it only if the venue has no such order."""
        for attempt in range(1, self.resolve_attempts + 1):
            try:
                order = await self.venue.get_order(request.symbol, request.client_id)
            except OrderNotFound:
                if resends >= self.max_resends:
                    break
                self.stats.resent += 1
                self.advance(request.client_id, db.OrderStatus.SENT, reason="absent at venue")
                return await self._send(request, resends=resends + 1)
            except RetryableVenueError:
                await self.clock.sleep(self.backoff.delay(attempt, self.rng))
                continue
            self.stats.resolved_found += 1
            self.record(order)
            return order
        self.stats.unresolved += 1
        return None  # left UNKNOWN in the store: reconciliation settles it

    async def place(
        self,
        request: OrderRequest,
        *,
        session_id: str | None = None,
        slot: int | None = None,
        cycle: int | None = None,
    ) -> Order | None:
        """Place through the tracker (the `OrderGateway` interface)."""
        return await self.submit(request, session_id=session_id, slot=slot, cycle=cycle)

    # --- cancel --------------------------------------------------------------------------------
    async def cancel(self, symbol: str, client_id: str) -> Order | None:
        """Cancel an order; whatever happens, store the venue's final word on it."""
        for attempt in range(1, self.resolve_attempts + 1):
            try:
                if self.limiter is not None:
                    await self.limiter.acquire(weight=1)
                order = await self.venue.cancel_order(symbol, client_id)
            except (OutcomeUnknown, OrderNotFound):
                # Maybe cancelled, maybe filled, maybe never placed: ask.
                try:
                    order = await self.venue.get_order(symbol, client_id)
                except OrderNotFound:
                    self.advance(client_id, db.OrderStatus.EXPIRED, reason="absent at venue")
                    return None
                except RetryableVenueError:
                    await self.clock.sleep(self.backoff.delay(attempt, self.rng))
                    continue
                if order.status.is_open:
                    continue
            except RetryableVenueError:
                await self.clock.sleep(self.backoff.delay(attempt, self.rng))
                continue
            self.record(order)
            return order
        return None

    # --- fills ---------------------------------------------------------------------------------
    def record_fill(self, fill: Fill) -> bool:
        """Store a fill once; return False when its trade id was already recorded."""
        with transaction(self.factory) as s:
            new = repo.record_fill(
                s,
                account_id=self.account_id,
                trade_id=fill.trade_id,
                symbol=fill.symbol,
                side=fill.side,
                price=fill.price,
                qty=fill.qty,
                fee=fill.fee,
                fee_asset=fill.fee_asset,
                liquidity=db.Liquidity(fill.liquidity.value),
                ts=datetime.fromtimestamp(fill.ts_ms / 1000, tz=UTC),
                order_id=self._order_id(s, fill.client_id),
                client_order_id=fill.client_id,
                realized_pnl=fill.realized_pnl,
                candle_index=fill.candle,
            )
        if new:
            self.stats.fills_recorded += 1
        else:
            self.stats.fills_duplicate += 1
        return new
