"""The account book both test servers keep: resting orders, fills, positions and cash.

Orders rest until a test fills them explicitly (`Ledger.fill`), or cross the one-tick book
around ``mid`` when placed. Fees: maker 2 bp, taker 5 bp of notional. One-way positions.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from decimal import Decimal

MAKER, TAKER = Decimal("0.0002"), Decimal("0.0005")


def now_ms() -> int:
    """Return the wall clock in milliseconds."""
    return time.time_ns() // 1_000_000


@dataclass
class Order:
    """A server-side order."""

    oid: int
    symbol: str
    side: str  # BUY | SELL
    qty: Decimal
    price: Decimal | None
    kind: str  # the venue's own type/tif spelling
    client_id: str | None
    reduce_only: bool = False
    filled: Decimal = Decimal(0)
    avg: Decimal = Decimal(0)
    status: str = "open"  # open | filled | canceled | rejected
    created: int = field(default_factory=now_ms)
    updated: int = field(default_factory=now_ms)


@dataclass
class Trade:
    """One execution."""

    tid: int
    order: Order
    qty: Decimal
    price: Decimal
    fee: Decimal
    maker: bool
    realized: Decimal
    ts: int


@dataclass
class Ledger:
    """One account on a toy exchange with a fixed mid price per symbol."""

    mids: dict[str, Decimal]
    ticks: dict[str, Decimal]
    cash: Decimal = Decimal(10_000)
    leverage: int = 10
    orders: dict[int, Order] = field(default_factory=dict)
    trades: list[Trade] = field(default_factory=list)
    positions: dict[str, tuple[Decimal, Decimal]] = field(default_factory=dict)  # qty, avg
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1001))

    def bid_ask(self, symbol: str) -> tuple[Decimal, Decimal]:
        """Return a one-tick-wide book around the mid."""
        return self.mids[symbol] - self.ticks[symbol], self.mids[symbol] + self.ticks[symbol]

    def crosses(self, symbol: str, side: str, price: Decimal | None) -> bool:
        """Tell whether a limit at ``price`` (None: market) would take liquidity."""
        bid, ask = self.bid_ask(symbol)
        return price is None or (price >= ask if side == "BUY" else price <= bid)

    def by_client(self, client_id: str) -> Order | None:
        """Return the order with this client id."""
        return next((o for o in self.orders.values() if o.client_id == client_id), None)

    def position(self, symbol: str) -> Decimal:
        """Return the signed position."""
        return self.positions.get(symbol, (Decimal(0), Decimal(0)))[0]

    def unrealized(self) -> Decimal:
        """Return the PnL of all positions at the mid."""
        return sum((q * (self.mids[s] - avg) for s, (q, avg) in self.positions.items()), Decimal(0))

    def margin_used(self) -> Decimal:
        """Return initial margin of positions and open orders."""
        pos = sum((abs(q) * self.mids[s] for s, (q, _) in self.positions.items()), Decimal(0))
        opened = sum(
            (o.qty - o.filled) * (o.price or self.mids[o.symbol])
            for o in self.orders.values()
            if o.status == "open"
        )
        return (pos + opened) / self.leverage

    def available(self) -> Decimal:
        """Return what new orders may still use as margin."""
        return self.cash + self.unrealized() - self.margin_used()

    def add(self, order: Order, *, take: bool = True) -> Order:
        """Register an order; one that crosses fills at the book, or is cancelled (``take``)."""
        order.oid = next(self._ids)
        self.orders[order.oid] = order
        if not take and self.crosses(order.symbol, order.side, order.price):
            order.status = "canceled"
        elif self.crosses(order.symbol, order.side, order.price):
            bid, ask = self.bid_ask(order.symbol)
            self.fill(order, order.qty, ask if order.side == "BUY" else bid, maker=False)
        return order

    def fill(self, order: Order, qty: Decimal, price: Decimal, *, maker: bool = True) -> Trade:
        """Execute ``qty`` of an open order at ``price``."""
        sign = 1 if order.side == "BUY" else -1
        held, avg = self.positions.get(order.symbol, (Decimal(0), Decimal(0)))
        realized = Decimal(0)
        if held * sign < 0:  # reducing
            closed = min(qty, abs(held))
            realized = closed * (price - avg) * (1 if held > 0 else -1)
        new = held + sign * qty
        if new == 0:
            self.positions.pop(order.symbol, None)
        elif held == 0 or (held > 0) != (new > 0):
            self.positions[order.symbol] = (new, price)
        elif abs(new) > abs(held):
            self.positions[order.symbol] = (new, (held * avg + sign * qty * price) / new)
        else:
            self.positions[order.symbol] = (new, avg)
        fee = qty * price * (MAKER if maker else TAKER)
        self.cash += realized - fee
        order.avg = (order.avg * order.filled + price * qty) / (order.filled + qty)
        order.filled += qty
        order.status = "filled" if order.filled >= order.qty else "open"
        order.updated = now_ms()
        trade = Trade(next(self._ids), order, qty, price, fee, maker, realized, order.updated)
        self.trades.append(trade)
        return trade
