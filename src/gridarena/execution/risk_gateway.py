"""Every order passes the risk gate (DESIGN.md §2.3): a gateway in front of any other.

It reads the account and market from the venue, asks the pure gate (`gridarena.risk.evaluate`)
and sends the approved (or reduced) order through the gateway it wraps. A refusal raises
`RiskRefused` — an `OrderRejected`, so a session treats it like any venue refusal — and every
decision is handed to ``on_decision`` to be stored as a risk event. Cancels always pass: they
can only reduce risk.

An in-process simulator is read directly (one pass over the account, no awaits) and afresh for
every order, since each order changes the margin the next one may use; only its market view is
kept, and only while the price it was built at is still the market's.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from gridarena.domain.instrument import Instrument
from gridarena.domain.orders import Order, OrderRequest
from gridarena.execution.gateway import OrderGateway
from gridarena.risk import (
    AccountState,
    AccountView,
    MarketView,
    OrderIntent,
    OrderSource,
    Reject,
    RiskLimits,
    evaluate,
)
from gridarena.risk.types import Approve, ReasonCode, Reduce
from gridarena.venues.base import Venue
from gridarena.venues.errors import OrderRejected
from gridarena.venues.sim.venue import SimVenue

Decision = Approve | Reduce | Reject


class RiskRefused(OrderRejected):
    """The risk gate refused the order; ``reason_codes`` say why."""

    def __init__(self, reason_codes: tuple[ReasonCode, ...]) -> None:
        super().__init__(f"risk gate: {', '.join(reason_codes)}", code="RISK_REJECTED")
        self.reason_codes = reason_codes


class RiskGateway:
    """Gate every order of one account through the risk checks before ``inner`` sends it."""

    def __init__(
        self,
        inner: OrderGateway,
        *,
        venue: Venue,
        limits: RiskLimits,
        leverage: Decimal,
        source: OrderSource = OrderSource.GRID,
        state: Callable[[], AccountState] = lambda: AccountState.ACTIVE,
        kill_switch: Callable[[], bool] = lambda: False,
        on_decision: Callable[[OrderRequest, Decision], None] | None = None,
        allowed_symbols: Callable[[], frozenset[str] | None] = lambda: None,
    ) -> None:
        self.inner = inner
        self.venue = venue
        self.limits = limits
        self.leverage = leverage
        self.source = source
        self.state = state
        self.kill_switch = kill_switch
        self.on_decision = on_decision
        self.allowed_symbols = allowed_symbols
        self._instruments: dict[str, Instrument] = {}
        # The simulator's account is read in process; its market view is kept per symbol for
        # as long as the price it was built at is the market's price.
        self._sim = venue if type(venue) is SimVenue else None
        self._market_views: dict[str, tuple[float, MarketView]] = {}

    def _sim_views(self, sim: SimVenue, symbol: str) -> tuple[AccountView, MarketView]:
        """Return the views `_views` would build, read straight from the simulator."""
        exchange = sim.exchange
        market = exchange.markets[symbol]
        cached = self._market_views.get(symbol)
        if cached is not None and cached[0] == market.price:
            view = cached[1]
        else:
            # As `SimVenue.book_top`: a one-tick book around the last price.
            px, tick = market.price_decimal, market.instrument.tick_size
            bid, ask = px - tick, px + tick
            view = MarketView(market.instrument, (bid + ask) / 2, bid, ask)
            self._market_views[symbol] = (market.price, view)
        f = exchange.figures(sim.account)
        account = AccountView(
            equity=f.equity,
            available=f.available,
            positions=f.positions,
            total_notional=f.gross_notional,
            leverage_in_use={s: Decimal(lev) for s, lev in f.leverage.items()},
            allowed_symbols=self.allowed_symbols(),
            state=self.state(),
            kill_switch=self.kill_switch(),
        )
        return account, view

    async def _views(self, symbol: str) -> tuple[AccountView, MarketView]:
        if self._sim is not None:
            return self._sim_views(self._sim, symbol)
        if symbol not in self._instruments:
            self._instruments = await self.venue.instruments()
        top = await self.venue.book_top(symbol)
        last = (top.bid + top.ask) / 2
        balance = await self.venue.balance()
        positions = await self.venue.positions()
        account = AccountView(
            equity=balance.equity,
            available=balance.available,
            positions={p.symbol: p.qty for p in positions},
            total_notional=sum((abs(p.qty) * p.mark_price for p in positions), Decimal(0)),
            leverage_in_use={p.symbol: Decimal(p.leverage) for p in positions},
            allowed_symbols=self.allowed_symbols(),
            state=self.state(),
            kill_switch=self.kill_switch(),
        )
        market = MarketView(self._instruments[symbol], last, top.bid, top.ask)
        return account, market

    async def place(
        self, request: OrderRequest, *, session_id: str, slot: int | None, cycle: int | None
    ) -> Order | None:
        """Send ``request`` if the gate approves it (possibly reduced); else raise."""
        account, market = await self._views(request.symbol)
        decision = evaluate(
            OrderIntent(request, self.leverage, self.source), account, market, self.limits
        )
        if self.on_decision is not None:
            self.on_decision(request, decision)
        if isinstance(decision, Reject):
            raise RiskRefused(decision.reason_codes)
        return await self.inner.place(
            decision.request, session_id=session_id, slot=slot, cycle=cycle
        )

    async def cancel(self, symbol: str, client_id: str) -> Order | None:
        """Cancel: always allowed."""
        return await self.inner.cancel(symbol, client_id)
