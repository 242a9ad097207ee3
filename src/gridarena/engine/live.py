"""Tracked runs: a grid session whose every order goes through the order tracker, on a venue
whose clock the engine drives (the in-process simulator, or the facade's manual clock).

After each tick the runner polls the venue's fills, records each once (by trade id) and feeds
the new ones to the session in order. A restart rebuilds everything from the store and the
venue: reconcile, restore the slots, place what is due — nothing is sent twice.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from gridarena.domain.orders import Fill
from gridarena.domain.orders import OrderStatus as VenueStatus
from gridarena.domain.types import Side
from gridarena.engine.session import GridSession, SlotOrder
from gridarena.execution.client_ids import session_tag
from gridarena.execution.reconcile import ReconcileReport, reconcile
from gridarena.execution.retry import with_retries
from gridarena.execution.tracker import OrderTracker
from gridarena.store import repo
from gridarena.venues.errors import OrderNotFound

Advance = Callable[[], Awaitable[bool]]  # move the venue one tick; False once data has ended


@dataclass
class RunStats:
    """Counters of a tracked run."""

    ticks: int = 0
    fills: int = 0
    duplicate_fills: int = 0
    rearmed: int = 0


class TrackedRun:
    """Drive one tracked session tick by tick."""

    def __init__(
        self,
        *,
        session: GridSession,
        tracker: OrderTracker,
        advance: Advance,
        check_every: int = 0,
    ) -> None:
        """Drive ``session``; every ``check_every`` ticks (0: never) re-check its open orders."""
        self.session = session
        self.tracker = tracker
        self.advance = advance
        self.check_every = check_every
        self.since_ms = 0
        self.stats = RunStats()

    def ours(self, client_id: str) -> bool:
        """Tell whether a client id belongs to this session."""
        tag = session_tag(self.session.account, self.session.id)
        return client_id.startswith(f"ga-{tag}-")

    async def poll_fills(self) -> int:
        """Record the venue's new fills and hand each new one to the session, in order."""
        venue = self.tracker.venue
        fills = await with_retries(
            lambda: venue.fills_since(self.since_ms, self.session.symbol),
            backoff=self.tracker.backoff,
            sleep=self.tracker.clock.sleep,
        )
        new = 0
        for fill in sorted(fills, key=lambda f: (f.ts_ms, f.trade_id)):
            self.since_ms = max(self.since_ms, fill.ts_ms)
            if not self.tracker.record_fill(fill):
                self.stats.duplicate_fills += 1
                continue
            new += 1
            await self.session.on_fill(fill)
        self.stats.fills += new
        return new

    async def run(self, *, max_ticks: int | None = None) -> None:
        """Advance until the data ends (or ``max_ticks``), reacting to fills after each tick."""
        n = 0
        while max_ticks is None or n < max_ticks:
            if not await self.advance():
                break
            n += 1
            self.stats.ticks += 1
            await self.poll_fills()
            if self.check_every and n % self.check_every == 0:
                await self.check_orders()

    async def check_orders(self) -> int:
        """Re-place orders the venue closed without filling (expired, cancelled elsewhere).

        Return how many slots were re-armed. A filled order is left alone: its fill arrives
        through the fill poll and moves the slot on.
        """
        symbol = self.session.symbol
        venue = self.tracker.venue
        open_ids = {o.client_id for o in await venue.open_orders(symbol)}
        rearmed = 0
        for k, cid in enumerate(list(self.session.slot_orders)):
            if cid is None or cid in open_ids:
                continue
            try:
                order = await venue.get_order(symbol, cid)
            except OrderNotFound:
                order = None
            if order is not None:
                self.tracker.record(order)
                if order.status in (VenueStatus.FILLED, VenueStatus.PARTIALLY_FILLED):
                    continue
                if order.status.is_open:
                    continue  # a lagging open-order list: it is still there
            self.session.slot_orders[k] = None
            self.session.order_slots.pop(cid, None)
            self.session.unplaced.add(k)
            rearmed += 1
        if rearmed:
            await self.session.place_due()
        self.stats.rearmed += rearmed
        return rearmed

    async def restart(self, *, reference_price: float) -> ReconcileReport:
        """Recover after a crash: reconcile, restore the slots, place what is due."""
        report = await reconcile(
            self.tracker, symbols=[self.session.symbol], ours=self.ours, cancel_orphans=True
        )
        with self.tracker.factory() as s:
            rows = repo.orders_of_session(s, session_id=self.session.id)
            orders = [
                SlotOrder(
                    slot=r.slot if r.slot is not None else -1,
                    cycle=r.cycle or 0,
                    side=Side(r.side.value),
                    status=r.status.value,
                    client_id=r.client_order_id,
                )
                for r in rows
            ]
        fills = [
            f
            for f in await self.tracker.venue.fills_since(0, self.session.symbol)
            if self.ours(f.client_id)
        ]
        self.session.restore(orders, fills, reference_price=reference_price)
        self.since_ms = max((f.ts_ms for f in fills), default=0)
        await self.session.place_due()
        return report


def fills_key(fills: list[Fill]) -> list[tuple[int | None, str, str, str]]:
    """Return comparable (candle, side, price, qty) rows of fills."""
    return [(f.candle, f.side.value, str(f.price), str(f.qty)) for f in fills]
