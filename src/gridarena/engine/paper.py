"""Paper trading: grid sessions on the simulated venue, replayed tick by tick.

Venue events are routed to each session's ordered queue; after every tick the engine waits for
the queues it fed to drain, so the sessions' reactions (counter orders, stops) land before the
market moves on. That makes a replay deterministic and lets it match the backtest kernel.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from gridarena.engine.queue import OrderedQueue
from gridarena.engine.session import GridSession, SessionStatus
from gridarena.venues.base import FillEvent, FundingPaid, Liquidated, MarketTick, OrderUpdate
from gridarena.venues.base import VenueEvent as Event
from gridarena.venues.sim.exchange import SimExchange


@dataclass
class AccountCurve:
    """Equity at every candle close, and its running drawdown."""

    start: float
    equity: list[float] = field(default_factory=list)
    peak: float = 0.0
    max_drawdown: float = 0.0

    def add(self, value: float) -> None:
        """Record one close."""
        self.equity.append(value)
        self.peak = max(self.peak or self.start, value)
        if self.peak > 0:
            self.max_drawdown = max(self.max_drawdown, (self.peak - value) / self.peak)


class PaperEngine:
    """Drive sessions on a `SimExchange` replay."""

    def __init__(self, exchange: SimExchange) -> None:
        self.exchange = exchange
        self.sessions: dict[str, GridSession] = {}
        self._by_tag: dict[str, GridSession] = {}
        self._queues: dict[str, OrderedQueue[Event]] = {}
        self._touched: set[str] = set()
        self._subscribed: set[str] = set()
        self._tick_watchers: dict[str, list[GridSession]] = {}
        self.curves: dict[str, AccountCurve] = {}
        self.events: list[dict[str, Any]] = []
        self.ticks = 0
        exchange.market_listeners.append(self._on_tick)

    def add_session(self, session: GridSession) -> None:
        """Register ``session`` so venue events reach it in order."""
        from gridarena.execution.client_ids import session_tag

        self.sessions[session.id] = session
        self._by_tag[session_tag(session.account, session.id)] = session
        self._queues[session.id] = OrderedQueue(session.handle, name=f"session-{session.id}")
        if session.watch_ticks:
            self._tick_watchers.setdefault(session.symbol, []).append(session)
        if session.account not in self._subscribed:
            self._subscribed.add(session.account)
            self.exchange.subscribe(session.account, self._router(session.account))
            start = float(self.exchange.accounts[session.account].wallet)
            self.curves[session.account] = AccountCurve(start=start, peak=start)

    def _router(self, account: str) -> Callable[[Event], None]:
        def route(event: Event) -> None:
            if isinstance(event, FillEvent | OrderUpdate):
                cid = (
                    event.fill.client_id if isinstance(event, FillEvent) else event.order.client_id
                )
                parts = cid.split("-")
                session = self._by_tag.get(parts[1]) if len(parts) > 2 else None
                if session is not None:
                    self._push(session, event)
                elif isinstance(event, FillEvent):  # liquidation fills carry venue ids
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
        self._queues[session.id].put(event)
        self._touched.add(session.id)

    def _on_tick(self, event: Event) -> None:
        assert isinstance(event, MarketTick)
        self.ticks += 1
        for session in self._tick_watchers.get(event.symbol, ()):
            if session.status is SessionStatus.RUNNING:
                self._push(session, event)
        if event.phase == 3:
            marks = self.exchange.marks()
            for account, curve in self.curves.items():
                acct = self.exchange.accounts[account]
                curve.add(float(acct.wallet + acct.unrealized(marks, self.exchange.mults)))

    async def start_all(self) -> None:
        """Start every new session at its market's current price."""
        for session in self.sessions.values():
            if session.status is SessionStatus.NEW:
                price = self.exchange.markets[session.symbol].price_decimal
                await session.start(price)
        await self._drain()

    async def _drain(self) -> None:
        while self._touched:
            touched, self._touched = self._touched, set()
            for sid in touched:
                await self._queues[sid].drain()

    async def step(self) -> None:
        """Advance the market one tick and let the sessions react."""
        self.exchange.step()
        if self._touched:
            await self._drain()

    async def run(
        self,
        *,
        max_ticks: int | None = None,
        on_progress: Callable[[int], None] | None = None,
        speed: float = 0.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> float:
        """Replay until the data ends (or ``max_ticks``); return the wall time.

        ``speed`` 0 replays as fast as possible; 1 in real time; N at N× (a 1m candle every
        60/N s). ``clock`` and ``sleep`` are injected so tests never wait.
        """
        t0 = time.perf_counter()
        await self.start_all()
        n = 0
        start = clock()
        tf_s = min(m.candles.timeframe_ms for m in self.exchange.markets.values()) / 1000.0
        while not self.exchange.done and (max_ticks is None or n < max_ticks):
            if speed > 0 and n % 4 == 0:
                due = start + (n // 4) * tf_s / speed
                wait = due - clock()
                if wait > 0:
                    await sleep(wait)
            await self.step()
            n += 1
            if on_progress is not None and n % 4096 == 0:
                on_progress(n)
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
        curve = self.curves[account]
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
            "max_drawdown": curve.max_drawdown,
            "elapsed_s": elapsed_s,
            "ticks": self.ticks,
            "sessions": [
                s.status_dict(float(self.exchange.markets[s.symbol].price)) for s in sessions
            ],
            "account_state": self.account_state(account),
            "risk_events": [e for e in self.events if e["account"] == account]
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
            ],
        }


def fund(exchange: SimExchange, account: str, amount: float) -> None:
    """Open ``account`` on the exchange with ``amount`` of quote currency."""
    exchange.add_account(account, Decimal(repr(float(amount))))
