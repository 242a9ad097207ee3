"""Seed 000's grid endpoints: apply, status (hot, cached), pause, resume."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from gridarena.api.control import GridRef, GridSessionInfo
from gridarena.api.deps import ReadKey, State, TradeKey, state_of
from gridarena.api.errors import ApiError, ErrorCode, error_responses
from gridarena.api.hotpath import grid_status_key
from gridarena.api.routes.common import ModelQuery, SymbolQuery, json_body, json_response
from gridarena.api.routes.engine import after_command, note, trading_account
from gridarena.api.schemas import GridStatusOut
from gridarena.api.views import position_out
from gridarena.grid.spec import GridSpec
from gridarena.store.enums import SessionStatus
from gridarena.store.repo import api_queries as q

__all__ = ["newest_session", "router"]

router = APIRouter(tags=["grid"])
_COMMAND_ERRORS = error_responses(401, 403, 404, 409, 422, 423, 429, 502, 503)


def _status_body(session: Session, model: str, symbol: str) -> bytes:
    row = q.grid_status(session, model=model, symbol=symbol)
    if row is None:
        _missing(session, model, symbol)
    assert row is not None
    grid = row.grid
    body = GridStatusOut(
        model=row.account,
        symbol=grid.symbol,
        session_id=grid.id,
        status=grid.status.value,
        config_version=row.config_version,
        spec=row.spec,
        started_at=grid.started_at,
        stopped_at=grid.stopped_at,
        stop_reason=grid.stop_reason,
        open_orders=row.open_orders,
        position=position_out(row.position, row.account) if row.position is not None else None,
        last_price=row.last_price,
        last_price_ts=row.last_price_ts,
    )
    return json_body(body)


def _missing(session: Session, model: str, symbol: str) -> None:
    if q.resolve_model(session, model=model) is None:
        raise ApiError(ErrorCode.MODEL_NOT_FOUND, f"no model called {model!r}", field="model")
    raise ApiError(
        ErrorCode.SESSION_NOT_FOUND, f"{model} has no grid session in {symbol}", field="symbol"
    )


@router.get(
    "/grid/status",
    response_model=GridStatusOut,
    summary="Grid status of a model in a symbol",
    responses=error_responses(401, 403, 404, 422, 429),
)
async def grid_status(
    request: Request, _: ReadKey, model: ModelQuery, symbol: SymbolQuery
) -> Response:
    """Return the newest grid session of ``model`` in ``symbol`` with its live figures.

    One indexed statement per cache miss; the rendered body is cached briefly. (The state
    comes from the request, not a dependency: one fewer resolution on the hottest path.)
    """
    state = state_of(request)
    body = await state.cache.get_or_load(
        grid_status_key(model, symbol),
        lambda: state.read(lambda session: _status_body(session, model, symbol)),
    )
    return json_response(body)


def newest_session(session: Session, model: str, symbol: str, *, gate: bool) -> GridRef:
    """Return the model's newest live session in ``symbol``; 404, 409 (stopped) or 423."""
    account = trading_account(session, model, gate=gate)
    row = q.grid_status(session, model=account.name, symbol=symbol)
    if row is None:
        _missing(session, account.name, symbol)
    assert row is not None
    if row.grid.status is SessionStatus.STOPPED:
        raise ApiError(ErrorCode.CONFLICT, f"grid session {row.grid.id} is STOPPED")
    return GridRef(session_id=row.grid.id, model=row.account, symbol=row.grid.symbol)


@router.post(
    "/grid/apply",
    response_model=GridSessionInfo,
    summary="Apply a grid (seed signal schema)",
    responses=_COMMAND_ERRORS,
)
async def grid_apply(
    request: Request, state: State, _: TradeKey, spec: GridSpec
) -> GridSessionInfo:
    """Validate ``spec`` and have the engine apply it to the model's grid in its symbol."""
    control = state.require_control()
    if spec.model is None:
        raise ApiError(ErrorCode.INVALID_GRID_SPEC, "model: field required", field="model")
    model = spec.model
    summary = note(request, "grid.apply", model=model, symbol=spec.symbol)
    account = await state.read(lambda session: trading_account(session, model))
    info = await control.apply_grid(account.name, spec.symbol, spec)
    after_command(request, state, {**summary, "session_id": info.session_id})
    return info


async def _pause_or_resume(
    request: Request, state: State, model: str, symbol: str, *, resume: bool
) -> GridSessionInfo:
    control = state.require_control()
    action = "grid.resume" if resume else "grid.pause"
    summary = note(request, action, model=model, symbol=symbol)
    ref = await state.read(lambda session: newest_session(session, model, symbol, gate=resume))
    info = await (control.resume(ref) if resume else control.pause(ref))
    after_command(request, state, {**summary, "session_id": ref.session_id})
    return info


@router.post(
    "/grid/pause",
    response_model=GridSessionInfo,
    summary="Pause a model's grid in a symbol",
    responses=_COMMAND_ERRORS,
)
async def grid_pause(
    request: Request, state: State, _: TradeKey, model: ModelQuery, symbol: SymbolQuery
) -> GridSessionInfo:
    """Pause the newest live grid session of ``model`` in ``symbol``."""
    return await _pause_or_resume(request, state, model, symbol, resume=False)


@router.post(
    "/grid/resume",
    response_model=GridSessionInfo,
    summary="Resume a model's grid in a symbol",
    responses=_COMMAND_ERRORS,
)
async def grid_resume(
    request: Request, state: State, _: TradeKey, model: ModelQuery, symbol: SymbolQuery
) -> GridSessionInfo:
    """Resume the newest grid session of ``model`` in ``symbol`` (refused under a kill)."""
    return await _pause_or_resume(request, state, model, symbol, resume=True)
