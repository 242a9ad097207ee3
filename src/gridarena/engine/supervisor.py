"""The risk supervisor: the pre-trade gate in front of every session, and the portfolio monitors.

It owns, for one engine, everything DESIGN §2.3 asks of risk at run time:
- every session's gateway is wrapped in a `RiskGateway` (no order reaches the venue unchecked);
  refusals and reductions become risk events with requested vs approved values;
- the portfolio monitors run on every candle close and after every fill: a transition to
  HALTED with ``flatten`` cancels the account's orders and closes its positions at market
  (reduce-only, through the same gate), and every state change is stored with its reason;
- kill switches (global / provider / account) stop new orders at once;
- the circuit breaker pauses a symbol's grids on an ATR or gap shock and resumes them once
  volatility normalises; the session calendar flattens before a futures session closes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from gridarena.domain.orders import OrderRequest, OrderType
from gridarena.domain.types import Side
from gridarena.engine.killswitch import KillSwitchBoard
from gridarena.engine.session import SessionStatus
from gridarena.execution.gateway import DirectGateway
from gridarena.execution.risk_gateway import Decision, RiskGateway, RiskRefused
from gridarena.risk import AccountState, OrderSource, Reject, RiskLimits
from gridarena.risk.monitors import AccountSample, PortfolioMonitor, Transition
from gridarena.risk.types import Approve, ReasonCode
from gridarena.venues.errors import PermanentVenueError
from gridarena.venues.sim.venue import SimVenue

if TYPE_CHECKING:
    from gridarena.engine.hedging import HedgeJob
    from gridarena.engine.paper import PaperEngine
    from gridarena.engine.session import GridSession
    from gridarena.risk.breaker import CircuitBreaker
    from gridarena.risk.calendar import SessionCalendar

__all__ = ["RiskEventRecord", "RiskSupervisor"]


@dataclass(frozen=True, slots=True)
class RiskEventRecord:
    """A risk outcome worth keeping: a refusal, a reduction, a state change, a flatten."""

    account: str
    ts_ms: int
    kind: str
    reason_code: str
    session_id: str | None = None
    requested: dict[str, Any] | None = None
    approved: dict[str, Any] | None = None
    detail: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """Return the record as a plain dict (for JSON summaries)."""
        return {
            "kind": self.kind,
            "account": self.account,
            "ts_ms": self.ts_ms,
            "reason_code": self.reason_code,
            "session_id": self.session_id,
            "requested": self.requested,
            "approved": self.approved,
            "detail": self.detail,
        }


def _values(v: Any) -> dict[str, Any]:
    return {"qty": str(v.qty), "price": str(v.price), "notional": str(v.notional),
            "leverage": str(v.leverage)}  # fmt: skip


@dataclass
class _Counters:
    approved: int = 0
    reduced: int = 0
    rejected: int = 0
    by_reason: dict[str, int] = field(default_factory=dict)
    refused_by_account: dict[str, dict[str, int]] = field(default_factory=dict)


class RiskSupervisor:
    """Gate and monitor every account of one paper engine."""

    def __init__(
        self,
        limits: RiskLimits,
        monitor: PortfolioMonitor,
        *,
        kill_switches: KillSwitchBoard | None = None,
        providers: Mapping[str, str] | None = None,
        breakers: Mapping[str, CircuitBreaker] | None = None,
        calendar: SessionCalendar | None = None,
        on_event: Callable[[RiskEventRecord], None] | None = None,
        on_state: Callable[[Transition], None] | None = None,
    ) -> None:
        self.limits = limits
        self.monitor = monitor
        self.kill_switches = kill_switches or KillSwitchBoard()
        self.providers = dict(providers or {})
        self.breakers = dict(breakers or {})
        self.calendar = calendar
        self.on_event = on_event
        self.on_state = on_state
        self.events: list[RiskEventRecord] = []
        self.transitions: list[Transition] = []
        self.counters = _Counters()
        self.paused_symbols: set[str] = set()
        self._breaker_held: dict[str, set[str]] = {}  # symbol -> sessions the breaker paused
        # Accounts held to a subset of the symbols (absent: every symbol), enforced by the gate.
        self.allowed_symbols: dict[str, frozenset[str]] = {}
        # Cross-asset hedges, each run once per closed candle (after breakers and calendar).
        self.hedges: list[HedgeJob] = []
        self._engine: PaperEngine | None = None
        self._fill_seen = False
        self._flatten_seq = 0

    # --- wiring ------------------------------------------------------------------------------
    def attach(self, engine: PaperEngine) -> None:
        """Gate every session of ``engine`` (and each one added later)."""
        self._engine = engine
        for session in engine.sessions.values():
            self.gate(session)

    def gate(self, session: GridSession, source: OrderSource = OrderSource.GRID) -> None:
        """Put the risk gate in front of ``session``'s gateway (once)."""
        if isinstance(session.gateway, RiskGateway):
            return
        session.gateway = self.gateway_for(
            session.account,
            session.gateway,
            session.venue,
            leverage=Decimal(repr(float(session.params.leverage))),
            source=source,
            session_id=session.id,
        )

    def gateway_for(
        self,
        account: str,
        inner: Any,
        venue: Any,
        *,
        leverage: Decimal,
        source: OrderSource,
        session_id: str | None = None,
    ) -> RiskGateway:
        """Return a risk gateway for ``account`` in front of ``inner``."""
        return RiskGateway(
            inner,
            venue=venue,
            limits=self.limits,
            leverage=leverage,
            source=source,
            state=lambda: self.state(account),
            kill_switch=lambda: self.killed(account),
            allowed_symbols=lambda: self.allowed_symbols.get(account),
            on_decision=self._decision_hook(account, session_id),
        )

    def _decision_hook(
        self, account: str, session_id: str | None
    ) -> Callable[[OrderRequest, Decision], None]:
        def hook(request: OrderRequest, decision: Decision) -> None:
            c = self.counters
            if isinstance(decision, Approve):
                c.approved += 1
                return
            codes = decision.reason_codes if isinstance(decision, Reject) else decision.reasons
            if isinstance(decision, Reject):
                c.rejected += 1
                kind = "order_refused"
            else:
                c.reduced += 1
                kind = "order_reduced"
            refused = (
                c.refused_by_account.setdefault(account, {}) if kind == "order_refused" else None
            )
            for code in codes:
                c.by_reason[code.value] = c.by_reason.get(code.value, 0) + 1
                if refused is not None:
                    refused[code.value] = refused.get(code.value, 0) + 1
            self._emit(
                RiskEventRecord(
                    account=account,
                    ts_ms=self._now_ms(),
                    kind=kind,
                    reason_code=",".join(code.value for code in codes),
                    session_id=session_id,
                    requested=_values(decision.requested),
                    approved=_values(decision.approved),
                    detail=f"{request.side.value} {request.type.value} {request.client_id}",
                )
            )

        return hook

    # --- state -------------------------------------------------------------------------------
    def state(self, account: str) -> AccountState:
        """Return ``account``'s trading state (ACTIVE, REDUCING or HALTED)."""
        return self.monitor.state(account)

    def killed(self, account: str) -> bool:
        """Return whether a kill switch covers ``account``."""
        return self.kill_switches.blocks(account, self.providers.get(account))

    def _now_ms(self) -> int:
        engine = self._engine
        if engine is None or not engine.exchange.markets:
            return 0
        return max(m.ts_ms() for m in engine.exchange.markets.values())

    def _emit(self, record: RiskEventRecord) -> None:
        self.events.append(record)
        if self.on_event is not None:
            self.on_event(record)

    # --- monitors ----------------------------------------------------------------------------
    def note_fill(self) -> None:
        """Ask for a monitor pass once the current tick's reactions have landed."""
        self._fill_seen = True

    def samples(self, accounts: Iterable[str]) -> list[AccountSample]:
        """Return equity and gross notional of each account, from the venue."""
        engine = self._engine
        assert engine is not None
        exchange = engine.exchange
        out = []
        for account in accounts:
            # The venue's balance and positions, summed in one pass (no per-position objects).
            equity, gross = exchange.equity_and_gross(account)
            out.append(AccountSample(account=account, equity=equity, gross_notional=gross))
        return out

    async def after_tick(self, *, candle_closed: bool) -> None:
        """Run the monitors when a candle closed or a fill happened during the tick."""
        if not (candle_closed or self._fill_seen):
            return
        self._fill_seen = False
        await self.check()
        if candle_closed:
            await self._candle_jobs()

    async def check(self) -> list[Transition]:
        """Observe every account once; act on each state change."""
        engine = self._engine
        assert engine is not None
        accounts = sorted(engine.exchange.accounts)
        transitions = self.monitor.observe(self.samples(accounts), self._now_ms())
        for t in transitions:
            await self._apply(t)
        return transitions

    async def _apply(self, t: Transition) -> None:
        self.transitions.append(t)
        if self.on_state is not None:
            self.on_state(t)
        self._emit(
            RiskEventRecord(
                account=t.account,
                ts_ms=t.at_ms,
                kind="state_change",
                reason_code=t.reason.value,
                detail=f"{t.from_state.value} -> {t.to_state.value} {t.detail}",
            )
        )
        if t.flatten:
            await self.flatten(t.account, reason=t.reason.value)

    async def flatten(self, account: str, *, reason: str) -> None:
        """Stop the account's grids, cancel its orders and close its positions at market."""
        engine = self._engine
        assert engine is not None
        for session in list(engine.sessions.values()):
            if session.account == account:
                try:
                    await session.stop(flatten=True, reason=reason.lower())
                except PermanentVenueError as exc:
                    self._emit(self._failed(account, reason, f"session {session.id}: {exc}"))
        await engine.drain()
        engine.exchange.cancel_all(account)
        venue = SimVenue(engine.exchange, account)
        gate = self.gateway_for(
            account, DirectGateway(venue), venue, leverage=Decimal(1), source=OrderSource.MANUAL
        )
        for p in engine.exchange.positions(account):
            if p.qty == 0:
                continue
            self._flatten_seq += 1
            request = OrderRequest(
                symbol=p.symbol,
                side=Side.SELL if p.qty > 0 else Side.BUY,
                type=OrderType.MARKET,
                qty=abs(p.qty),
                client_id=f"ga-flat-{account[:12]}-{self._flatten_seq}",
                reduce_only=True,
            )
            try:
                await gate.place(request, session_id="flatten", slot=None, cycle=None)
            except (RiskRefused, PermanentVenueError) as exc:
                self._emit(self._failed(account, reason, f"{p.symbol}: {exc}"))
        await engine.drain()
        self._emit(
            RiskEventRecord(
                account=account, ts_ms=self._now_ms(), kind="flatten", reason_code=reason
            )
        )

    def _failed(self, account: str, reason: str, detail: str) -> RiskEventRecord:
        return RiskEventRecord(
            account=account,
            ts_ms=self._now_ms(),
            kind="flatten_failed",
            reason_code=reason,
            detail=detail,
        )

    async def _candle_jobs(self) -> None:
        """Circuit breakers, the session calendar and the hedges, once per closed candle."""
        engine = self._engine
        assert engine is not None
        now = self._now_ms()
        if self.calendar is not None and self.calendar.must_flatten(now):
            for account in sorted(engine.exchange.accounts):
                if engine.exchange.positions(account) or engine.exchange.open_orders(account):
                    await self.flatten(account, reason=ReasonCode.SESSION_END.value)
        for symbol, breaker in self.breakers.items():
            market = engine.exchange.markets.get(symbol)
            if market is None or market.i < 1:
                continue
            await self._breaker_step(symbol, breaker, market.i - 1)
        for job in self.hedges:
            await job.on_candle(self, engine)

    async def _breaker_step(self, symbol: str, breaker: CircuitBreaker, i: int) -> None:
        engine = self._engine
        assert engine is not None
        event = breaker.update_index(i)
        if event is None:
            return
        tripped = event.kind == "PAUSE"
        sessions = [s for s in engine.sessions.values() if s.symbol == symbol]
        if tripped:
            # Only the grids running now are the breaker's to resume: one an operator (or a
            # kill switch) paused stays paused when the market calms down.
            held = self._breaker_held.setdefault(symbol, set())
            for s in sessions:
                if s.status is SessionStatus.RUNNING:
                    await s.pause()
                    held.add(s.id)
        else:
            for sid in sorted(self._breaker_held.pop(symbol, set())):
                s = engine.sessions[sid]
                if s.status is SessionStatus.PAUSED and not self.killed(s.account):
                    await s.resume()
        if tripped:
            self.paused_symbols.add(symbol)
        else:
            self.paused_symbols.discard(symbol)
        for account in sorted({s.account for s in sessions}):
            self._emit(
                RiskEventRecord(
                    account=account,
                    ts_ms=self._now_ms(),
                    kind="circuit_breaker",
                    reason_code=event.reason.value,
                    detail=f"{symbol} {event.kind} {event.detail}",
                )
            )

    # --- operator actions --------------------------------------------------------------------
    async def kill(
        self, scope: str, *, active: bool = True, cancel_all: bool = False, reason: str = ""
    ) -> None:
        """Set a kill switch; with ``cancel_all`` also cancel the covered accounts' orders."""
        self.kill_switches.set(scope, active, cancel_all=cancel_all, reason=reason or None)
        engine = self._engine
        if engine is None:
            return
        for account in sorted(engine.exchange.accounts):
            if not self.kill_switches.covers(scope, account, self.providers.get(account)):
                continue
            self._emit(
                RiskEventRecord(
                    account=account,
                    ts_ms=self._now_ms(),
                    kind="kill_switch",
                    reason_code=ReasonCode.KILL_SWITCH.value,
                    detail=f"{scope} {'on' if active else 'off'}"
                    + (" cancel_all" if cancel_all and active else ""),
                )
            )
            if active and cancel_all:
                for session in engine.sessions.values():
                    if session.account == account:
                        await session.pause()
                engine.exchange.cancel_all(account)
