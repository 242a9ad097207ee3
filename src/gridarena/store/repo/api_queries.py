"""Read queries behind the HTTP API: few statements per call, every one on an index.

Money columns are never compared, sorted or aggregated in SQL here (SQLite stores them as
text, see ``gridarena.store.types``): rows are loaded and summed in Python, except where a
Postgres-only aggregate is marked as such.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, String, and_, bindparam, case, func, or_, select, text
from sqlalchemy.orm import Session, aliased

from gridarena.store.enums import OrderStatus, SessionStatus
from gridarena.store.lifecycle import OPEN_ORDER_STATUSES
from gridarena.store.models import (
    Account,
    Balance,
    Fill,
    GridConfig,
    GridSession,
    LlmDecision,
    Metric,
    Order,
    PnlSnapshot,
    Position,
    PricePoint,
    Provider,
)
from gridarena.store.repo._common import now_or
from gridarena.store.types import Money, UtcDateTime

__all__ = [
    "GridStatusRow",
    "ModelRow",
    "PnlWindow",
    "SessionRow",
    "SessionTotals",
    "account_rows",
    "balances_of",
    "equity_points",
    "find_session",
    "grid_status",
    "latest_prices",
    "list_decisions",
    "list_orders",
    "list_sessions",
    "model_rows",
    "open_order_counts",
    "peak_equity",
    "pnl_windows",
    "positions_of",
    "price_points",
    "recent_metrics",
    "resolve_model",
    "session_counts",
    "session_order_counts",
    "session_totals",
]


def _model_match(model: str) -> Any:
    return or_(Account.name == model, Provider.name == model)


def _account_first(model: str) -> Any:
    # An account called ``model`` wins over a provider of that name.
    return case((Account.name == model, 0), else_=1)


def resolve_model(session: Session, *, model: str) -> Account | None:
    """Return the account a ``model`` name designates (account name, else provider name)."""
    stmt = (
        select(Account)
        .join(Provider, Provider.id == Account.provider_id)
        .where(_model_match(model))
        .order_by(_account_first(model), Account.id)
        .limit(1)
    )
    return session.scalars(stmt).one_or_none()


@dataclass(frozen=True, slots=True)
class GridStatusRow:
    """The newest grid session of an account in a symbol, with what the status view shows."""

    grid: GridSession
    account: str
    spec: dict[str, Any]
    config_version: int
    open_orders: int
    position: Position | None
    last_price: Decimal | None
    last_price_ts: datetime | None


@functools.cache
def _grid_status_statement() -> Any:
    # Built once with bound parameters: constructing this select costs more than running it.
    model, symbol = bindparam("model", type_=String()), bindparam("symbol", type_=String())
    open_count = (
        select(func.count(Order.id))
        .where(Order.session_id == GridSession.id, Order.status.in_(OPEN_ORDER_STATUSES))
        .correlate(GridSession)
        .scalar_subquery()
    )
    inner = aliased(PricePoint)
    newest = (
        select(inner.id)
        .where(inner.symbol == GridSession.symbol)
        .order_by(inner.ts.desc())
        .limit(1)
        .correlate(GridSession)
        .scalar_subquery()
    )
    last = aliased(PricePoint)
    return (
        select(
            GridSession,
            Account.name,
            GridConfig.spec,
            GridConfig.version,
            open_count,
            Position,
            last.close,
            last.ts,
        )
        .join(Account, Account.id == GridSession.account_id)
        .join(Provider, Provider.id == Account.provider_id)
        .join(GridConfig, GridConfig.id == GridSession.config_id)
        .outerjoin(
            Position,
            and_(Position.account_id == GridSession.account_id, Position.symbol == symbol),
        )
        .outerjoin(last, last.id == newest)
        .where(or_(Account.name == model, Provider.name == model), GridSession.symbol == symbol)
        .order_by(
            case((Account.name == model, 0), else_=1),
            GridSession.started_at.desc(),
            GridSession.id.desc(),
        )
        .limit(1)
    )


def grid_status(session: Session, *, model: str, symbol: str) -> GridStatusRow | None:
    """Return the model's newest grid session in ``symbol`` and its live figures, or None.

    One statement: the session, its config and position by join, the open-order count
    and the last price by correlated index lookups.
    """
    stmt = _grid_status_statement()
    row = session.execute(stmt, {"model": model, "symbol": symbol}).first()
    if row is None:
        return None
    grid, account, spec, version, count, position, close, ts = row
    return GridStatusRow(
        grid=grid,
        account=account,
        spec=dict(spec),
        config_version=version,
        open_orders=int(count or 0),
        position=position,
        last_price=close,
        last_price_ts=ts,
    )


def list_orders(
    session: Session,
    *,
    account_id: int | None = None,
    symbol: str | None = None,
    statuses: Iterable[OrderStatus] | None = None,
    session_id: str | None = None,
    limit: int = 50,
    before: tuple[datetime, int] | None = None,
) -> list[tuple[Order, str]]:
    """Return up to ``limit`` orders with their account names, newest first (keyset paging)."""
    stmt = select(Order, Account.name).join(Account, Account.id == Order.account_id)
    if account_id is not None:
        stmt = stmt.where(Order.account_id == account_id)
    if symbol is not None:
        stmt = stmt.where(Order.symbol == symbol)
    if statuses is not None:
        stmt = stmt.where(Order.status.in_(list(statuses)))
    if session_id is not None:
        stmt = stmt.where(Order.session_id == session_id)
    if before is not None:
        at, order_id = before
        stmt = stmt.where(
            or_(Order.created_at < at, and_(Order.created_at == at, Order.id < order_id))
        )
    stmt = stmt.order_by(Order.created_at.desc(), Order.id.desc()).limit(limit)
    return [(order, name) for order, name in session.execute(stmt)]


def positions_of(
    session: Session,
    *,
    account_id: int | None = None,
    symbol: str | None = None,
    include_flat: bool = False,
) -> list[tuple[Position, str]]:
    """Return stored positions with their account names, by account and symbol."""
    stmt = select(Position, Account.name).join(Account, Account.id == Position.account_id)
    if account_id is not None:
        stmt = stmt.where(Position.account_id == account_id)
    if symbol is not None:
        stmt = stmt.where(Position.symbol == symbol)
    rows = session.execute(stmt.order_by(Account.name, Position.symbol))
    return [(pos, name) for pos, name in rows if include_flat or pos.qty != 0]


def balances_of(
    session: Session, *, account_id: int | None = None, asset: str | None = None
) -> list[tuple[Balance, str]]:
    """Return balances with their account names, by account and asset."""
    stmt = select(Balance, Account.name).join(Account, Account.id == Balance.account_id)
    if account_id is not None:
        stmt = stmt.where(Balance.account_id == account_id)
    if asset is not None:
        stmt = stmt.where(Balance.asset == asset)
    return [
        (bal, name) for bal, name in session.execute(stmt.order_by(Account.name, Balance.asset))
    ]


def account_rows(
    session: Session, *, account_id: int | None = None
) -> list[tuple[Account, Provider]]:
    """Return accounts with their providers, by account name."""
    stmt = select(Account, Provider).join(Provider, Provider.id == Account.provider_id)
    if account_id is not None:
        stmt = stmt.where(Account.id == account_id)
    return [(acc, prov) for acc, prov in session.execute(stmt.order_by(Account.name))]


@dataclass(frozen=True, slots=True)
class ModelRow:
    """An account (a "model" of the arena) with its provider and newest equity point."""

    account: Account
    provider: Provider
    latest: PnlSnapshot | None
    open_positions: int
    open_orders: int


@functools.cache
def _model_rows_statement() -> Any:
    newest = (
        select(PnlSnapshot.id)
        .where(PnlSnapshot.account_id == Account.id)
        .order_by(PnlSnapshot.ts.desc(), PnlSnapshot.id.desc())
        .limit(1)
        .correlate(Account)
        .scalar_subquery()
    )
    positions = (
        select(func.count(Position.id))
        .where(Position.account_id == Account.id, Position.qty != Decimal(0))
        .correlate(Account)
        .scalar_subquery()
    )
    orders = (
        select(func.count(Order.id))
        .where(Order.account_id == Account.id, Order.status.in_(OPEN_ORDER_STATUSES))
        .correlate(Account)
        .scalar_subquery()
    )
    return (
        select(Account, Provider, PnlSnapshot, positions, orders)
        .join(Provider, Provider.id == Account.provider_id)
        .outerjoin(PnlSnapshot, PnlSnapshot.id == newest)
        .order_by(Account.name)
    )


def model_rows(session: Session, *, account_id: int | None = None) -> list[ModelRow]:
    """Return every account (or one) with its newest PnL snapshot and open counts.

    One statement: the newest snapshot comes from a correlated ``LIMIT 1`` on the
    (account_id, ts) index, the counts from correlated index lookups.
    """
    stmt = _model_rows_statement()
    if account_id is not None:
        stmt = stmt.where(Account.id == account_id)
    return [
        ModelRow(acc, prov, snap, int(npos or 0), int(nord or 0))
        for acc, prov, snap, npos, nord in session.execute(stmt)
    ]


def open_order_counts(session: Session) -> dict[int, int]:
    """Return the number of open orders of every account that has some."""
    stmt = (
        select(Order.account_id, func.count(Order.id))
        .where(Order.status.in_(OPEN_ORDER_STATUSES))
        .group_by(Order.account_id)
    )
    return {int(acc): int(n) for acc, n in session.execute(stmt)}


@dataclass(frozen=True, slots=True)
class PnlWindow:
    """The first and last equity points of an account inside a window."""

    account: Account
    first: PnlSnapshot | None
    last: PnlSnapshot | None
    points: int


def pnl_windows(
    session: Session, *, since: datetime | None, account_id: int | None = None
) -> list[PnlWindow]:
    """Return, per account, the first and last PnL snapshot with ``ts >= since``."""
    accounts = [acc for acc, _ in account_rows(session, account_id=account_id)]
    if not accounts:
        return []
    ids = [acc.id for acc in accounts]
    agg = select(
        PnlSnapshot.account_id,
        func.min(PnlSnapshot.ts).label("first_ts"),
        func.max(PnlSnapshot.ts).label("last_ts"),
        func.count(PnlSnapshot.id).label("points"),
    ).where(PnlSnapshot.account_id.in_(ids))
    if since is not None:
        agg = agg.where(PnlSnapshot.ts >= now_or(since))
    bounds = agg.group_by(PnlSnapshot.account_id).subquery()
    stmt = (
        select(PnlSnapshot, bounds.c.points)
        .join(bounds, bounds.c.account_id == PnlSnapshot.account_id)
        .where(or_(PnlSnapshot.ts == bounds.c.first_ts, PnlSnapshot.ts == bounds.c.last_ts))
        .order_by(PnlSnapshot.account_id, PnlSnapshot.ts, PnlSnapshot.id)
    )
    found: dict[int, list[PnlSnapshot]] = {}
    counts: dict[int, int] = {}
    for snap, points in session.execute(stmt):
        found.setdefault(snap.account_id, []).append(snap)
        counts[snap.account_id] = int(points)
    return [
        PnlWindow(
            account=acc,
            first=found[acc.id][0] if acc.id in found else None,
            last=found[acc.id][-1] if acc.id in found else None,
            points=counts.get(acc.id, 0),
        )
        for acc in accounts
    ]


def equity_points(
    session: Session, *, account_ids: Sequence[int], since: datetime | None
) -> dict[int, list[tuple[datetime, Decimal]]]:
    """Return each account's (ts, equity) points with ``ts >= since``, oldest first."""
    if not account_ids:
        return {}
    stmt = select(PnlSnapshot.account_id, PnlSnapshot.ts, PnlSnapshot.equity).where(
        PnlSnapshot.account_id.in_(list(account_ids))
    )
    if since is not None:
        stmt = stmt.where(PnlSnapshot.ts >= now_or(since))
    points: dict[int, list[tuple[datetime, Decimal]]] = {}
    for acc, ts, equity in session.execute(stmt.order_by(PnlSnapshot.ts, PnlSnapshot.id)):
        points.setdefault(int(acc), []).append((ts, equity))
    return points


