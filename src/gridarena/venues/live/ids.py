"""What the adapter knows about orders: our client ids against the venue's keys and order ids.

Binance and Orderly store our client id as is; Hyperliquid stores a 128-bit hash of it (the
cloid), so answers name the hash and the mapping back lives here. Trades name only the venue's
order id, so that mapping lives here too.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from gridarena.domain.orders import Order
from gridarena.venues.live.profile import Raw, VenueProfile


@dataclass(slots=True)
class OrderIds:
    """Client ids, venue keys and order ids of one account, and each order's last known state."""

    profile: VenueProfile
    by_key: dict[str, str] = field(default_factory=dict)  # the venue's client key → ours
    by_venue_id: dict[str, str] = field(default_factory=dict)  # venue order id → ours
    triggers: set[str] = field(default_factory=set)  # client ids of stop orders
    unresolved: set[str] = field(default_factory=set)  # venue ids whose client id is unknowable
    known: dict[str, Order] = field(default_factory=dict)  # client id → last seen state

    def learn(self, client_ids: Iterable[str]) -> None:
        """Map the venue's key of each client id back to it."""
        for client_id in client_ids:
            self.by_key[self.profile.venue_client_id(client_id)] = client_id

    def client_id(self, raw: Raw) -> str:
        """Return our client id of a ccxt order (the venue's key when it is not ours)."""
        key = raw.get("clientOrderId")
        if key:
            return self.by_key.get(str(key), str(key))
        return self.by_venue_id.get(str(raw.get("id")), "")

    def remember(self, order: Order) -> Order:
        """Record an order's venue id and state."""
        if order.client_id:
            self.by_venue_id[order.venue_id] = order.client_id
            self.known[order.client_id] = order
        return order
