"""Seed 000's trading reads: orders, positions, PnL, account and balance (from the store)."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from sqlalchemy.orm import Session

from gridarena.api.deps import ReadKey, State
from gridarena.api.errors import error_responses
from gridarena.api.routes.common import (
    OptionalModel,
    OptionalSymbol,
    decode_cursor,
    encode_cursor,
    model_account,
)
from gridarena.api.schemas import (
    AccountResponse,
    BalancesResponse,
    OrdersPage,
    PnlOut,
    PnlResponse,
    PositionsResponse,
)
from gridarena.api.views import account_out, balance_out, order_out, pct, position_out
from gridarena.store.enums import OrderStatus
from gridarena.store.lifecycle import OPEN_ORDER_STATUSES
from gridarena.store.repo import api_queries as q

__all__ = ["router"]

router = APIRouter(tags=["trading"], responses=error_responses(401, 403, 404, 422, 429))

Window = Literal["daily", "weekly", "all"]
_WINDOWS = {"daily": timedelta(days=1), "weekly": timedelta(days=7)}


@router.get("/orders", response_model=OrdersPage, summary="Orders, newest first")
async def orders(
    state: State,
    _: ReadKey,
    model: OptionalModel = None,
    symbol: OptionalSymbol = None,
    status: Annotated[
        Literal["open"] | OrderStatus | None,
        Query(description="An order status, or 'open' for every non-final status."),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    before: Annotated[
        str | None, Query(max_length=128, description="next_cursor of the previous page.")
    ] = None,
) -> OrdersPage:
    """List orders of a model and/or symbol (keyset paging through ``before``)."""
    cursor = decode_cursor(before) if before is not None else None
    statuses = OPEN_ORDER_STATUSES if status == "open" else {status} if status else None

    def load(session: Session) -> OrdersPage:
        account = model_account(session, model)
        rows = q.list_orders(
            session,
            account_id=account.id if account is not None else None,
            symbol=symbol,
            statuses=statuses,
            limit=limit + 1,
            before=cursor,
        )
        page = rows[:limit]
        last = page[-1][0] if len(rows) > limit else None
        return OrdersPage(
            orders=[order_out(order, name) for order, name in page],
            next_cursor=encode_cursor(last.created_at, last.id) if last is not None else None,
        )

    return await state.read(load)


@router.get("/positions", response_model=PositionsResponse, summary="Open positions")
async def positions(
    state: State,
    _: ReadKey,
    symbol: OptionalSymbol = None,
    model: OptionalModel = None,
    include_flat: bool = False,
) -> PositionsResponse:
    """List positions (non-zero unless ``include_flat``), by model and symbol."""

    def load(session: Session) -> PositionsResponse:
        account = model_account(session, model)
        rows = q.positions_of(
            session,
            account_id=account.id if account is not None else None,
            symbol=symbol,
            include_flat=include_flat,
        )
        return PositionsResponse(positions=[position_out(p, name) for p, name in rows])

    return await state.read(load)


def _max_drawdown(points: list[tuple[datetime, Decimal]]) -> float | None:
    peak: Decimal | None = None
    worst = 0.0
    for _, equity in points:
        peak = equity if peak is None or equity > peak else peak
        if peak > 0:
            worst = max(worst, float((peak - equity) / peak))
    return worst if points else None


def _pnl_out(
    window: q.PnlWindow, since: datetime | None, points: list[tuple[datetime, Decimal]]
) -> PnlOut:
    acc, first, last = window.account, window.first, window.last
    start = acc.starting_balance if since is None else first.equity if first else None
    peak = max((equity for _, equity in points), default=None)
    equity = last.equity if last else None
    pnl = equity - start if equity is not None and start is not None else None
    return PnlOut(
        model=acc.name,
        start_equity=start,
        equity=equity,
        pnl=pnl,
        pnl_pct=pct(pnl, start),
        realized=last.realized if last else None,
        unrealized=last.unrealized if last else None,
        fees=last.fees if last else None,
        funding=last.funding if last else None,
        peak_equity=peak,
        drawdown=pct(peak - equity, peak) if peak is not None and equity is not None else None,
        max_drawdown=_max_drawdown(points),
        points=window.points,
        as_of=last.ts if last else None,
    )


@router.get("/pnl", response_model=PnlResponse, summary="PnL per model over a window")
async def pnl(
    state: State,
    _: ReadKey,
    model: OptionalModel = None,
    window: Window = "daily",
) -> PnlResponse:
    """Report equity change, PnL parts and drawdown per model (daily = last 24 h)."""
    since = state.now() - _WINDOWS[window] if window in _WINDOWS else None

    def load(session: Session) -> PnlResponse:
        account = model_account(session, model)
        windows = q.pnl_windows(
            session, since=since, account_id=account.id if account is not None else None
        )
        ids = [w.account.id for w in windows if w.last is not None]
        points = q.equity_points(session, account_ids=ids, since=since)
        return PnlResponse(
            window=window,
            since=since,
            models=[_pnl_out(w, since, points.get(w.account.id, [])) for w in windows],
        )

    return await state.read(load)


@router.get("/account", response_model=AccountResponse, summary="Account info")
async def account(state: State, _: ReadKey, model: OptionalModel = None) -> AccountResponse:
    """Describe the model's account (every account when no model is given)."""

    def load(session: Session) -> AccountResponse:
        acc = model_account(session, model)
        rows = q.model_rows(session, account_id=acc.id if acc is not None else None)
        accounts = [account_out(row) for row in rows]
        return AccountResponse(
            accounts=accounts,
            total_starting_balance=sum((a.starting_balance for a in accounts), Decimal(0)),
            total_equity=sum(
                (a.equity if a.equity is not None else a.starting_balance for a in accounts),
                Decimal(0),
            ),
        )

    return await state.read(load)


@router.get("/balance", response_model=BalancesResponse, summary="Balances")
async def balance(
    state: State,
    _: ReadKey,
    model: OptionalModel = None,
    asset: Annotated[str | None, Query(pattern=r"^[A-Za-z0-9]{1,16}$")] = None,
) -> BalancesResponse:
    """List balances by model and asset, with totals per asset."""

    def load(session: Session) -> BalancesResponse:
        acc = model_account(session, model)
        rows = q.balances_of(session, account_id=acc.id if acc is not None else None, asset=asset)
        totals: dict[str, Decimal] = {}
        for bal, _name in rows:
            totals[bal.asset] = totals.get(bal.asset, Decimal(0)) + bal.wallet
        return BalancesResponse(balances=[balance_out(b, n) for b, n in rows], totals=totals)

    return await state.read(load)
