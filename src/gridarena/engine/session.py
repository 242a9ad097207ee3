"""A grid session: one GridSpec trading on one venue account through the shared state machine.

The session owns no matching logic: it places the order each slot's state asks for
(`gridarena.grid.machine`), and moves the slot on when the venue reports the fill — the same
transitions the backtest kernel applies, which is what the parity test checks.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gridarena._jit import interpreted
from gridarena.backtest.runner import PreparedGrid
from gridarena.domain.orders import (
    Fill,
    Order,
    OrderRequest,
    OrderType,
    TimeInForce,
)
from gridarena.domain.types import Side
from gridarena.execution.client_ids import WHOLE_POSITION, client_order_id
from gridarena.execution.gateway import DirectGateway, OrderGateway
from gridarena.grid import ledger, machine
from gridarena.grid.ledger import A_FUNDING, A_POS, A_WALLET, new_ledger
from gridarena.grid.machine import ENTRY_OPEN, EXIT_OPEN
from gridarena.grid.spec import GridSpec
from gridarena.venues.base import (
    FillEvent,
    FundingPaid,
    Liquidated,
    MarketTick,
    OrderUpdate,
    Venue,
    VenueEvent,
)
from gridarena.venues.errors import PermanentVenueError

# The state machine and ledger, run as plain Python here (same source as the kernel's).
after_fill = interpreted(machine.after_fill)
assign_directions = interpreted(machine.assign_directions)
initial_state = interpreted(machine.initial_state)
resting_price = interpreted(machine.resting_price)
resting_side = interpreted(machine.resting_side)
apply_fill = interpreted(ledger.apply_fill)
equity = interpreted(ledger.equity)

_DIRECTION = {"long": 1, "short": -1, "neutral": 0}
_OPEN = frozenset({"INTENT", "SENT", "ACKNOWLEDGED", "PARTIALLY_FILLED", "UNKNOWN"})


@dataclass(frozen=True, slots=True)
class SlotOrder:
    """What the store remembers of one order of a session (for `GridSession.restore`)."""

    slot: int  # −1: an order on the whole position
    cycle: int
    side: Side
    status: str  # store status: INTENT, SENT, ACKNOWLEDGED, …, FILLED, CANCELED, …
    client_id: str


class SessionStatus(StrEnum):
    """Lifecycle of a grid session."""

    NEW = "NEW"
    RUNNING = "RUNNING"
    PAUSED = "PAUSED"
    STOPPED = "STOPPED"


@dataclass
class SessionStats:
    """What the session knows from its own fills."""

    fills: list[Fill] = field(default_factory=list)
    rejections: list[dict[str, Any]] = field(default_factory=list)
    round_trips: int = 0
    grid_profit: float = 0.0
    stop_reason: str = "none"
    orders_placed: int = 0


def _dec(x: float) -> Decimal:
    return Decimal(repr(float(x)))


class GridSession:
    """Run one grid on one venue account."""

    def __init__(
        self,
        *,
        session_id: str,
        account: str,
        venue: Venue,
        spec: GridSpec,
        prepared: PreparedGrid,
        watch_ticks: bool | None = None,
        gateway: OrderGateway | None = None,
    ) -> None:
        self.id = session_id
        self.account = account
        self.venue = venue
        self.gateway: OrderGateway = gateway or DirectGateway(venue)
        self.spec = spec
        self.symbol = prepared.instrument.symbol
        self.params = prepared.params
        self.levels: NDArray[np.float64] = prepared.levels.copy()
        self.qty = prepared.qty.copy()
        n = self.qty.shape[0]
        self.dirs: NDArray[np.int8] = np.zeros(n, np.int8)
        self.states: NDArray[np.int8] = np.zeros(n, np.int8)
        self.entry_px = np.zeros(n, np.float64)
        self.cycles = np.zeros(n, np.int64)
        self.slot_orders: list[str | None] = [None] * n
        self.unplaced: set[int] = set()  # slots whose order the venue refused; retried later
        self.order_slots: dict[str, int] = {}
        self.whole_cycle = 0
        # Exact prices and sizes for orders, computed once (levels are tick multiples).
        self._level_dec = [_dec(x) for x in self.levels]
        self._qty_dec = [_dec(x) for x in self.qty]
        self.latency_probe: Callable[[], None] | None = None
        # Called before each order goes to the venue (slot or None), and on a venue refusal.
        self.on_order: Callable[[OrderRequest, int | None], None] | None = None
        self.on_reject: Callable[[OrderRequest, PermanentVenueError], None] | None = None
        self.status = SessionStatus.NEW
        self.ledger = new_ledger(self.params.allocation)
        self.stats = SessionStats()
        p = self.params
        has_monitor = bool(
            p.tp_pct or p.sl_pct or p.stop_top or p.stop_bottom or p.range_exit != "none"
        )
        self.watch_ticks = has_monitor if watch_ticks is None else watch_ticks

    # --- orders ------------------------------------------------------------------------------
    def _next_id(self, slot: int) -> str:
        if slot == WHOLE_POSITION:
            self.whole_cycle += 1
            return client_order_id(self.account, self.id, slot, self.whole_cycle)
        self.cycles[slot] += 1
        cid = client_order_id(self.account, self.id, slot, int(self.cycles[slot]))
        self.slot_orders[slot] = cid
        self.order_slots[cid] = slot
        return cid

    async def _place(self, request: OrderRequest) -> Order | None:
        self.stats.orders_placed += 1
        if self.on_order is not None:
            self.on_order(request, self.order_slots.get(request.client_id))
        slot = self.order_slots.get(request.client_id)
        cycle = int(self.cycles[slot]) if slot is not None else self.whole_cycle
        try:
            order = await self.gateway.place(request, session_id=self.id, slot=slot, cycle=cycle)
        except PermanentVenueError as exc:
            if self.on_reject is not None:
                self.on_reject(request, exc)
            raise
        if self.latency_probe is not None:
            self.latency_probe()
        return order

    async def _place_resting(self, k: int) -> None:
        """Place the order slot ``k`` rests in its current state.

        A refusal (margin, filters) is recorded, not raised: the slot keeps its state without
        an order and is retried after the next fill, when margin may have been released.
        """
        s, d = int(self.states[k]), int(self.dirs[k])
        side = resting_side(s, d)
        if side == 0:
            return
        # The resting price is a level: entry L_k / exit L_{k+1} (long), mirrored for short.
        upper = (s == ENTRY_OPEN) != (d > 0)
        price = float(resting_price(self.levels, k, d, s))
        try:
            await self._send_resting(k, side, self._level_dec[k + 1 if upper else k])
        except PermanentVenueError as exc:
            self.slot_orders[k] = None
            self.unplaced.add(k)
            self.stats.rejections.append(
                {
                    "slot": k,
                    "side": "BUY" if side > 0 else "SELL",
                    "price": price,
                    "code": exc.code,
                    "reason": str(exc),
                }
            )
        else:
            self.unplaced.discard(k)

    async def _send_resting(self, k: int, side: int, price: Decimal) -> None:
        await self._place(
            OrderRequest(
                symbol=self.symbol,
                side=Side.BUY if side > 0 else Side.SELL,
                type=OrderType.LIMIT,
                qty=self._qty_dec[k],
                price=price,
                client_id=self._next_id(k),
                time_in_force=TimeInForce.GTC,
                reduce_only=False,
            )
        )

    async def _enter_now(self, k: int, price: Decimal) -> None:
        """Enter slot ``k`` at the start price: post-only at the price (maker-first) or market."""
        side = Side.BUY if self.dirs[k] > 0 else Side.SELL
        maker = self.params.entry_maker
        await self._place(
            OrderRequest(
                symbol=self.symbol,
                side=side,
                type=OrderType.LIMIT if maker else OrderType.MARKET,
                qty=self._qty_dec[k],
                price=price if maker else None,
                client_id=self._next_id(k),
                time_in_force=TimeInForce.GTX if maker else TimeInForce.GTC,
            )
        )

    # --- lifecycle ---------------------------------------------------------------------------
    async def start(self, price: Decimal) -> None:
        """Start at ``price``: set leverage, enter marketable slots, rest every other order."""
        await self.venue.set_leverage(self.symbol, max(1, int(self.params.leverage)))
        px = float(price)
        self.dirs[:] = assign_directions(self.levels, _DIRECTION[self.params.direction], px)
        self.status = SessionStatus.RUNNING
        for k in range(self.dirs.shape[0]):
            # A marketable slot starts ENTRY_OPEN with its entry sent at once; its fill moves it
            # to EXIT_OPEN exactly as the kernel's initial entry does.
            marketable = initial_state(self.levels, k, int(self.dirs[k]), px) == EXIT_OPEN
            self.states[k] = ENTRY_OPEN
            if not marketable:
                await self._place_resting(k)
                continue
            try:
                await self._enter_now(k, price)
            except PermanentVenueError as exc:
                self.slot_orders[k] = None
                self.unplaced.add(k)
                self.stats.rejections.append({"slot": k, "code": exc.code, "reason": str(exc)})

    async def pause(self) -> None:
        """Cancel the resting orders but keep every slot's state for `resume`."""
        if self.status is not SessionStatus.RUNNING:
            return
        await self._cancel_all()
        self.status = SessionStatus.PAUSED

    async def resume(self) -> None:
        """Re-place the orders the slots' states ask for."""
        if self.status is not SessionStatus.PAUSED:
            return
        self.status = SessionStatus.RUNNING
        for k in range(self.dirs.shape[0]):
            await self._place_resting(k)

    async def stop(self, *, flatten: bool = False, reason: str = "stopped") -> None:
        """Cancel every order, optionally close the position at market, and stop."""
        if self.status is SessionStatus.STOPPED:
            return
        self.status = SessionStatus.STOPPED
        self.stats.stop_reason = reason
        await self._cancel_all()
        self.states[:] = 0
        if not flatten:
            return
        # The venue's position is the truth (exact, and it includes anything we missed).
        held = [p for p in await self.venue.positions() if p.symbol == self.symbol]
        pos = held[0].qty if held else Decimal(0)
        if pos != 0:
            await self._place(
                OrderRequest(
                    symbol=self.symbol,
                    side=Side.SELL if pos > 0 else Side.BUY,
                    type=OrderType.MARKET,
                    qty=abs(pos),
                    client_id=self._next_id(WHOLE_POSITION),
                    reduce_only=True,
                )
            )

    async def _cancel_all(self) -> None:
        for k, cid in enumerate(self.slot_orders):
            if cid is None or resting_side(int(self.states[k]), int(self.dirs[k])) == 0:
                continue
            # Already filled or cancelled: its fill event (if any) updates the slot.
            await self.gateway.cancel(self.symbol, cid)
            self.slot_orders[k] = None

    # --- re-apply ----------------------------------------------------------------------------
    async def reapply(
        self, spec: GridSpec, prepared: PreparedGrid, price: Decimal
    ) -> dict[str, int]:
        """Switch to a new grid without flattening: keep matching orders, cancel the rest, place
        what is missing (a diff of desired against open orders). Return what it did.

        The new grid's slots start as a fresh grid would at ``price``, except that slots whose
        entry is marketable are taken as already held (the position is carried over, not
        bought again): they rest their exits. The position is left as it is.
        """
        old_open = {
            cid: (
                int(resting_side(int(self.states[k]), int(self.dirs[k]))),
                float(resting_price(self.levels, k, int(self.dirs[k]), int(self.states[k]))),
                float(self.qty[k]),
            )
            for k, cid in enumerate(self.slot_orders)
            if cid is not None
        }
        self.spec = spec
        self.params = prepared.params
        self.levels = prepared.levels.copy()
        self.qty = prepared.qty.copy()
        n = self.qty.shape[0]
        self._level_dec = [_dec(x) for x in self.levels]
        self._qty_dec = [_dec(x) for x in self.qty]
        px = float(price)
        self.dirs = np.asarray(
            assign_directions(self.levels, _DIRECTION[self.params.direction], px), np.int8
        )
        self.states = np.array(
            [initial_state(self.levels, k, int(self.dirs[k]), px) for k in range(n)], np.int8
        )
        old_cycles = self.cycles
        self.cycles = np.zeros(n, np.int64)
        self.cycles[: min(n, old_cycles.shape[0])] = old_cycles[: min(n, old_cycles.shape[0])]
        self.entry_px = np.zeros(n, np.float64)
        self.slot_orders = [None] * n
        self.order_slots = {}
        self.unplaced = set()
        # Match each wanted order with an open one of the same side, price and size.
        by_key: dict[tuple[int, float, float], list[str]] = {}
        for cid, key in old_open.items():
            by_key.setdefault(key, []).append(cid)
        kept = 0
        for k in range(n):
            s, d = int(self.states[k]), int(self.dirs[k])
            key = (
                int(resting_side(s, d)),
                float(resting_price(self.levels, k, d, s)),
                float(self.qty[k]),
            )
            if by_key.get(key):
                cid = by_key[key].pop()
                self.slot_orders[k] = cid
                self.order_slots[cid] = k
                kept += 1
            else:
                self.unplaced.add(k)
        stale = [cid for cids in by_key.values() for cid in cids]
        for cid in stale:
            await self.gateway.cancel(self.symbol, cid)
        self.status = SessionStatus.RUNNING
        placed = len(self.unplaced)
        await self.place_due()
        return {"kept": kept, "cancelled": len(stale), "placed": placed}

    # --- restart ---------------------------------------------------------------------------
    def restore(
        self,
        orders: Sequence[SlotOrder],
        fills: Sequence[Fill] = (),
        *,
        reference_price: float,
    ) -> None:
        """Rebuild every slot's state from the session's stored orders (after reconciliation).

        A slot's first order is always its entry, which fixes its direction; its latest order
        tells the state: still open → that order rests; filled → the counter order is due;
        cancelled or refused → the same order is due again. Due orders are placed by
        `place_due`, with the next cycle's client id — an id is never reused.
        """
        base = assign_directions(self.levels, _DIRECTION[self.params.direction], reference_price)
        self.dirs[:] = base
        self.states[:] = ENTRY_OPEN
        self.unplaced = set(range(self.dirs.shape[0]))
        by_slot: dict[int, list[SlotOrder]] = {}
        for o in sorted(orders, key=lambda o: (o.slot, o.cycle)):
            if o.slot >= 0:
                by_slot.setdefault(o.slot, []).append(o)
        for k, history in by_slot.items():
            d = 1 if history[0].side is Side.BUY else -1
            self.dirs[k] = d
            last = history[-1]
            self.cycles[k] = last.cycle
            is_entry = (last.side is Side.BUY) == (d > 0)
            state = ENTRY_OPEN if is_entry else EXIT_OPEN
            if last.status in _OPEN:
                self.slot_orders[k] = last.client_id
                self.order_slots[last.client_id] = k
                self.unplaced.discard(k)
            elif last.status == "FILLED":
                state = after_fill(state, True)
            self.states[k] = state
        self.whole_cycle = max((o.cycle for o in orders if o.slot < 0), default=0)
        for fill in fills:
            side = 1 if fill.side is Side.BUY else -1
            rate = (
                self.params.maker_fee if fill.liquidity.value == "MAKER" else self.params.taker_fee
            )
            apply_fill(
                self.ledger, side, float(fill.price), float(fill.qty), rate, self.params.multiplier
            )
            self.stats.fills.append(fill)
        self.status = SessionStatus.RUNNING

    async def place_due(self) -> None:
        """Place the orders that slots are waiting for (after a restore or refusals)."""
        for k in sorted(self.unplaced):
            await self._place_resting(k)

    # --- events ------------------------------------------------------------------------------
    async def handle(self, event: VenueEvent) -> None:
        """Apply one venue event (called by the session's ordered queue)."""
        if isinstance(event, FillEvent):
            await self.on_fill(event.fill)
        elif isinstance(event, MarketTick):
            await self.on_tick(event)
        elif isinstance(event, FundingPaid):
            self.ledger[A_WALLET] += float(event.amount)
            self.ledger[A_FUNDING] += float(event.amount)
        elif isinstance(event, Liquidated):
            # The venue closed the position; nothing of this grid can stand.
            self.stats.stop_reason = "liquidated"
            self.status = SessionStatus.STOPPED
            self.states[:] = 0
        elif isinstance(event, OrderUpdate):
            return

    async def on_fill(self, fill: Fill) -> None:
        """Book a fill and move its slot on, placing the counter order one level away."""
        side = 1 if fill.side is Side.BUY else -1
        price, qty = float(fill.price), float(fill.qty)
        maker = fill.liquidity.value == "MAKER"
        rate = self.params.maker_fee if maker else self.params.taker_fee
        apply_fill(self.ledger, side, price, qty, rate, self.params.multiplier)
        self.stats.fills.append(fill)
        k = self.order_slots.pop(fill.client_id, None)
        if k is None or self.slot_orders[k] != fill.client_id:
            return  # a whole-position order, or a stale slot order
        self.slot_orders[k] = None
        state = int(self.states[k])
        if state == EXIT_OPEN:
            d = int(self.dirs[k])
            self.stats.round_trips += 1
            self.stats.grid_profit += d * qty * self.params.multiplier * (price - self.entry_px[k])
        else:
            self.entry_px[k] = price
        running = self.status is SessionStatus.RUNNING
        self.states[k] = after_fill(state, running)
        if running:
            await self._place_resting(k)
            if self.unplaced:
                for slot in sorted(self.unplaced - {k}):
                    await self._place_resting(slot)

    async def on_tick(self, tick: MarketTick) -> None:
        """Check the session's stops on a price move (TP/SL, stop-top/bottom, range exit)."""
        if self.status is not SessionStatus.RUNNING or tick.symbol != self.symbol:
            return
        p = self.params
        px = float(tick.price)
        eq = equity(self.ledger, px, p.multiplier)
        if p.tp_pct and eq >= p.allocation * (1 + p.tp_pct):
            await self.stop(flatten=True, reason="take_profit")
        elif p.sl_pct and eq <= p.allocation * (1 - p.sl_pct):
            await self.stop(flatten=True, reason="stop_loss")
        elif p.stop_top and px >= p.stop_top:
            await self.stop(flatten=True, reason="stop_top")
        elif p.stop_bottom and px <= p.stop_bottom:
            await self.stop(flatten=True, reason="stop_bottom")
        elif p.range_exit != "none" and not self.levels[0] <= px <= self.levels[-1]:
            await self.stop(flatten=p.range_exit == "stop_and_close", reason="range_exit")

    def status_dict(self, mark: float | None = None) -> dict[str, Any]:
        """Return the session's status: slots by state, position, PnL."""
        counts = np.bincount(self.states.astype(np.int64), minlength=4)
        mark = mark if mark is not None else float(self.levels[len(self.levels) // 2])
        eq = equity(self.ledger, mark, self.params.multiplier)
        return {
            "session_id": self.id,
            "account": self.account,
            "symbol": self.symbol,
            "status": self.status.value,
            "slots": {
                "empty": int(counts[0]),
                "entry_open": int(counts[1]),
                "exit_open": int(counts[3]),
            },
            "position": float(self.ledger[A_POS]),
            "wallet": float(self.ledger[A_WALLET]),
            "equity": eq,
            "fills": len(self.stats.fills),
            "round_trips": self.stats.round_trips,
            "grid_profit": self.stats.grid_profit,
            "stop_reason": self.stats.stop_reason,
        }