def peak_equity(
    session: Session, *, account_ids: Sequence[int], since: datetime | None
) -> dict[int, Decimal]:
    """Return the highest equity of each account with ``ts >= since``.

    Postgres aggregates exactly in SQL; SQLite stores money as text, so its values are
    loaded and compared in Python.
    """
    if not account_ids:
        return {}
    where: list[ColumnElement[bool]] = [PnlSnapshot.account_id.in_(list(account_ids))]
    if since is not None:
        where.append(PnlSnapshot.ts >= now_or(since))
    if session.get_bind().dialect.name == "postgresql":
        stmt = select(PnlSnapshot.account_id, func.max(PnlSnapshot.equity)).where(*where)
        rows = session.execute(stmt.group_by(PnlSnapshot.account_id))
        return {int(acc): Decimal(peak) for acc, peak in rows if peak is not None}
    peaks: dict[int, Decimal] = {}
    for acc, equity in session.execute(
        select(PnlSnapshot.account_id, PnlSnapshot.equity).where(*where)
    ):
        if acc not in peaks or equity > peaks[acc]:
            peaks[acc] = equity
    return peaks


_LATEST_PRICES = text(
    """
    WITH RECURSIVE syms(symbol) AS (
        SELECT (SELECT p.symbol FROM price_history p ORDER BY p.symbol LIMIT 1)
        UNION ALL
        SELECT (SELECT p.symbol FROM price_history p WHERE p.symbol > s.symbol
                ORDER BY p.symbol LIMIT 1)
        FROM syms s WHERE s.symbol IS NOT NULL
    )
    SELECT s.symbol AS symbol,
        (SELECT p.ts FROM price_history p WHERE p.symbol = s.symbol
         ORDER BY p.ts DESC LIMIT 1) AS ts,
        (SELECT p.close FROM price_history p WHERE p.symbol = s.symbol
         ORDER BY p.ts DESC LIMIT 1) AS close
    FROM syms s WHERE s.symbol IS NOT NULL
    ORDER BY s.symbol
    """
).columns(symbol=String(), ts=UtcDateTime(), close=Money())


