"""The arena as the API's trading engine: every ``TradingControl`` command on the live arena.

Commands take the arena's lock, so they run between candles and never inside one; each one
goes through the same risk gate and supervisor as the providers' own decisions (a kill switch
or a halted account refuses it), then the store is brought up to date (grid sessions, configs,
decisions, prices, balances) before the answer, so the API's next read sees the effect.
Provider calls (``llm_decision``) run outside the lock: a slow model never stalls the replay.
A decision is executed at most once: a second ``execute_decision`` of it is a conflict.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import TYPE_CHECKING, TypeVar

from pydantic import TypeAdapter, ValidationError

from gridarena.api.control import (
    ControlError,
    ControlStatus,
    DecisionRecord,
    ExecutionResult,
    FlattenResult,
    GridRef,
    GridSessionInfo,
    KillResult,
    SyncResult,
)
from gridarena.api.errors import ErrorCode
from gridarena.api.views import decision_out
from gridarena.arena.executor import Executed
from gridarena.backtest.runner import PreparedGrid
from gridarena.engine.killswitch import GLOBAL
from gridarena.engine.recorder import utc
from gridarena.engine.session import GridSession, SessionStatus
from gridarena.grid.spec import GridSpec
from gridarena.obs.logging import get_logger
from gridarena.providers.types import ActionDecision, Decision, DecisionContext, GridDecision
from gridarena.store.engine import transaction
from gridarena.store.models import Account, GridConfig, LlmDecision
from gridarena.store.models import GridSession as GridSessionRow
from gridarena.store.repo import get_account_by_name, save_grid_config
from gridarena.store.repo.control import check_kill_scope

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from gridarena.arena.record import ArenaRecorder
    from gridarena.arena.runner import Arena, Competitor

__all__ = ["ArenaControl"]

log = get_logger("gridarena.arena.control")
T = TypeVar("T")
_DECISION: TypeAdapter[GridDecision | ActionDecision] = TypeAdapter(Decision)
_PCT = Decimal(100)


class ArenaControl:
    """Implements ``gridarena.api.control.TradingControl`` on a running (recorded) arena."""

    def __init__(self, arena: Arena) -> None:
        if arena.record is None:
            raise ValueError("the arena must record to the store to be controlled by the API")
        self.arena = arena
        self.record: ArenaRecorder = arena.record
        self.factory: sessionmaker[Session] = arena.record.recorder.factory
        self._decisions: dict[int, tuple[str, GridDecision | ActionDecision]] = {}
        self._executed: set[int] = set()
        self._paused_by_ops: list[str] = []
        self._seq = 0

    # --- plumbing ----------------------------------------------------------------------------
    async def _locked(self, fn: Callable[[], Awaitable[T]]) -> T:
        """Run ``fn`` between candles, then store and publish what it changed."""
        arena = self.arena
        async with arena.lock:
            if arena.exchange.done and not arena.running:
                raise ControlError(ErrorCode.SERVICE_UNAVAILABLE, "the season has ended")
            try:
                return await fn()
            finally:
                arena.sync_sessions()
                self.record.flush()

    def _competitor(self, model: str) -> Competitor:
        found = self.arena.competitor(model)
        if found is None:
            raise ControlError(
                ErrorCode.MODEL_NOT_FOUND,
                f"model {model!r} does not trade in this arena",
                field="model",
            )
        return found

    def _symbol(self, symbol: str, field: str = "symbol") -> str:
        if symbol not in self.arena.exchange.markets:
            known = ", ".join(self.arena.symbols)
            raise ControlError(
                ErrorCode.INVALID_MARKET_PARAMS,
                f"{symbol!r} is not traded in this arena (symbols: {known})",
                field=field,
            )
        return symbol

    def _tradable(self, model: str) -> None:
        """Refuse a command that would open risk for a killed or halted account."""
        supervisor = self.arena.supervisor
        if supervisor.killed(model):
            raise ControlError(ErrorCode.KILL_SWITCH_ACTIVE, f"a kill switch covers {model!r}")
        state = supervisor.state(model).value
        if state != "ACTIVE":
            raise ControlError(
                ErrorCode.RISK_REJECTED, f"account {model!r} is {state}: it may not open risk"
            )

    def _session(self, ref: GridRef) -> GridSession:
        session = self.arena.engine.sessions.get(ref.session_id)
        if session is None or session.account != ref.model:
            raise ControlError(
                ErrorCode.SESSION_NOT_FOUND,
                f"grid session {ref.session_id!r} is not running in this engine",
                field="session_id",
            )
        return session

    def _info(self, session: GridSession, *, detail: str | None = None) -> GridSessionInfo:
        with self.factory() as s:
            row = s.get(GridSessionRow, session.id)
            version = None
            started = None
            if row is not None:
                started = row.started_at
                config = s.get(GridConfig, row.config_id)
                version = config.version if config is not None else None
        return GridSessionInfo(
            session_id=session.id,
            model=session.account,
            symbol=session.symbol,
            status=session.status.value,
            config_version=version,
            started_at=started,
            detail=detail,
        )

    def _prepare(self, spec: GridSpec, price: Decimal) -> PreparedGrid:
        index = self.arena.exchange.markets[spec.symbol].i - 1
        if index < 0:
            raise ControlError(ErrorCode.SERVICE_UNAVAILABLE, "no candle has closed yet")
        try:
            return self.arena.executor.prepare_grid(spec, index, float(price))
        except ValueError as exc:
            raise ControlError(ErrorCode.INVALID_GRID_SPEC, str(exc)[:300], field="spec") from None

    def _next_id(self, model: str) -> str:
        self._seq += 1
        return f"ga-api-{model[:10]}-{uuid.uuid4().hex[:8]}-{self._seq}"

    async def _start(self, model: str, spec: GridSpec, *, detail: str | None) -> GridSessionInfo:
        price = self.arena.exchange.markets[spec.symbol].price_decimal
        prepared = self._prepare(spec, price)
        session, placed, refused = await self.arena.executor.launch(
            model, spec, prepared, self._next_id(model)
        )
        if placed == 0 and refused:
            await session.stop(flatten=False, reason="risk_rejected")
            raise ControlError(
                ErrorCode.RISK_REJECTED, f"every order of the grid was refused: {list(refused[:5])}"
            )
        note = f"{placed} orders placed at {price}"
        if refused:
            note += f"; refused: {', '.join(refused[:5])}"
        return self._info(session, detail=f"{detail}; {note}" if detail else note)

    # --- grids -------------------------------------------------------------------------------
    async def apply_grid(self, model: str, symbol: str, spec: GridSpec) -> GridSessionInfo:
        """Start the model's grid in ``symbol``, or re-apply ``spec`` to it as a diff."""
        self._competitor(model)
        self._symbol(symbol)
        if spec.symbol != symbol:
            raise ControlError(
                ErrorCode.INVALID_GRID_SPEC,
                f"spec is for {spec.symbol}, not {symbol}",
                field="symbol",
            )

        async def run() -> GridSessionInfo:
            self._tradable(model)
            running = self.arena.executor.grids.get((model, symbol))
            if running is None or running.status is SessionStatus.STOPPED:
                return await self._start(model, spec, detail="started")
            price = self.arena.exchange.markets[symbol].price_decimal
            prepared = self._prepare(spec, price)
            diff = await running.reapply(spec, prepared, price)
            await self.arena.engine.drain()
            self._new_config(running, spec)
            return self._info(
                running,
                detail=f"re-applied: kept {diff['kept']}, cancelled {diff['cancelled']}, "
                f"placed {diff['placed']}",
            )

        return await self._locked(run)

    def _new_config(self, session: GridSession, spec: GridSpec) -> None:
        with transaction(self.factory) as s:
            account = get_account_by_name(s, name=session.account)
            row = s.get(GridSessionRow, session.id)
            if account is None or row is None:
                return
            config = save_grid_config(
                s,
                account_id=account.id,
                symbol=session.symbol,
                spec=spec.model_dump(mode="json"),
                at=utc(self.arena.now_ms),
            )
            row.config_id = config.id

    async def start_grid(
        self,
        model: str,
        spec: GridSpec,
        *,
        owner: str | None = None,
        reference_price: Decimal | None = None,
    ) -> GridSessionInfo:
        """Start a new grid session; refuse one beside a running grid, or a stale price."""
        self._competitor(model)
        self._symbol(spec.symbol, "ticker")

        async def run() -> GridSessionInfo:
            self._tradable(model)
            running = self.arena.executor.grids.get((model, spec.symbol))
            if running is not None and running.status is not SessionStatus.STOPPED:
                raise ControlError(
                    ErrorCode.CONFLICT,
                    f"grid session {running.id} already runs {spec.symbol} for {model}; "
                    "stop it first or re-apply with POST /grid/apply",
                )
            price = self.arena.exchange.markets[spec.symbol].price_decimal
            band = self.arena.supervisor.limits.max_price_deviation_pct
            if reference_price is not None and band is not None and price > 0:
                off = abs(reference_price - price) / price * _PCT
                if off > band:
                    raise ControlError(
                        ErrorCode.RISK_REJECTED,
                        f"current_price {reference_price} is {off:.2f}% from the market "
                        f"({price}); the band is {band}%",
                        field="current_price",
                    )
            return await self._start(
                model, spec, detail=f"started for {owner}" if owner else "started"
            )

        return await self._locked(run)

    async def pause(self, ref: GridRef) -> GridSessionInfo:
        """Pause a grid: its resting orders are cancelled, its slots kept for resume."""

        async def run() -> GridSessionInfo:
            session = self._session(ref)
            if session.status is SessionStatus.STOPPED:
                raise ControlError(ErrorCode.CONFLICT, f"grid session {session.id} is stopped")
            await session.pause()
            await self.arena.engine.drain()
            return self._info(session)

        return await self._locked(run)

    async def resume(self, ref: GridRef) -> GridSessionInfo:
        """Resume a paused grid (refused while a kill switch or a halt covers its account)."""

        async def run() -> GridSessionInfo:
            session = self._session(ref)
            if session.status is SessionStatus.STOPPED:
                raise ControlError(ErrorCode.CONFLICT, f"grid session {session.id} is stopped")
            self._tradable(session.account)
            if session.symbol in self.arena.supervisor.paused_symbols:
                raise ControlError(
                    ErrorCode.CONFLICT,
                    f"the circuit breaker holds {session.symbol}; it resumes when calm",
                )
            await session.resume()
            await self.arena.engine.drain()
            return self._info(session)

        return await self._locked(run)

    async def stop(self, ref: GridRef, *, reason: str) -> GridSessionInfo:
        """Stop a grid for good: cancel its orders (the position stays; flatten closes it)."""

        async def run() -> GridSessionInfo:
            session = self._session(ref)
            if session.status is SessionStatus.STOPPED:
                raise ControlError(ErrorCode.CONFLICT, f"grid session {session.id} is stopped")
            await session.stop(flatten=False, reason=reason[:200] or "api")
            await self.arena.engine.drain()
            return self._info(session)

        return await self._locked(run)

    # --- sync jobs ---------------------------------------------------------------------------
    async def sync_prices(self) -> SyncResult:
        """Write every symbol's last closed candle to the store now."""

        async def run() -> SyncResult:
            arena = self.arena
            if arena.index < 0:
                return SyncResult(synced=0, errors=["no candle has closed yet"])
            arena.price_sync(arena.index)
            return SyncResult(
                synced=len(arena.symbols), items=list(arena.symbols), at=utc(arena.now_ms)
            )

        return await self._locked(run)

    async def sync_balances(self) -> SyncResult:
        """Write every model's balance, positions and a PnL point to the store now."""

        async def run() -> SyncResult:
            arena = self.arena
            arena.balance_sync(arena.now_ms)
            names = [c.name for c in arena.competitors]
            return SyncResult(synced=len(names), items=names, at=utc(arena.now_ms))

        return await self._locked(run)

    # --- decisions ---------------------------------------------------------------------------
    async def llm_decision(self, model: str, symbol: str) -> DecisionRecord:
        """Ask the model's provider about ``symbol`` on the current snapshot; store the answer."""
        competitor = self._competitor(model)
        self._symbol(symbol)
        arena = self.arena
        async with arena.lock:
            index = arena.exchange.markets[symbol].i - 1
            if index < 0:
                raise ControlError(ErrorCode.SERVICE_UNAVAILABLE, "no candle has closed yet")
            snap = arena.builders[symbol].at(index)
            digest = snap.digest()
            now_ms = arena.now_ms
            ctx = DecisionContext(
                snapshot=snap,
                account=arena.account_summary(model),
                rules=arena.rules_for[model],
                now_ms=now_ms,
            )
        result = await arena.decide(competitor, ctx)  # outside the lock: models are slow
        arena.count_decision(model, result)
        self.record.snapshot(snap, digest)
        self.record.flush()
        row = self.record.decision_row(
            provider=model, model=competitor.model, symbol=symbol, digest=digest,
            result=result, executed=None, at_ms=now_ms,
        )  # fmt: skip
        with transaction(self.factory) as s:
            stored = LlmDecision(**row)
            s.add(stored)
            s.flush()
            record = decision_out(stored, model)
        self._decisions[record.id] = (model, result.decision)
        return record

    def _stored(self, decision_id: int) -> tuple[str, GridDecision | ActionDecision]:
        known = self._decisions.get(decision_id)
        if known is not None:
            return known
        with self.factory() as s:
            row = s.get(LlmDecision, decision_id)
            if row is None:
                raise ControlError(
                    ErrorCode.NOT_FOUND, f"no decision {decision_id}", field="decision_id"
                )
            account = s.get(Account, row.account_id)
            parsed = dict(row.parsed or {})
        if "executed" in parsed:
            raise ControlError(
                ErrorCode.CONFLICT, f"decision {decision_id} was already executed by the arena"
            )
        try:
            decision = _DECISION.validate_python(parsed)
        except ValidationError:
            raise ControlError(
                ErrorCode.VALIDATION_ERROR,
                f"decision {decision_id} holds no executable decision",
                field="decision_id",
            ) from None
        assert account is not None  # foreign key
        return account.name, decision

    async def execute_decision(self, decision_id: int) -> ExecutionResult:
        """Carry out a stored decision once, through the risk gate."""

        async def run() -> ExecutionResult:
            if decision_id in self._executed:
                raise ControlError(
                    ErrorCode.CONFLICT, f"decision {decision_id} was already executed"
                )
            model, decision = self._stored(decision_id)
            self._competitor(model)
            arena = self.arena
            symbol = (
                decision.spec.symbol
                if isinstance(decision, GridDecision)
                else decision.action.symbol
            )
            self._symbol(symbol)
            fills = arena.exchange.fills[model]
            before = len(fills)
            self._executed.add(decision_id)  # once, whatever happens next
            done = await arena.executor.execute(model, decision, arena.index)
            self._mark(decision_id, done)
            return self._result(
                decision_id, model, symbol, done, [f.client_id for f in fills[before:]]
            )

        return await self._locked(run)

    def _mark(self, decision_id: int, done: Executed) -> None:
        with transaction(self.factory) as s:
            row = s.get(LlmDecision, decision_id)
            if row is not None:
                row.parsed = dict(row.parsed or {}) | {
                    "executed": {"status": done.status, "reasons": list(done.reasons), "via": "api"}
                }

    def _result(
        self, decision_id: int, model: str, symbol: str, done: Executed, client_ids: list[str]
    ) -> ExecutionResult:
        if done.status == "refused":
            code = (
                ErrorCode.KILL_SWITCH_ACTIVE
                if "KILL_SWITCH" in done.reasons
                else ErrorCode.RISK_REJECTED
            )
            raise ControlError(code, f"refused by the risk gate: {', '.join(done.reasons)}")
        if done.status == "failed":
            raise ControlError(
                ErrorCode.ORDER_CREATION_FAILED, f"the venue refused the order: {done.detail}"
            )
        session_id = None
        orders = list(dict.fromkeys(client_ids))
        if done.status in ("grid_started", "grid_kept"):
            grid = self.arena.executor.grids.get((model, symbol))
            if grid is not None:
                session_id = grid.id
                orders = [cid for cid in grid.slot_orders if cid is not None]
        return ExecutionResult(
            decision_id=decision_id,
            executed=done.status in ("placed", "grid_started", "grid_kept"),
            orders=orders[:200],
            session_id=session_id,
            detail=done.detail or done.status,
        )

    # --- operations --------------------------------------------------------------------------
    def _scope_accounts(self, scope: str) -> list[str]:
        try:
            check_kill_scope(scope)
        except ValueError as exc:
            raise ControlError(ErrorCode.VALIDATION_ERROR, str(exc), field="scope") from None
        names = [c.name for c in self.arena.competitors]
        if scope == GLOBAL:
            return names
        name = scope.partition(":")[2]
        if name not in names:
            raise ControlError(
                ErrorCode.MODEL_NOT_FOUND, f"no model {name!r} in this arena", field="scope"
            )
        return [name]

    async def flatten(self, scope: str) -> FlattenResult:
        """Stop the scope's grids, cancel its orders and close its positions at market."""
        accounts = self._scope_accounts(scope)

        async def run() -> FlattenResult:
            exchange = self.arena.exchange
            canceled = closed = 0
            left = []
            for account in accounts:
                orders = len(exchange.open_orders(account))
                held = sum(1 for p in exchange.positions(account) if p.qty != 0)
                await self.arena.supervisor.flatten(account, reason="OPERATOR_FLATTEN")
                for key in [k for k in self.arena.executor.exits if k[0] == account]:
                    del self.arena.executor.exits[key]
                still = sum(1 for p in exchange.positions(account) if p.qty != 0)
                canceled += orders - len(exchange.open_orders(account))
                closed += held - still
                if still:
                    left.append(f"{account}: {still} position(s) not closed")
            return FlattenResult(
                scope=scope,
                canceled_orders=max(0, canceled),
                closed_positions=max(0, closed),
                detail="; ".join(left) or None,
            )

        return await self._locked(run)

    async def pause_all(self) -> ControlStatus:
        """Pause every running grid and the decision cycle until ``resume_all``."""

        async def run() -> ControlStatus:
            self.arena.paused = True
            for session in self.arena.engine.sessions.values():
                if session.status is SessionStatus.RUNNING:
                    await session.pause()
                    self._paused_by_ops.append(session.id)
            await self.arena.engine.drain()
            return self._status()

        return await self._locked(run)

    async def resume_all(self) -> ControlStatus:
        """Resume what ``pause_all`` paused (not grids a kill, halt or breaker holds)."""

        async def run() -> ControlStatus:
            arena = self.arena
            arena.paused = False
            held = []
            for sid in self._paused_by_ops:
                session = arena.engine.sessions[sid]
                if session.status is not SessionStatus.PAUSED:
                    continue
                blocked = (
                    arena.supervisor.killed(session.account)
                    or arena.supervisor.state(session.account).value != "ACTIVE"
                    or session.symbol in arena.supervisor.paused_symbols
                )
                if blocked:
                    held.append(sid)
                    continue
                await session.resume()
            self._paused_by_ops = held
            await arena.engine.drain()
            return self._status()

        return await self._locked(run)

    async def kill(self, scope: str, cancel_all: bool) -> KillResult:
        """Engage ``scope``'s kill switch now; with ``cancel_all`` cancel its resting orders."""
        accounts = self._scope_accounts(scope)

        async def run() -> KillResult:
            exchange = self.arena.exchange
            engine = self.arena.engine
            orders = sum(len(exchange.open_orders(a)) for a in accounts)
            running = {
                s.id for s in engine.sessions.values()
                if s.account in accounts and s.status is SessionStatus.RUNNING
            }  # fmt: skip
            await self.arena.supervisor.kill(scope, cancel_all=cancel_all, reason="api")
            await engine.drain()
            after = sum(len(exchange.open_orders(a)) for a in accounts)
            stopped = sum(
                1 for sid in running if engine.sessions[sid].status is not SessionStatus.RUNNING
            )
            return KillResult(
                scope=scope, canceled_orders=max(0, orders - after), stopped_sessions=stopped
            )

        return await self._locked(run)

    async def release(self, scope: str) -> KillResult:
        """Release ``scope``'s kill switch; paused grids stay paused until resumed."""
        self._scope_accounts(scope)

        async def run() -> KillResult:
            await self.arena.supervisor.kill(scope, active=False, reason="api")
            return KillResult(scope=scope, canceled_orders=0, stopped_sessions=0)

        return await self._locked(run)

    def _status(self) -> ControlStatus:
        arena = self.arena
        sessions = list(arena.engine.sessions.values())
        running = sum(1 for s in sessions if s.status is SessionStatus.RUNNING)
        paused = sum(1 for s in sessions if s.status is SessionStatus.PAUSED)
        killed = [
            scope
            for scope, state in arena.supervisor.kill_switches.snapshot().items()
            if state.active
        ]
        return ControlStatus(
            mode="paper" if arena.config.mode != "backtest" else "backtest",
            paused=arena.paused,
            venue_ok=True,
            sessions_running=running,
            sessions_paused=paused,
            detail={
                "season_id": arena.season_id,
                "market_time": utc(arena.now_ms).isoformat(),
                "candle": arena.index + 1,
                "candles": len(arena.candles[arena.symbols[0]]),
                "cycles": arena.cycles,
                "running": arena.running,
                "finished": arena.exchange.done,
                "job_errors": arena.job_errors,
                "kill_switches": killed,
                "accounts": {
                    c.name: arena.supervisor.state(c.name).value for c in arena.competitors
                },
            },
        )

    async def status(self) -> ControlStatus:
        """Return the engine's status (read between candles, without waiting for the lock)."""
        return self._status()
