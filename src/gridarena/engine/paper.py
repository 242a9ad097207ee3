"""Paper trading: grid sessions on the simulated venue, replayed tick by tick.

Venue events are routed to each session's ordered queue; after every tick the engine waits for
the queues it fed to drain, so the sessions' reactions (counter orders, stops) land before the
market moves on. That makes a replay deterministic and lets it match the backtest kernel.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from gridarena.engine.clock import Clock, RealClock
from gridarena.engine.equity import EquityBook
from gridarena.engine.queue import OrderedQueue
from gridarena.engine.session import GridSession, SessionStatus
from gridarena.venues.base import FillEvent, FundingPaid, Liquidated, MarketTick
from gridarena.venues.base import VenueEvent as Event
from gridarena.venues.errors import PermanentVenueError
from gridarena.venues.sim.exchange import SimExchange

if TYPE_CHECKING:
    from gridarena.domain.orders import OrderRequest
    from gridarena.engine.recorder import StoreRecorder
    from gridarena.engine.supervisor import RiskSupervisor


class PaperEngine:
    """Drive sessions on a `SimExchange` replay."""

    def __init__(self, exchange: SimExchange, *, curve_every: int = 1) -> None:
        """Drive ``exchange``; sample every account's equity each ``curve_every`` candles."""
        self.exchange = exchange
        self.curve_every = max(1, curve_every)
        self._closes = 0
        self.sessions: dict[str, GridSession] = {}
        self._by_tag: dict[str, GridSession] = {}
        self._queues: dict[str, OrderedQueue[Event]] = {}
        # Sessions with queued events, in the order they got their first one (a dict, not a
        # set: draining in hash order would make same-tick reactions vary between processes).
        self._touched: dict[str, None] = {}
        self._subscribed: set[str] = set()
        self._tick_watchers: dict[str, list[GridSession]] = {}
        self.equity = EquityBook(exchange)
        self.events: list[dict[str, Any]] = []
        self.recorder: StoreRecorder | None = None
        self.supervisor: RiskSupervisor | None = None
        self.ticks = 0
        # Seconds from a tick's start to each order it caused (set to a list to record them).
        self.latencies: list[float] | None = None
        # Seconds from an event reaching a session's queue to each order it caused.
        self.event_latencies: list[float] | None = None
        self._received: dict[str, float] = {}
        self._tick_t0: float | None = None
        self._closed = False

    def add_session(self, session: GridSession) -> None:
        """Register ``session`` so venue events reach it in order."""
        from gridarena.execution.client_ids import session_tag

        self.sessions[session.id] = session
        self._by_tag[session_tag(session.account, session.id)] = session
        self._queues[session.id] = OrderedQueue(session.handle, name=f"session-{session.id}")
        session.latency_probe = self._latency_probe(session.id)
        if self.supervisor is not None:
            self.supervisor.gate(session)
        if self.recorder is not None:  # a session started mid-run (the arena's grids)
            self._record_session(session, self.exchange.markets[session.symbol].ts_ms())
        if session.watch_ticks:
            if not self._tick_watchers:
                self.exchange.market_listeners.append(self._on_tick)
            self._tick_watchers.setdefault(session.symbol, []).append(session)
        if session.account not in self._subscribed:
            self._subscribed.add(session.account)
            self.exchange.subscribe(
                session.account, self._router(session.account), order_updates=False
            )
            self.equity.add(session.account)

    def _router(self, account: str) -> Callable[[Event], None]:
        def route(event: Event) -> None:
            # Sessions act on fills; order status updates change nothing in a grid's state.
            if isinstance(event, FillEvent):
                if self.supervisor is not None:
                    self.supervisor.note_fill()
                parts = event.fill.client_id.split("-")
                session = self._by_tag.get(parts[1]) if len(parts) > 2 else None
                if session is not None:
                    self._push(session, event)
                else:  # liquidation fills carry the venue's ids
                    for s in self._account_sessions(account, event.fill.symbol):
                        self._push(s, event)
            elif isinstance(event, FundingPaid | Liquidated):
                for s in self._account_sessions(account, event.symbol):
                    self._push(s, event)
                kind = "funding" if isinstance(event, FundingPaid) else "liquidation"
                if kind == "liquidation":
                    self.events.append(
                        {
                            "kind": kind,
                            "account": account,
                            "symbol": event.symbol,
                            "ts_ms": event.ts_ms,
                            "reason_code": "LIQUIDATED",
                        }
                    )

        return route

    def _account_sessions(self, account: str, symbol: str) -> list[GridSession]:
        return [s for s in self.sessions.values() if s.account == account and s.symbol == symbol]

    def _push(self, session: GridSession, event: Event) -> None:
        # (The equity book hears the account's fills itself: see `EquityBook.add`.)
        if self.event_latencies is not None:
            self._received.setdefault(session.id, time.perf_counter())
        self._queues[session.id].put(event)
        self._touched[session.id] = None

    def _on_tick(self, event: Event) -> None:
        # Only symbols some session watches get a tick listener (ticks cost Decimal prices).
        assert isinstance(event, MarketTick)
        for session in self._tick_watchers.get(event.symbol, ()):
            if session.status is SessionStatus.RUNNING:
                self._push(session, event)

    def _sample_equity(self) -> None:
        """Record every account's equity once per candle (all markets close together)."""
        self._closed = False
        self._closes += 1
        if self._closes % self.curve_every == 0:
            self.equity.sample()

    def attach_supervisor(self, supervisor: RiskSupervisor) -> None:
        """Gate every session's orders and run the portfolio monitors after each tick."""
        self.supervisor = supervisor
        supervisor.attach(self)
        if self.recorder is not None:
            self.recorder.watch_supervisor(supervisor)

    def attach_recorder(self, recorder: StoreRecorder) -> None:
        """Record every account, session, order, fill and final state in the store."""
        self.recorder = recorder
        ts = min(m.ts_ms() for m in self.exchange.markets.values())
        for account in {s.account for s in self.sessions.values()}:
            recorder.open_account(account, self.exchange.accounts[account].wallet)
            self.exchange.subscribe(account, recorder.on_event(account), order_updates=True)
        for session in self.sessions.values():
            self._record_session(session, ts)
        if self.supervisor is not None:
            recorder.watch_supervisor(self.supervisor)

    def _record_session(self, session: GridSession, at_ms: int) -> None:
        recorder = self.recorder
        assert recorder is not None
        recorder.open_account(session.account, self.exchange.accounts[session.account].wallet)
        recorder.open_session(
            account=session.account,
            session_id=session.id,
            symbol=session.symbol,
            spec=session.spec.model_dump(mode="json"),
            at_ms=at_ms,
        )
        session.on_order = self._order_hook(session)
        session.on_reject = self._reject_hook(session)

    def _order_hook(self, session: GridSession) -> Callable[[OrderRequest, int | None], None]:
        recorder = self.recorder
        market = self.exchange.markets[session.symbol]
        assert recorder is not None

        def hook(request: OrderRequest, slot: int | None) -> None:
            cycle = int(session.cycles[slot]) if slot is not None else session.whole_cycle
            recorder.order_requested(
                account=session.account,
                session_id=session.id,
                request=request,
                slot=slot,
                cycle=cycle,
                at_ms=market.ts_ms(),
            )

        return hook

    def _reject_hook(
        self, session: GridSession
    ) -> Callable[[OrderRequest, PermanentVenueError], None]:
        recorder = self.recorder
        market = self.exchange.markets[session.symbol]
        assert recorder is not None

        def hook(request: OrderRequest, exc: PermanentVenueError) -> None:
            recorder.order_rejected(
                account=session.account,
                client_id=request.client_id,
                code=exc.code,
                at_ms=market.ts_ms(),
            )

        return hook

    async def start_all(self) -> None:
        """Start every new session at its market's current price."""
        for session in self.sessions.values():
            if session.status is SessionStatus.NEW:
                price = self.exchange.markets[session.symbol].price_decimal
                await session.start(price)
        await self._drain()

    async def drain(self) -> None:
        """Wait until every session has handled the events routed to it."""
        await self._drain()

    async def _drain(self) -> None:
        while self._touched:
            touched, self._touched = self._touched, {}
            for sid in touched:
                await self._queues[sid].drain()
                self._received.pop(sid, None)

    def _latency_probe(self, session_id: str) -> Callable[[], None]:
        def probe() -> None:
            if self.latencies is None or self._tick_t0 is None:
                return
            now = time.perf_counter()
            self.latencies.append(now - self._tick_t0)
            received = self._received.get(session_id)
            if received is not None and self.event_latencies is not None:
                self.event_latencies.append(now - received)

        return probe

    async def step(self) -> None:
        """Advance the market one tick and let the sessions react."""
        # Market by market: sessions react to their own symbol's tick before the next one moves.
        for market in self.exchange.markets.values():
            if market.done:
                continue
            self._tick_t0 = time.perf_counter()
            self.exchange.step_market(market)
            self.ticks += 1
            if market.phase == 0:
                self._closed = True
            if self._touched:
                await self._drain()
        self._tick_t0 = None
        if self.supervisor is not None:
            await self.supervisor.after_tick(candle_closed=self._closed)
        if self._closed:
            self._sample_equity()

    async def run(
        self,
        *,
        max_ticks: int | None = None,
        on_progress: Callable[[int], None] | None = None,
        speed: float = 0.0,
        clock: Clock | None = None,
    ) -> float:
        """Replay until the data ends (or ``max_ticks``); return the wall time.

        ``speed`` 0 replays as fast as possible; 1 in real time; N at N× (a 1m candle every
        60/N s). The ``clock`` (real by default) is injected so tests never wait.
        """
        t0 = time.perf_counter()
        await self.start_all()
        n = 0
        clock = clock or RealClock()
        start = clock.now()
        tf_s = min(m.candles.timeframe_ms for m in self.exchange.markets.values()) / 1000.0
        while not self.exchange.done and (max_ticks is None or n < max_ticks):
            if speed > 0 and n % 4 == 0:
                due = start + (n // 4) * tf_s / speed
                wait = due - clock.now()
                if wait > 0:
                    await clock.sleep(wait)
            await self.step()
            n += 1
            if self.recorder is not None and n % 4096 == 0:
                self.recorder.flush()
            if on_progress is not None and n % 4096 == 0:
                on_progress(n)
        if self.recorder is not None:
            self.recorder.final_state(self)
        return time.perf_counter() - t0

    async def close(self) -> None:
        """Stop the session consumers."""
        for q in self._queues.values():
            await q.close()

    def account_state(self, account: str) -> dict[str, Any]:
        """Return what the venue says about ``account`` (the source of truth)."""
        bal = self.exchange.balance(account)
        acct = self.exchange.accounts[account]
        return {
            "wallet": float(bal.wallet),
            "unrealized_pnl": float(bal.unrealized_pnl),
            "equity": float(bal.equity),
            "available": float(bal.available),
            "realized_pnl": float(acct.realized),
            "fees": float(acct.fees),
            "funding": float(acct.funding),
            "positions": [
                {
                    "symbol": p.symbol,
                    "qty": float(p.qty),
                    "entry_price": float(p.entry_price),
                    "liquidation_price": float(p.liquidation_price)
                    if p.liquidation_price
                    else None,
                }
                for p in self.exchange.positions(account)
            ],
            "open_orders": len(self.exchange.open_orders(account)),
        }

    def summary(self, account: str, elapsed_s: float) -> dict[str, Any]:
        """Return the backtest summary keys for ``account`` plus its venue state."""
        acct = self.exchange.accounts[account]
        bal = self.exchange.balance(account)
        fills = self.exchange.fills[account]
        sessions = [s for s in self.sessions.values() if s.account == account]
        candles = max((m.i for m in self.exchange.markets.values()), default=0)
        return {
            "candles": candles,
            "fills": len(fills),
            "round_trips": sum(s.stats.round_trips for s in sessions),
            "realized_pnl": float(acct.realized),
            "unrealized_pnl": float(bal.unrealized_pnl),
            "fees": float(acct.fees),
            "funding": float(acct.funding),
            "final_equity": float(bal.equity),
            "max_drawdown": self.equity.max_drawdown(account),
            "elapsed_s": elapsed_s,
            "ticks": self.ticks,
            "sessions": [
                s.status_dict(float(self.exchange.markets[s.symbol].price)) for s in sessions
            ],
            "account_state": self.account_state(account),
            "account_risk_state": self.supervisor.state(account).value
            if self.supervisor is not None
            else None,
            "risk_events": [e for e in self.events if e["account"] == account]
            + (
                [
                    e.as_dict() | {"live": True}
                    for e in self.supervisor.events
                    if e.account == account
                ]
                if self.supervisor is not None
                else []
            )
            + [
                {
                    "kind": "session_stop",
                    "account": account,
                    "session_id": s.id,
                    "reason_code": s.stats.stop_reason.upper(),
                }
                for s in sessions
                if s.stats.stop_reason not in ("none", "stopped")
            ]
            + [
                {
                    "kind": "order_rejected",
                    "account": account,
                    "session_id": s.id,
                    "reason_code": f"VENUE_{r['code']}",
                    "detail": r,
                }
                for s in sessions
                for r in s.stats.rejections
                if r["code"] != "RISK_REJECTED"  # the supervisor's own events tell those
            ],
        }


def fund(exchange: SimExchange, account: str, amount: float) -> None:
    """Open ``account`` on the exchange with ``amount`` of quote currency."""
    exchange.add_account(account, Decimal(repr(float(amount))))
