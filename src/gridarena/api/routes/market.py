"""Seed 001's market data and model accounts: price sync and reads, balance sync, models."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from sqlalchemy.orm import Session

from gridarena.api.control import SyncResult
from gridarena.api.deps import ReadKey, State, TradeKey
from gridarena.api.errors import ApiError, ErrorCode, error_responses
from gridarena.api.requests import MODEL_PATTERN
from gridarena.api.routes.common import SymbolQuery, model_account
from gridarena.api.routes.engine import after_command, note
from gridarena.api.schemas import ModelDetail, ModelsResponse, PriceHistory, PriceOut
from gridarena.api.views import (
    account_out,
    balance_out,
    decision_out,
    position_out,
    price_out,
)
from gridarena.store.repo import api_queries as q
from gridarena.store.repo.events import latest_price

__all__ = ["router"]

router = APIRouter(tags=["market"])
_READ_ERRORS = error_responses(401, 403, 404, 422, 429)
_SYNC_ERRORS = error_responses(401, 403, 429, 502, 503)


@router.post(
    "/prices/sync",
    response_model=SyncResult,
    summary="Sync prices from the venue",
    responses=_SYNC_ERRORS,
)
async def prices_sync(request: Request, state: State, _: TradeKey) -> SyncResult:
    """Have the engine fetch the latest prices into the store."""
    control = state.require_control()
    summary = note(request, "prices.sync")
    result = await control.sync_prices()
    after_command(request, state, {**summary, "synced": result.synced})
    return result


@router.get(
    "/price/latest", response_model=PriceOut, summary="Latest price", responses=_READ_ERRORS
)
async def price_latest(state: State, _: ReadKey, symbol: SymbolQuery) -> PriceOut:
    """Return the newest stored price of ``symbol``."""

    def load(session: Session) -> PriceOut:
        point = latest_price(session, symbol=symbol)
        if point is None:
            raise ApiError(ErrorCode.NOT_FOUND, f"no price of {symbol}", field="symbol")
        return price_out(point)

    return await state.read(load)


@router.get(
    "/price/history",
    response_model=PriceHistory,
    summary="Price history",
    responses=_READ_ERRORS,
)
async def price_history(
    state: State,
    _: ReadKey,
    symbol: SymbolQuery,
    hours: Annotated[float, Query(gt=0, le=24 * 90)] = 24.0,
    limit: Annotated[int, Query(ge=1, le=5000)] = 1000,
) -> PriceHistory:
    """Return the prices of ``symbol`` over the last ``hours`` (newest ``limit``), oldest first."""
    since = state.now() - timedelta(hours=hours)

    def load(session: Session) -> PriceHistory:
        points = q.price_points(session, symbol=symbol, since=since, limit=limit)
        if not points and latest_price(session, symbol=symbol) is None:
            raise ApiError(ErrorCode.NOT_FOUND, f"no price of {symbol}", field="symbol")
        return PriceHistory(symbol=symbol, hours=hours, prices=[price_out(p) for p in points])

    return await state.read(load)


@router.post(
    "/models/sync-balances",
    response_model=SyncResult,
    summary="Sync every model's balances from the venue",
    responses=_SYNC_ERRORS,
)
async def models_sync_balances(request: Request, state: State, _: TradeKey) -> SyncResult:
    """Have the engine fetch every model's balances into the store."""
    control = state.require_control()
    summary = note(request, "models.sync_balances")
    result = await control.sync_balances()
    after_command(request, state, {**summary, "synced": result.synced})
    return result


@router.get("/models", response_model=ModelsResponse, summary="Every model", responses=_READ_ERRORS)
async def models(state: State, _: ReadKey) -> ModelsResponse:
    """List every model (account) with its provider and newest equity."""
    rows = await state.read(lambda session: q.model_rows(session))
    return ModelsResponse(models=[account_out(row) for row in rows])


@router.get(
    "/models/{model}", response_model=ModelDetail, summary="One model", responses=_READ_ERRORS
)
async def model_detail(
    state: State,
    _: ReadKey,
    model: Annotated[str, Path(pattern=MODEL_PATTERN, description="Model (account) name.")],
) -> ModelDetail:
    """Describe one model: account, balances, open positions and latest decision."""

    def load(session: Session) -> ModelDetail:
        account = model_account(session, model)
        assert account is not None
        rows = q.model_rows(session, account_id=account.id)
        decisions = q.list_decisions(session, account_id=account.id, limit=1)
        return ModelDetail(
            model=account_out(rows[0]),
            balances=[balance_out(b, n) for b, n in q.balances_of(session, account_id=account.id)],
            positions=[
                position_out(p, n) for p, n in q.positions_of(session, account_id=account.id)
            ],
            latest_decision=decision_out(decisions[0][0], decisions[0][1]) if decisions else None,
        )

    return await state.read(load)
