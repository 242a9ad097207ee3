"""Seed 003/004's operations API: status, flatten, pause, kill switch and strategy metrics.

The kill switch is written to the store *before* the engine is told, so it holds across
restarts (and even when no engine is attached: the engine reads it when it starts).
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from decimal import Decimal

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session

from gridarena.api.control import ControlStatus, FlattenResult, KillResult
from gridarena.api.deps import AdminKey, ReadKey, State, TradeKey
from gridarena.api.errors import error_responses
from gridarena.api.requests import FlattenRequest, KillRequest, OpsPauseRequest
from gridarena.api.routes.engine import after_command, note
from gridarena.api.schemas import (
    KillResponse,
    KillSwitchOut,
    ModelMetrics,
    OpsMetrics,
    OpsStatus,
)
from gridarena.api.views import kill_switch_out, pct
from gridarena.obs.logging import get_logger
from gridarena.store.repo import api_queries as q
from gridarena.store.repo.control import kill_switches, set_kill_switch

__all__ = ["router"]

router = APIRouter(prefix="/ops", tags=["ops"])
log = get_logger("gridarena.api")
_STATUS_TIMEOUT_S = 2.0
_COMMAND_ERRORS = error_responses(401, 403, 409, 422, 429, 502, 503)


@router.get(
    "/status",
    response_model=OpsStatus,
    summary="Strategy status",
    responses=error_responses(401, 403, 429),
)
async def ops_status(state: State, _: ReadKey) -> OpsStatus:
    """Report kill switches, sessions by status and the engine's own status."""

    def load(session: Session) -> tuple[list[KillSwitchOut], dict[str, int]]:
        return [kill_switch_out(k) for k in kill_switches(session)], q.session_counts(session)

    switches, sessions = await state.read(load)
    engine: ControlStatus | None = None
    if state.control is not None:
        try:
            async with asyncio.timeout(_STATUS_TIMEOUT_S):
                engine = await state.control.status()
        except Exception:  # an unhealthy engine is part of the status, not an error
            log.warning("engine_status_failed", exc_info=True)
    return OpsStatus(
        as_of=state.now(),
        kill_switches=switches,
        trading_halted=any(k.active and k.scope == "global" for k in switches),
        sessions=sessions,
        engine_available=engine is not None,
        engine=engine,
    )


@router.post(
    "/flatten",
    response_model=FlattenResult,
    summary="Flatten: cancel orders and close positions",
    responses=_COMMAND_ERRORS,
)
async def ops_flatten(
    request: Request, state: State, _: AdminKey, body: FlattenRequest
) -> FlattenResult:
    """Have the engine cancel every order and close every position of ``scope``."""
    control = state.require_control()
    summary = note(request, "ops.flatten", scope=body.scope, reason=body.reason)
    result = await control.flatten(body.scope)
    after_command(request, state, summary)
    return result


@router.post(
    "/pause",
    response_model=ControlStatus,
    summary="Pause or resume every grid",
    responses=_COMMAND_ERRORS,
)
async def ops_pause(
    request: Request, state: State, _: TradeKey, body: OpsPauseRequest
) -> ControlStatus:
    """Pause every grid (``paused: true``) or resume them (``paused: false``)."""
    control = state.require_control()
    summary = note(request, "ops.pause" if body.paused else "ops.resume", reason=body.reason)
    status = await (control.pause_all() if body.paused else control.resume_all())
    after_command(request, state, summary)
    return status


@router.post(
    "/kill",
    response_model=KillResponse,
    summary="Engage or release a kill switch (persisted)",
    responses=_COMMAND_ERRORS,
)
async def ops_kill(
    request: Request, state: State, principal: AdminKey, body: KillRequest
) -> KillResponse:
    """Persist the kill switch, then tell the engine (if attached) to halt ``scope``."""
    summary = note(
        request,
        "ops.kill",
        scope=body.scope,
        active=body.active,
        cancel_all=body.cancel_all,
        reason=body.reason,
    )
    at = state.now()
    row = await state.write(
        lambda session: kill_switch_out(
            set_kill_switch(
                session,
                scope=body.scope,
                active=body.active,
                cancel_all=body.cancel_all,
                reason=body.reason,
                by=principal.actor,
                at=at,
            )
        )
    )
    result: KillResult | None = None
    if state.control is not None:
        control = state.control
        if body.active:
            result = await control.kill(body.scope, body.cancel_all)
        else:
            result = await control.release(body.scope)
    after_command(request, state, summary)
    return KillResponse(kill_switch=row, engine_notified=result is not None, result=result)


def _metrics(session: Session, state: State) -> OpsMetrics:
    now = state.now()
    rows = q.model_rows(session)
    ids = [row.account.id for row in rows]
    daily = {w.account.id: w for w in q.pnl_windows(session, since=now - timedelta(days=1))}
    peaks = q.peak_equity(session, account_ids=ids, since=None)
    positions: dict[str, list[tuple[Decimal, Decimal]]] = {}
    for pos, name in q.positions_of(session):
        positions.setdefault(name, []).append((pos.qty, pos.entry_price))
    named: dict[str, dict[str, float]] = {}
    for metric in reversed(q.recent_metrics(session)):  # oldest first: newest value wins
        owner = metric.model
        if owner is not None:
            named.setdefault(owner, {})[metric.name] = metric.value
    out = []
    for row in rows:
        acc = row.account
        equity = row.latest.equity if row.latest is not None else None
        first = daily[acc.id].first if acc.id in daily else None
        peak = peaks.get(acc.id)
        held = positions.get(acc.name, [])
        out.append(
            ModelMetrics(
                model=acc.name,
                equity=equity,
                pnl_total=equity - acc.starting_balance if equity is not None else None,
                pnl_daily=equity - first.equity if equity is not None and first else None,
                peak_equity=peak,
                drawdown=pct(peak - equity, peak)
                if peak is not None and equity is not None
                else None,
                exposure=sum((abs(qty * price) for qty, price in held), Decimal(0)),
                orders_open=row.open_orders,
                positions_open=len(held),
                named=named.get(acc.name, {}) | named.get(row.provider.name, {}),
            )
        )
    return OpsMetrics(as_of=now, models=out)


@router.get(
    "/metrics",
    response_model=OpsMetrics,
    summary="Strategy metrics (PnL, drawdown, exposure, open orders)",
    responses=error_responses(401, 403, 429),
)
async def ops_metrics(state: State, _: ReadKey) -> OpsMetrics:
    """Report each model's PnL (total, daily), drawdown from peak, exposure and open orders."""
    return await state.read(lambda session: _metrics(session, state))
