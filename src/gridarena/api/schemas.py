"""Response bodies: every endpoint answers one of these, so the OpenAPI schema is exact.

Money is a decimal *string* in JSON (exact); timestamps are ISO 8601 UTC.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from gridarena.api.control import ControlStatus, DecisionRecord, KillResult

__all__ = [
    "AccountOut",
    "AccountResponse",
    "BalanceOut",
    "BalancesResponse",
    "CheckOut",
    "DashboardStats",
    "DecisionsResponse",
    "GridStatusOut",
    "GridSummaryOut",
    "GridSummaryResponse",
    "HealthOut",
    "KillResponse",
    "KillSwitchOut",
    "ModelDetail",
    "ModelMetrics",
    "ModelsResponse",
    "OpsMetrics",
    "OpsStatus",
    "OrderOut",
    "OrdersPage",
    "PnlOut",
    "PnlResponse",
    "PositionOut",
    "PositionsResponse",
    "PriceHistory",
    "PriceOut",
    "ReadyOut",
    "ServiceInfo",
    "SessionDetail",
    "SessionOut",
    "SessionsResponse",
]


class Out(BaseModel):
    """Base of response bodies: immutable, no unknown keys."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class PositionOut(Out):
    """A model's position in a symbol; ``qty`` is signed (short < 0)."""

    model: str
    symbol: str
    qty: Decimal
    entry_price: Decimal
    leverage: Decimal
    margin_mode: str
    liquidation_price: Decimal | None
    unrealized: Decimal
    updated_at: datetime


class PositionsResponse(Out):
    """Positions, by model and symbol."""

    positions: list[PositionOut]


class OrderOut(Out):
    """An order as stored, with the model (account) that owns it."""

    id: int
    model: str
    session_id: str | None
    client_order_id: str
    symbol: str
    side: str
    type: str
    price: Decimal | None
    qty: Decimal
    status: str
    filled_qty: Decimal
    avg_fill_price: Decimal | None
    venue_order_id: str | None
    reduce_only: bool
    post_only: bool
    created_at: datetime
    updated_at: datetime


class OrdersPage(Out):
    """A page of orders, newest first; pass ``next_cursor`` as ``before`` for the next one."""

    orders: list[OrderOut]
    next_cursor: str | None


class BalanceOut(Out):
    """One asset balance of a model."""

    model: str
    asset: str
    wallet: Decimal
    available: Decimal
    updated_at: datetime


class BalancesResponse(Out):
    """Balances, and their totals per asset."""

    balances: list[BalanceOut]
    totals: dict[str, Decimal]


class AccountOut(Out):
    """A model's account: provider, venue, state and newest equity."""

    model: str
    provider: str
    kind: str
    llm_model: str | None
    venue: str
    state: str
    starting_balance: Decimal
    equity: Decimal | None
    pnl: Decimal | None
    pnl_pct: float | None
    open_positions: int
    open_orders: int
    as_of: datetime | None
    created_at: datetime


class AccountResponse(Out):
    """Accounts and their totals."""

    accounts: list[AccountOut]
    total_starting_balance: Decimal
    total_equity: Decimal


class ModelsResponse(Out):
    """Every model (account) of the arena."""

    models: list[AccountOut]


class ModelDetail(Out):
    """One model: account, balances, positions and latest decision."""

    model: AccountOut
    balances: list[BalanceOut]
    positions: list[PositionOut]
    latest_decision: DecisionRecord | None


class PnlOut(Out):
    """A model's PnL over a window, from its equity snapshots."""

    model: str
    start_equity: Decimal | None = Field(description="Equity at the window start.")
    equity: Decimal | None
    pnl: Decimal | None
    pnl_pct: float | None
    realized: Decimal | None
    unrealized: Decimal | None
    fees: Decimal | None
    funding: Decimal | None
    peak_equity: Decimal | None
    drawdown: float | None = Field(description="Current drawdown from the window's peak.")
    max_drawdown: float | None
    points: int
    as_of: datetime | None


class PnlResponse(Out):
    """PnL per model over ``window`` (daily = last 24 h, weekly = last 7 days)."""

    window: Literal["daily", "weekly", "all"]
    since: datetime | None
    models: list[PnlOut]


