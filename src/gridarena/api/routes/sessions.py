"""Seed 002's session endpoints under ``/api/grid``: start (wallet-signed), stop, status, lists."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from pydantic import ValidationError
from sqlalchemy.orm import Session

from gridarena.api.control import GridRef, GridSessionInfo
from gridarena.api.deps import ReadKey, State, TradeKey
from gridarena.api.errors import ApiError, ErrorCode, error_responses
from gridarena.api.requests import StartGridRequest, StopGridRequest
from gridarena.api.routes.common import OptionalModel, OptionalSymbol, SessionPath
from gridarena.api.routes.engine import after_command, note, spec_error, trading_account
from gridarena.api.schemas import (
    GridSummaryOut,
    GridSummaryResponse,
    SessionDetail,
    SessionsResponse,
)
from gridarena.api.views import session_out
from gridarena.api.wallet import verify_wallet_signature
from gridarena.grid.spec import GridSpec
from gridarena.store.enums import OrderStatus, SessionStatus
from gridarena.store.lifecycle import OPEN_ORDER_STATUSES
from gridarena.store.repo import api_queries as q
from gridarena.store.repo.keys import prune_nonces, use_nonce

__all__ = ["router", "start_spec"]

router = APIRouter(prefix="/api/grid", tags=["sessions"])
_COMMAND_ERRORS = error_responses(401, 403, 404, 409, 422, 423, 429, 502, 503)

StatusFilter = Literal["active", "running", "paused", "stopped", "RUNNING", "PAUSED", "STOPPED"]
_STATUS = {
    "active": SessionStatus.RUNNING,
    "running": SessionStatus.RUNNING,
    "paused": SessionStatus.PAUSED,
    "stopped": SessionStatus.STOPPED,
}
# GridSpec names back to the seed 002 names the client sent.
_RENAMES = {
    "symbol": "ticker",
    "lower": "lower_bound",
    "upper": "upper_bound",
    "grids": "grid_levels",
    "grid_levels_each_side": "grid_levels",
    "base_allocation": "total_margin",
}


def _status(value: str | None) -> SessionStatus | None:
    return None if value is None else _STATUS[value.lower()]


def start_spec(req: StartGridRequest) -> GridSpec:
    """Translate seed 002's start body into a GridSpec (422 INVALID_GRID_SPEC naming its field)."""
    data: dict[str, Any] = {
        "model": req.model,
        "symbol": req.ticker,
        "direction": req.direction,
        "base_allocation": req.total_margin,
        "leverage": req.leverage,
        "lower": req.lower_bound,
        "upper": req.upper_bound,
    }
    if req.grid_type == "GEOMETRIC":
        if req.grid_ratio is None:
            raise ApiError(
                ErrorCode.INVALID_GRID_SPEC,
                "grid_ratio: required for GEOMETRIC grids",
                field="grid_ratio",
            )
        if req.current_price is None:
            raise ApiError(
                ErrorCode.INVALID_GRID_SPEC,
                "current_price: required for GEOMETRIC grids (levels start from it)",
                field="current_price",
            )
        data |= {
            "spacing": "geometric_from_price",
            "grid_ratio": req.grid_ratio,
            "grid_levels_each_side": max(1, req.grid_levels // 2),
        }
    else:
        data |= {"spacing": "arithmetic", "grids": req.grid_levels - 1}
    try:
        return GridSpec.model_validate(data)
    except ValidationError as exc:
        raise spec_error(exc, _RENAMES) from None


@router.post(
    "/start",
    response_model=GridSessionInfo,
    summary="Start a grid session (wallet-signed user_auth)",
    responses=_COMMAND_ERRORS,
)
async def start(
    request: Request, state: State, _: TradeKey, body: StartGridRequest
) -> GridSessionInfo:
    """Verify the wallet signature, use its nonce once, and have the engine start the grid."""
    control = state.require_control()
    spec = start_spec(body)
    max_age = state.settings.api.signature_max_age_s
    address = verify_wallet_signature(body.user_auth, now=state.clock(), max_age_s=max_age)
    summary = note(request, "session.start", model=body.model, symbol=body.ticker, owner=address)
    now = state.now()

    def admit(session: Session) -> str:
        account = trading_account(session, body.model)
        if not use_nonce(session, address=address, nonce=body.user_auth.nonce, at=now):
            raise ApiError(
                ErrorCode.NONCE_REUSED, "this nonce was already used", field="user_auth.nonce"
            )
        # Older than three windows: refused by its timestamp whatever its nonce.
        prune_nonces(session, before=now - timedelta(seconds=3 * max_age), address=address)
        return account.name

    model = await state.write(admit)
    info = await control.start_grid(model, spec, owner=address, reference_price=body.current_price)
    after_command(request, state, {**summary, "session_id": info.session_id})
    return info


@router.post(
    "/stop",
    response_model=GridSessionInfo,
    summary="Stop a grid session",
    responses=_COMMAND_ERRORS,
)
async def stop(
    request: Request, state: State, _: TradeKey, body: StopGridRequest
) -> GridSessionInfo:
    """Stop a session for good (its orders are canceled by the engine)."""
    control = state.require_control()
    summary = note(request, "session.stop", session_id=body.session_id)

    def find(session: Session) -> GridRef:
        row = q.find_session(session, session_id=body.session_id)
        if row is None:
            raise ApiError(
                ErrorCode.SESSION_NOT_FOUND,
                f"no grid session {body.session_id!r}",
                field="session_id",
            )
        if row.grid.status is SessionStatus.STOPPED:
            raise ApiError(ErrorCode.CONFLICT, f"grid session {row.grid.id} is already STOPPED")
        return GridRef(session_id=row.grid.id, model=row.account, symbol=row.grid.symbol)

    ref = await state.read(find)
    info = await control.stop(ref, reason=body.reason or "MANUAL")
    after_command(request, state, summary)
    return info


@router.get(
    "/status/{session_id}",
    response_model=SessionDetail,
    summary="One grid session",
    responses=error_responses(401, 403, 404, 422, 429),
)
async def session_status(state: State, _: ReadKey, session_id: SessionPath) -> SessionDetail:
    """Describe a session: config, orders by status and what its fills add up to."""

    def load(session: Session) -> SessionDetail:
        row = q.find_session(session, session_id=session_id)
        if row is None:
            raise ApiError(
                ErrorCode.SESSION_NOT_FOUND, f"no grid session {session_id!r}", field="session_id"
            )
        counts = q.session_order_counts(session, session_ids=[session_id]).get(session_id, {})
        totals = q.session_totals(session, session_ids=[session_id]).get(session_id)
        return SessionDetail(
            session=session_out(row),
            spec=row.spec,
            orders_by_status={status.value: n for status, n in sorted(counts.items())},
            open_orders=sum(n for status, n in counts.items() if status in OPEN_ORDER_STATUSES),
            fills=totals.fills if totals else 0,
            realized_pnl=totals.realized_pnl if totals else Decimal(0),
            fees=totals.fees if totals else Decimal(0),
        )

    return await state.read(load)


@router.get(
    "/sessions",
    response_model=SessionsResponse,
    summary="Grid sessions, newest first",
    responses=error_responses(401, 403, 404, 422, 429),
)
async def sessions(
    state: State,
    _: ReadKey,
    status: StatusFilter | None = None,
    model: OptionalModel = None,
    symbol: OptionalSymbol = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> SessionsResponse:
    """List sessions by status, model and symbol."""
    wanted = _status(status)

    def load(session: Session) -> SessionsResponse:
        account = trading_account(session, model, gate=False) if model else None
        rows = q.list_sessions(
            session,
            account_id=account.id if account is not None else None,
            statuses=[wanted] if wanted is not None else None,
            symbol=symbol,
            limit=limit,
        )
        return SessionsResponse(sessions=[session_out(row) for row in rows])

    return await state.read(load)


def _aware(at: datetime | None) -> datetime | None:
    if at is None:
        return None
    try:
        return (at if at.tzinfo is not None else at.replace(tzinfo=UTC)).astimezone(UTC)
    except OverflowError:
        raise ApiError(
            ErrorCode.VALIDATION_ERROR, "start_time: out of range", field="start_time"
        ) from None


@router.get(
    "/summary",
    response_model=GridSummaryResponse,
    summary="Grid summaries (seed 002)",
    responses=error_responses(401, 403, 404, 422, 429),
)
async def summary(
    state: State,
    _: ReadKey,
    user_id: Annotated[
        str | None, Query(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$", description="Model.")
    ] = None,
    status: StatusFilter | None = None,
    start_time: Annotated[
        datetime | None, Query(description="Sessions started at or after (UTC if no zone).")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> GridSummaryResponse:
    """Summarise sessions: orders, filled orders, profit (realized PnL of fills) and fees."""
    wanted = _status(status)
    since = _aware(start_time)

    def load(session: Session) -> GridSummaryResponse:
        account = trading_account(session, user_id, gate=False) if user_id else None
        rows = q.list_sessions(
            session,
            account_id=account.id if account is not None else None,
            statuses=[wanted] if wanted is not None else None,
            started_after=since,
            limit=limit,
        )
        ids = [row.grid.id for row in rows]
        counts = q.session_order_counts(session, session_ids=ids)
        totals = q.session_totals(session, session_ids=ids)
        out = []
        for row in rows:
            by_status = counts.get(row.grid.id, {})
            total = totals.get(row.grid.id)
            out.append(
                GridSummaryOut(
                    session_id=row.grid.id,
                    user_id=row.account,
                    ticker=row.grid.symbol,
                    status=row.grid.status.value,
                    total_orders=sum(by_status.values()),
                    successful_orders=by_status.get(OrderStatus.FILLED, 0),
                    total_profit=total.realized_pnl if total else Decimal(0),
                    fees=total.fees if total else Decimal(0),
                    stop_reason=row.grid.stop_reason,
                    created_at=row.grid.started_at,
                    updated_at=row.grid.stopped_at,
                )
            )
        return GridSummaryResponse(
            summaries=out,
            total_profit=sum((s.total_profit for s in out), Decimal(0)),
            total_orders=sum(s.total_orders for s in out),
        )

    return await state.read(load)