def latest_prices(session: Session) -> list[tuple[str, datetime, Decimal]]:
    """Return the newest price of every symbol, by symbol.

    A loose index scan (recursive CTE over the (symbol, ts) index): one seek per symbol,
    however long the history grows.
    """
    return [(sym, ts, close) for sym, ts, close in session.execute(_LATEST_PRICES)]


def price_points(session: Session, *, symbol: str, since: datetime, limit: int) -> list[PricePoint]:
    """Return the newest ``limit`` prices of ``symbol`` with ``ts >= since``, oldest first."""
    stmt = (
        select(PricePoint)
        .where(PricePoint.symbol == symbol, PricePoint.ts >= now_or(since))
        .order_by(PricePoint.ts.desc())
        .limit(limit)
    )
    return list(reversed(list(session.scalars(stmt))))


def list_decisions(
    session: Session, *, account_id: int | None = None, symbol: str | None = None, limit: int = 50
) -> list[tuple[LlmDecision, str, str]]:
    """Return the newest LLM decisions with account and provider names, newest first."""
    stmt = (
        select(LlmDecision, Account.name, Provider.name)
        .join(Account, Account.id == LlmDecision.account_id)
        .join(Provider, Provider.id == LlmDecision.provider_id)
    )
    if account_id is not None:
        stmt = stmt.where(LlmDecision.account_id == account_id)
        stmt = stmt.order_by(LlmDecision.created_at.desc(), LlmDecision.id.desc())
    else:
        stmt = stmt.order_by(LlmDecision.id.desc())  # ids grow with time: the primary key
    if symbol is not None:
        stmt = stmt.where(LlmDecision.symbol == symbol)
    return [(d, acc, prov) for d, acc, prov in session.execute(stmt.limit(limit))]


