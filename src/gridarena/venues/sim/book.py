"""Resting orders of the simulated venue, kept sorted so the nearest one is found at once."""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from decimal import Decimal

from gridarena.domain.orders import Order, OrderRequest, OrderStatus, OrderType
from gridarena.domain.types import Side

_Key = tuple[float, int]


@dataclass(slots=True, eq=False)
class SimOrder:
    """The venue's mutable record of an order."""

    account: str
    request: OrderRequest
    venue_id: str
    seq: int
    created_ms: int
    status: OrderStatus = OrderStatus.NEW
    filled: Decimal = Decimal(0)
    avg_price: Decimal | None = None
    updated_ms: int = 0
    margin: Decimal = Decimal(0)  # initial margin reserved while it rests

    @property
    def side(self) -> int:
        """Return +1 for a buy, −1 for a sell."""
        return 1 if self.request.side is Side.BUY else -1

    def view(self) -> Order:
        """Return the immutable view a client sees."""
        r = self.request
        return Order(
            symbol=r.symbol,
            client_id=r.client_id,
            venue_id=self.venue_id,
            side=r.side,
            type=r.type,
            qty=r.qty,
            price=r.price,
            status=self.status,
            filled_qty=self.filled,
            avg_price=self.avg_price,
            time_in_force=r.time_in_force,
            reduce_only=r.reduce_only,
            stop_price=r.stop_price,
            created_ms=self.created_ms,
            updated_ms=self.updated_ms or self.created_ms,
        )


def _down_triggered(order: SimOrder) -> bool:
    """Stops that fire when price falls: a sell stop-loss or a buy take-profit."""
    kind = order.request.type
    return (kind is OrderType.STOP_MARKET) == (order.side < 0)


@dataclass(slots=True)
class SymbolBook:
    """Limit and stop orders resting on one symbol, best first on each side."""

    buys: list[tuple[_Key, SimOrder]] = field(default_factory=list)  # key (−price, seq)
    sells: list[tuple[_Key, SimOrder]] = field(default_factory=list)  # key (price, seq)
    stops_down: list[tuple[_Key, SimOrder]] = field(default_factory=list)  # key (−stop, seq)
    stops_up: list[tuple[_Key, SimOrder]] = field(default_factory=list)  # key (stop, seq)

    def _side_list(self, order: SimOrder) -> tuple[list[tuple[_Key, SimOrder]], _Key]:
        r = order.request
        if r.type is OrderType.LIMIT:
            price = float(r.price or 0)
            if order.side > 0:
                return self.buys, (-price, order.seq)
            return self.sells, (price, order.seq)
        stop = float(r.stop_price or 0)
        if _down_triggered(order):
            return self.stops_down, (-stop, order.seq)
        return self.stops_up, (stop, order.seq)

    def add(self, order: SimOrder) -> None:
        """Rest ``order`` in price-time priority."""
        lst, key = self._side_list(order)
        bisect.insort(lst, (key, order), key=lambda item: item[0])

    def remove(self, order: SimOrder) -> None:
        """Take ``order`` out of the book (no-op when it is not there)."""
        lst, key = self._side_list(order)
        idx = bisect.bisect_left(lst, key, key=lambda item: item[0])
        if idx < len(lst) and lst[idx][1] is order:
            del lst[idx]

    def best_buy(self) -> float:
        """Return the highest resting buy price (−inf when none)."""
        return -self.buys[0][0][0] if self.buys else float("-inf")

    def best_sell(self) -> float:
        """Return the lowest resting sell price (+inf when none)."""
        return self.sells[0][0][0] if self.sells else float("inf")

    def best_stop_down(self) -> float:
        """Return the highest stop that fires on a fall (−inf when none)."""
        return -self.stops_down[0][0][0] if self.stops_down else float("-inf")

    def best_stop_up(self) -> float:
        """Return the lowest stop that fires on a rise (+inf when none)."""
        return self.stops_up[0][0][0] if self.stops_up else float("inf")

    def orders(self) -> list[SimOrder]:
        """Return every resting order."""
        return [
            o for lst in (self.buys, self.sells, self.stops_down, self.stops_up) for _, o in lst
        ]