class PriceOut(Out):
    """A price tick or candle."""

    symbol: str
    ts: datetime
    close: Decimal
    open: Decimal | None = None
    high: Decimal | None = None
    low: Decimal | None = None
    volume: Decimal | None = None


class PriceHistory(Out):
    """Prices of a symbol over the last ``hours``, oldest first."""

    symbol: str
    hours: float
    prices: list[PriceOut]


class DecisionsResponse(Out):
    """Recent provider decisions, newest first."""

    decisions: list[DecisionRecord]


class GridStatusOut(Out):
    """The newest grid of a model in a symbol and its live figures."""

    model: str
    symbol: str
    session_id: str
    status: str
    config_version: int
    spec: dict[str, Any]
    started_at: datetime
    stopped_at: datetime | None
    stop_reason: str | None
    open_orders: int
    position: PositionOut | None
    last_price: Decimal | None
    last_price_ts: datetime | None


class SessionOut(Out):
    """A grid session."""

    session_id: str
    model: str
    symbol: str
    status: str
    config_version: int
    started_at: datetime
    stopped_at: datetime | None
    stop_reason: str | None


class SessionsResponse(Out):
    """Grid sessions, newest first."""

    sessions: list[SessionOut]


class SessionDetail(Out):
    """One grid session: config, orders by status and what its fills add up to."""

    session: SessionOut
    spec: dict[str, Any]
    orders_by_status: dict[str, int]
    open_orders: int
    fills: int
    realized_pnl: Decimal
    fees: Decimal


class GridSummaryOut(Out):
    """Seed 002's grid summary of one session."""

    session_id: str
    user_id: str
    ticker: str
    status: str
    total_orders: int
    successful_orders: int
    total_profit: Decimal
    fees: Decimal
    stop_reason: str | None
    created_at: datetime
    updated_at: datetime | None


class GridSummaryResponse(Out):
    """Summaries of the matching sessions and their totals."""

    summaries: list[GridSummaryOut]
    total_profit: Decimal
    total_orders: int


class KillSwitchOut(Out):
    """A kill switch as persisted."""

    scope: str
    active: bool
    cancel_all: bool
    reason: str | None
    changed_by: str | None
    changed_at: datetime


class KillResponse(Out):
    """A kill switch after ``POST /ops/kill``, and what the engine did about it."""

    kill_switch: KillSwitchOut
    engine_notified: bool
    result: KillResult | None


class OpsStatus(Out):
    """Operations view: kill switches, sessions by status, the engine's own status."""

    as_of: datetime
    kill_switches: list[KillSwitchOut]
    trading_halted: bool
    sessions: dict[str, int]
    engine_available: bool
    engine: ControlStatus | None


class ModelMetrics(Out):
    """Seed 003's strategy figures for one model."""

    model: str
    equity: Decimal | None
    pnl_total: Decimal | None
    pnl_daily: Decimal | None
    peak_equity: Decimal | None
    drawdown: float | None
    exposure: Decimal
    orders_open: int
    positions_open: int
    named: dict[str, float] = Field(description="Newest named metrics (atr, correlation...).")


class OpsMetrics(Out):
    """Strategy metrics of every model."""

    as_of: datetime
    models: list[ModelMetrics]


class DashboardStats(Out):
    """Everything the dashboard shows, in one call."""

    generated_at: datetime
    accounts: list[AccountOut]
    prices: list[PriceOut]
    positions: list[PositionOut]
    recent_orders: list[OrderOut]
    recent_decisions: list[DecisionRecord]
    sessions: dict[str, int]
    kill_switches: list[KillSwitchOut]


class HealthOut(Out):
    """Liveness."""

    status: Literal["ok"]
    version: str
    uptime_s: float


class CheckOut(Out):
    """One dependency check."""

    ok: bool
    latency_ms: float
    detail: str | None = None


class ReadyOut(Out):
    """Readiness: every configured dependency answered."""

    status: Literal["ready", "not_ready"]
    checks: dict[str, CheckOut]


class ServiceInfo(Out):
    """What this service is."""

    name: str
    version: str
    docs: str
    engine_attached: bool
