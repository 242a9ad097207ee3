"""Seed 001's ``GET /dashboard/stats``: everything the dashboard shows, rendered once, cached."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from gridarena.api.deps import ReadKey, state_of
from gridarena.api.errors import error_responses
from gridarena.api.hotpath import DASHBOARD_KEY
from gridarena.api.routes.common import json_body, json_response
from gridarena.api.schemas import DashboardStats, PriceOut
from gridarena.api.state import ApiState
from gridarena.api.views import (
    account_out,
    decision_out,
    kill_switch_out,
    order_out,
    position_out,
)
from gridarena.store.repo import api_queries as q
from gridarena.store.repo.control import kill_switches

__all__ = ["router"]

router = APIRouter(tags=["dashboard"])
RECENT_ORDERS = 20
RECENT_DECISIONS = 10


def _stats_body(session: Session, state: ApiState) -> bytes:
    body = DashboardStats(
        generated_at=state.now(),
        accounts=[account_out(row) for row in q.model_rows(session)],
        prices=[PriceOut(symbol=s, ts=ts, close=c) for s, ts, c in q.latest_prices(session)],
        positions=[position_out(p, name) for p, name in q.positions_of(session)],
        recent_orders=[
            order_out(o, name) for o, name in q.list_orders(session, limit=RECENT_ORDERS)
        ],
        recent_decisions=[
            decision_out(d, acc) for d, acc, _ in q.list_decisions(session, limit=RECENT_DECISIONS)
        ],
        sessions=q.session_counts(session),
        kill_switches=[kill_switch_out(k) for k in kill_switches(session)],
    )
    return json_body(body)


@router.get(
    "/dashboard/stats",
    response_model=DashboardStats,
    summary="Dashboard data: accounts, prices, positions, orders, decisions",
    responses=error_responses(401, 403, 429),
)
async def dashboard_stats(request: Request, _: ReadKey) -> Response:
    """Return the dashboard's data; each part is one indexed query, the body is cached briefly."""
    state = state_of(request)
    body = await state.cache.get_or_load(
        DASHBOARD_KEY, lambda: state.read(lambda session: _stats_body(session, state))
    )
    return json_response(body)