@dataclass(frozen=True, slots=True)
class SessionRow:
    """A grid session with its account name and config."""

    grid: GridSession
    account: str
    spec: dict[str, Any]
    config_version: int


def _session_select() -> Any:
    return (
        select(GridSession, Account.name, GridConfig.spec, GridConfig.version)
        .join(Account, Account.id == GridSession.account_id)
        .join(GridConfig, GridConfig.id == GridSession.config_id)
    )


def find_session(session: Session, *, session_id: str) -> SessionRow | None:
    """Return one grid session with its account and config, or None."""
    row = session.execute(_session_select().where(GridSession.id == session_id)).first()
    return None if row is None else SessionRow(row[0], row[1], dict(row[2]), row[3])


def list_sessions(
    session: Session,
    *,
    account_id: int | None = None,
    statuses: Iterable[SessionStatus] | None = None,
    symbol: str | None = None,
    started_after: datetime | None = None,
    limit: int = 100,
) -> list[SessionRow]:
    """Return grid sessions, newest first, filtered by account, status, symbol and start."""
    stmt = _session_select()
    if account_id is not None:
        stmt = stmt.where(GridSession.account_id == account_id)
    if statuses is not None:
        stmt = stmt.where(GridSession.status.in_(list(statuses)))
    if symbol is not None:
        stmt = stmt.where(GridSession.symbol == symbol)
    if started_after is not None:
        stmt = stmt.where(GridSession.started_at >= now_or(started_after))
    stmt = stmt.order_by(GridSession.started_at.desc(), GridSession.id.desc()).limit(limit)
    return [SessionRow(g, acc, dict(spec), ver) for g, acc, spec, ver in session.execute(stmt)]


