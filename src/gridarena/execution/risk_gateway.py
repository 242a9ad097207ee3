"""Every order passes the risk gate (DESIGN.md §2.3): a gateway in front of any other.

It reads the account and market from the venue, asks the pure gate (`gridarena.risk.evaluate`)
and sends the approved (or reduced) order through the gateway it wraps. A refusal raises
`RiskRefused` — an `OrderRejected`, so a session treats it like any venue refusal — and every
decision is handed to ``on_decision`` to be stored as a risk event. Cancels always pass: they
can only reduce risk.
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
    ) -> None:
        self.inner = inner
        self.venue = venue
        self.limits = limits
        self.leverage = leverage
        self.source = source
        self.state = state
        self.kill_switch = kill_switch
        self.on_decision = on_decision
        self._instruments: dict[str, Instrument] = {}

    async def _views(self, symbol: str) -> tuple[AccountView, MarketView]:
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
