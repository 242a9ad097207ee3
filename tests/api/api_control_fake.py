"""A recording TradingControl: remembers every call and keeps the store consistent.

Not a mock of the engine's logic: it writes what the engine would write (grid configs,
sessions, session transitions, decisions) through the real repositories, so reads after a
command see its effect. ``fail_with`` makes the next call raise a ControlError.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

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
from gridarena.grid.spec import GridSpec
from gridarena.store.engine import transaction
from gridarena.store.enums import SessionStatus
from gridarena.store.errors import IllegalTransition
from gridarena.store.repo import (
    add_llm_decision,
    create_grid_session,
    get_account_by_name,
    save_grid_config,
    update_grid_session,
)


class RecordingControl:
    """Implements ``TradingControl`` by recording calls and writing the store."""

    def __init__(self, factory: sessionmaker[Session], now: datetime) -> None:
        self.factory = factory
        self.now = now
        self.calls: list[tuple[str, tuple[Any, ...]]] = []
        self.fail_with: ControlError | None = None
        self.paused = False
        self.venue_ok = True

    def _record(self, name: str, *args: Any) -> None:
        self.calls.append((name, args))
        if self.fail_with is not None:
            error, self.fail_with = self.fail_with, None
            raise error

    def names(self) -> list[str]:
        """Return the names of the calls so far."""
        return [name for name, _ in self.calls]

    def _new_session(self, model: str, spec: GridSpec) -> GridSessionInfo:
        with transaction(self.factory) as s:
            account = get_account_by_name(s, name=model)
            assert account is not None
            config = save_grid_config(
                s,
                account_id=account.id,
                symbol=spec.symbol,
                spec=spec.model_dump(mode="json"),
                at=self.now,
            )
            session_id = f"s{uuid.uuid4().hex[:12]}"
            create_grid_session(
                s,
                session_id=session_id,
                account_id=account.id,
                config_id=config.id,
                symbol=spec.symbol,
                started_at=self.now,
            )
        return GridSessionInfo(
            session_id=session_id,
            model=model,
            symbol=spec.symbol,
            status="RUNNING",
            config_version=config.version,
            started_at=self.now,
        )

    async def apply_grid(self, model: str, symbol: str, spec: GridSpec) -> GridSessionInfo:
        self._record("apply_grid", model, symbol, spec)
        return self._new_session(model, spec)

    async def start_grid(
        self,
        model: str,
        spec: GridSpec,
        *,
        owner: str | None = None,
        reference_price: Decimal | None = None,
    ) -> GridSessionInfo:
        self._record("start_grid", model, spec, owner, reference_price)
        return self._new_session(model, spec)

    def _move(self, ref: GridRef, status: SessionStatus, reason: str | None) -> GridSessionInfo:
        try:
            with transaction(self.factory) as s:
                update_grid_session(
                    s, session_id=ref.session_id, status=status, stop_reason=reason, at=self.now
                )
        except IllegalTransition as exc:  # what the engine answers for a move it refuses
            raise ControlError(ErrorCode.CONFLICT, str(exc)) from None
        return GridSessionInfo(
            session_id=ref.session_id, model=ref.model, symbol=ref.symbol, status=status.value
        )

    async def pause(self, ref: GridRef) -> GridSessionInfo:
        self._record("pause", ref)
        return self._move(ref, SessionStatus.PAUSED, None)

    async def resume(self, ref: GridRef) -> GridSessionInfo:
        self._record("resume", ref)
        return self._move(ref, SessionStatus.RUNNING, None)

    async def stop(self, ref: GridRef, *, reason: str) -> GridSessionInfo:
        self._record("stop", ref, reason)
        return self._move(ref, SessionStatus.STOPPED, reason)

    async def sync_prices(self) -> SyncResult:
        self._record("sync_prices")
        return SyncResult(synced=2, items=["BTCUSDT", "SOLUSDT"], at=self.now)

    async def sync_balances(self) -> SyncResult:
        self._record("sync_balances")
        return SyncResult(synced=1, items=["claude"], at=self.now)

    async def llm_decision(self, model: str, symbol: str) -> DecisionRecord:
        self._record("llm_decision", model, symbol)
        with transaction(self.factory) as s:
            account = get_account_by_name(s, name=model)
            assert account is not None
            row = add_llm_decision(
                s,
                account_id=account.id,
                provider_id=account.provider_id,
                symbol=symbol,
                prompt="prompt",
                kind="hold",
                parsed={"action": "HOLD"},
                at=self.now,
            )
        return DecisionRecord(
            id=row.id,
            model=model,
            symbol=symbol,
            kind="hold",
            parsed={"action": "HOLD"},
            created_at=self.now,
        )

    async def execute_decision(self, decision_id: int) -> ExecutionResult:
        self._record("execute_decision", decision_id)
        return ExecutionResult(decision_id=decision_id, executed=True, orders=["cid-1"])

    async def flatten(self, scope: str) -> FlattenResult:
        self._record("flatten", scope)
        return FlattenResult(scope=scope, canceled_orders=3, closed_positions=1)

    def _status(self) -> ControlStatus:
        return ControlStatus(
            mode="paper",
            paused=self.paused,
            venue_ok=self.venue_ok,
            sessions_running=0 if self.paused else 1,
            sessions_paused=1 if self.paused else 0,
        )

    async def pause_all(self) -> ControlStatus:
        self._record("pause_all")
        self.paused = True
        return self._status()

    async def resume_all(self) -> ControlStatus:
        self._record("resume_all")
        self.paused = False
        return self._status()

    async def kill(self, scope: str, cancel_all: bool) -> KillResult:
        self._record("kill", scope, cancel_all)
        return KillResult(scope=scope, canceled_orders=2 if cancel_all else 0, stopped_sessions=1)

    async def release(self, scope: str) -> KillResult:
        self._record("release", scope)
        return KillResult(scope=scope, canceled_orders=0, stopped_sessions=0)

    async def status(self) -> ControlStatus:
        self.calls.append(("status", ()))
        return self._status()
