"""Seed 001's AI trading endpoints: ask for a decision, execute one, list decisions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict
from sqlalchemy.orm import Session

from gridarena.api.control import DecisionRecord, ExecutionResult
from gridarena.api.deps import ReadKey, State, TradeKey
from gridarena.api.errors import ApiError, ErrorCode, error_responses
from gridarena.api.routes.common import (
    ModelQuery,
    OptionalModel,
    OptionalSymbol,
    SymbolQuery,
    model_account,
)
from gridarena.api.routes.engine import after_command, note, trading_account
from gridarena.api.schemas import DecisionsResponse
from gridarena.api.views import decision_out
from gridarena.store.models import Account, LlmDecision
from gridarena.store.repo.api_queries import list_decisions

__all__ = ["ExecutedDecision", "router"]

router = APIRouter(prefix="/llm", tags=["llm"])
_COMMAND_ERRORS = error_responses(401, 403, 404, 409, 422, 423, 429, 502, 503)


class ExecutedDecision(BaseModel):
    """A decision and what executing it did."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    decision: DecisionRecord
    execution: ExecutionResult


@router.post(
    "/decision",
    response_model=DecisionRecord,
    summary="Ask a model for a decision (no orders)",
    responses=_COMMAND_ERRORS,
)
async def llm_decision(
    request: Request, state: State, _: TradeKey, model: ModelQuery, symbol: SymbolQuery
) -> DecisionRecord:
    """Have the engine ask the model's provider for a decision on ``symbol`` and store it."""
    control = state.require_control()
    summary = note(request, "llm.decision", model=model, symbol=symbol)
    account = await state.read(lambda session: trading_account(session, model, gate=False))
    record = await control.llm_decision(account.name, symbol)
    after_command(request, state, {**summary, "decision_id": record.id})
    state.bus.publish("decision", record.model_dump(mode="json"))
    return record


def _stored_decision(session: Session, decision_id: int) -> tuple[LlmDecision, Account]:
    decision = session.get(LlmDecision, decision_id)
    if decision is None:
        raise ApiError(ErrorCode.NOT_FOUND, f"no decision {decision_id}", field="decision_id")
    account = session.get(Account, decision.account_id)
    assert account is not None  # foreign key
    trading_account(session, account.name)  # kill switches gate execution
    return decision, account


@router.post(
    "/execute-decision",
    response_model=ExecutedDecision,
    summary="Execute a stored decision, or decide and execute at once",
    responses=_COMMAND_ERRORS,
)
async def llm_execute_decision(
    request: Request,
    state: State,
    _: TradeKey,
    decision_id: Annotated[int | None, Query(ge=1, le=2**62)] = None,
    model: OptionalModel = None,
    symbol: OptionalSymbol = None,
) -> ExecutedDecision:
    """Execute ``decision_id``, or ask ``model`` for a decision on ``symbol`` and execute it."""
    control = state.require_control()
    if decision_id is not None:
        summary = note(request, "llm.execute", decision_id=decision_id)
        stored, account = await state.read(lambda session: _stored_decision(session, decision_id))
        record = decision_out(stored, account.name)
    elif model is not None and symbol is not None:
        summary = note(request, "llm.decide_execute", model=model, symbol=symbol)
        account = await state.read(lambda session: trading_account(session, model))
        record = await control.llm_decision(account.name, symbol)
        state.bus.publish("decision", record.model_dump(mode="json"))
    else:
        raise ApiError(
            ErrorCode.VALIDATION_ERROR,
            "give decision_id, or model and symbol",
            field="decision_id" if model is None else "symbol",
        )
    execution = await control.execute_decision(record.id)
    after_command(request, state, {**summary, "executed": execution.executed})
    return ExecutedDecision(decision=record, execution=execution)


@router.get(
    "/decisions",
    response_model=DecisionsResponse,
    summary="Recent decisions",
    responses=error_responses(401, 403, 404, 422, 429),
)
async def llm_decisions(
    state: State,
    _: ReadKey,
    model: OptionalModel = None,
    symbol: OptionalSymbol = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> DecisionsResponse:
    """List recent provider decisions, newest first."""

    def load(session: Session) -> DecisionsResponse:
        account = model_account(session, model)
        rows = list_decisions(
            session,
            account_id=account.id if account is not None else None,
            symbol=symbol,
            limit=limit,
        )
        return DecisionsResponse(decisions=[decision_out(d, acc) for d, acc, _prov in rows])

    return await state.read(load)