def session_order_counts(
    session: Session, *, session_ids: Sequence[str]
) -> dict[str, dict[OrderStatus, int]]:
    """Return, per grid session, its number of orders in each status."""
    if not session_ids:
        return {}
    stmt = (
        select(Order.session_id, Order.status, func.count(Order.id))
        .where(Order.session_id.in_(list(session_ids)))
        .group_by(Order.session_id, Order.status)
    )
    counts: dict[str, dict[OrderStatus, int]] = {}
    for sid, status, n in session.execute(stmt):
        counts.setdefault(str(sid), {})[OrderStatus(status)] = int(n)
    return counts


@dataclass(frozen=True, slots=True)
class SessionTotals:
    """What a grid session's fills add up to."""

    fills: int
    realized_pnl: Decimal
    fees: Decimal


def session_totals(session: Session, *, session_ids: Sequence[str]) -> dict[str, SessionTotals]:
    """Return, per grid session, its fill count, realized PnL and fees (summed exactly)."""
    if not session_ids:
        return {}
    stmt = (
        select(Order.session_id, Fill.realized_pnl, Fill.fee)
        .join(Order, Order.id == Fill.order_id)
        .where(Order.session_id.in_(list(session_ids)))
    )
    fills: dict[str, int] = {}
    pnls: dict[str, Decimal] = {}
    fees: dict[str, Decimal] = {}
    for sid, pnl, fee in session.execute(stmt):
        key = str(sid)
        fills[key] = fills.get(key, 0) + 1
        pnls[key] = pnls.get(key, Decimal(0)) + pnl
        fees[key] = fees.get(key, Decimal(0)) + fee
    return {key: SessionTotals(fills[key], pnls[key], fees[key]) for key in fills}


def session_counts(session: Session) -> dict[str, int]:
    """Return how many grid sessions are in each status."""
    stmt = select(GridSession.status, func.count(GridSession.id)).group_by(GridSession.status)
    counts = {status.value: 0 for status in SessionStatus}
    for status, n in session.execute(stmt):
        counts[SessionStatus(status).value] = int(n)
    return counts


def recent_metrics(session: Session, *, limit: int = 1000) -> list[Metric]:
    """Return the newest ``limit`` named metrics, newest first (by primary key)."""
    return list(session.scalars(select(Metric).order_by(Metric.id.desc()).limit(limit)))
