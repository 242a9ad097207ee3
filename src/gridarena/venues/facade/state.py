"""Everything one facade instance holds: the exchange, keys, clock, limits, faults, counters."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Request

from gridarena.venues.facade.auth import Authenticator, Credential
from gridarena.venues.facade.clock import SimClock
from gridarena.venues.facade.config import FacadeConfig
from gridarena.venues.facade.errors import BinanceError
from gridarena.venues.facade.faults import FaultInjector
from gridarena.venues.facade.limits import RateLimiter
from gridarena.venues.facade.params import Params, parse_params
from gridarena.venues.facade.wire import Formats
from gridarena.venues.sim.book import SimOrder
from gridarena.venues.sim.exchange import SimExchange
from gridarena.venues.sim.market import SimMarket


def wall_clock_ms() -> int:
    """Return the wall clock in epoch milliseconds."""
    return time.time_ns() // 1_000_000


@dataclass(slots=True)
class VenueState:
    """The simulated venue behind the HTTP routes."""

    exchange: SimExchange
    keys: Mapping[str, Credential]
    config: FacadeConfig
    wall_ms: Callable[[], int] = wall_clock_ms
    auth: Authenticator = field(init=False)
    limiter: RateLimiter = field(init=False)
    faults: FaultInjector = field(init=False)
    clock: SimClock = field(init=False)
    formats: dict[str, Formats] = field(init=False)
    requests: Counter[str] = field(default_factory=Counter)
    order_ids: dict[str, dict[int, str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        cfg = self.config
        self.auth = Authenticator(
            self.keys,
            self.wall_ms,
            cfg.max_recv_window_ms,
            cfg.default_recv_window_ms,
            cfg.ahead_tolerance_ms,
        )
        self.limiter = RateLimiter(cfg.limits, self.wall_ms)
        self.faults = FaultInjector(cfg.faults)
        self.clock = SimClock(self.exchange, cfg.clock, cfg.speed)
        self.formats = {s: Formats(m.instrument) for s, m in self.exchange.markets.items()}

    def now_ms(self) -> int:
        """Return the venue (replay) time."""
        return self.clock.now_ms()

    def market(self, symbol: str | None) -> SimMarket:
        """Return a market by symbol (-1102 when missing, -1121 when unknown)."""
        if not symbol:
            raise BinanceError(
                -1102, "Mandatory parameter 'symbol' was not sent, was empty/null, or malformed."
            )
        market = self.exchange.markets.get(symbol)
        if market is None:
            raise BinanceError(-1121, "Invalid symbol.")
        return market

    def markets(self, symbol: str | None) -> list[SimMarket]:
        """Return one market when ``symbol`` is given, else all of them."""
        if symbol is None:
            return list(self.exchange.markets.values())
        return [self.market(symbol)]

    def remember_order(self, account: str, order: SimOrder) -> None:
        """Index an accepted order by its numeric id."""
        self.order_ids.setdefault(account, {})[int(order.venue_id)] = order.request.client_id

    def find_order(
        self, account: str, symbol: str, params: Params, *, unknown: tuple[int, str]
    ) -> SimOrder:
        """Return the order named by ``orderId`` or ``origClientOrderId``, else raise ``unknown``.

        Binance answers -2013 on queries and -2011 on cancels for an order it does not have.
        """
        order_id = params.integer("orderId")
        client_id = params.opt("origClientOrderId")
        if order_id is None and client_id is None:
            raise BinanceError(
                -1102,
                "Param 'origClientOrderId' or 'orderId' must be sent, but both were empty/null!",
            )
        if client_id is None and order_id is not None:
            client_id = self.order_ids.get(account, {}).get(order_id)
        order = self.exchange.orders.get(account, {}).get(client_id or "")
        if (
            order is None
            or order.request.symbol != symbol
            or (order_id is not None and int(order.venue_id) != order_id)
        ):
            raise BinanceError(*unknown)
        return order


async def venue_state(request: Request) -> VenueState:
    """Return the venue of the app serving ``request``.

    Dependencies are coroutines on purpose: FastAPI runs plain functions in a thread pool.
    """
    state: VenueState = request.app.state.venue
    return state


Venue = Annotated[VenueState, Depends(venue_state)]


@dataclass(frozen=True, slots=True)
class Signed:
    """A verified signed request: the sub-account and its parameters."""

    account: str
    params: Params


async def signed_request(request: Request, venue: Venue) -> Signed:
    """Verify the API key, signature and receive window of a signed request."""
    body = (await request.body()).decode("utf-8", "replace")
    query = request.scope.get("query_string", b"").decode("latin-1")
    account, params = venue.auth.verify(request.headers.get("x-mbx-apikey"), query, body)
    if account not in venue.exchange.accounts:
        raise BinanceError(-2015, "Invalid API-key, IP, or permissions for action.", status=401)
    return Signed(account, params)


async def public_params(request: Request) -> Params:
    """Return a public request's query parameters."""
    return Params(parse_params(request.scope.get("query_string", b"").decode("latin-1")))


Auth = Annotated[Signed, Depends(signed_request)]
Query = Annotated[Params, Depends(public_params)]
