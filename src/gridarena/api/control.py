"""The API's port to the trading engine: what mutating endpoints may ask the runtime to do.

The arena runtime implements :class:`TradingControl`; the API never builds the world. The
result types are pydantic models and double as response bodies. A refusal is raised as
:class:`ControlError` with a catalogue code (``RISK_REJECTED``, ``SESSION_NOT_FOUND``,
``CONFLICT``, ``ORDER_CREATION_FAILED``...), which the API answers with that code.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, Literal, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field

from gridarena.api.errors import ApiError, ErrorCode
from gridarena.grid.spec import GridSpec

__all__ = [
    "ControlError",
    "ControlStatus",
    "DecisionRecord",
    "ExecutionResult",
    "FlattenResult",
    "GridRef",
    "GridSessionInfo",
    "KillResult",
    "SyncResult",
    "TradingControl",
]


class ControlError(ApiError):
    """A refusal from the engine, answered with its catalogue code."""

    def __init__(self, code: ErrorCode, message: str, *, field: str | None = None) -> None:
        super().__init__(code, message, field=field)


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class GridRef(_Frozen):
    """A grid session, resolved by the API: its id, model (account) and symbol."""

    session_id: str
    model: str
    symbol: str


class GridSessionInfo(_Frozen):
    """A grid session as the engine reports it after a command."""

    session_id: str
    model: str
    symbol: str
    status: Literal["RUNNING", "PAUSED", "STOPPED"]
    config_version: int | None = None
    started_at: datetime | None = None
    detail: str | None = None


class SyncResult(_Frozen):
    """What a price or balance sync touched."""

    synced: int = Field(ge=0, description="Prices or balances written.")
    items: list[str] = Field(default_factory=list, description="Symbols or models synced.")
    errors: list[str] = Field(default_factory=list, description="Failures, one line each.")
    at: datetime | None = None


class DecisionRecord(_Frozen):
    """One provider decision as stored (``llm_decisions``)."""

    id: int
    model: str
    symbol: str
    kind: str = Field(description="grid | action | hold | error ...")
    parsed: dict[str, Any] | None = None
    error: str | None = None
    latency_ms: int | None = None
    tokens_in: int | None = None
    tokens_out: int | None = None
    cost: Decimal | None = None
    created_at: datetime


class ExecutionResult(_Frozen):
    """The outcome of executing a decision: accepted, refused by risk, or nothing to do."""

    decision_id: int
    executed: bool
    orders: list[str] = Field(default_factory=list, description="Client order ids submitted.")
    session_id: str | None = None
    reason_code: str | None = None
    detail: str | None = None


class FlattenResult(_Frozen):
    """What a flatten did."""

    scope: str
    canceled_orders: int = Field(ge=0)
    closed_positions: int = Field(ge=0)
    detail: str | None = None


class ControlStatus(_Frozen):
    """The engine's own view: running sessions, whether trading is paused, venue health."""

    mode: Literal["backtest", "paper", "live"]
    paused: bool
    venue_ok: bool
    sessions_running: int = Field(ge=0)
    sessions_paused: int = Field(ge=0)
    detail: dict[str, Any] = Field(default_factory=dict)


class KillResult(_Frozen):
    """What a kill did in the engine."""

    scope: str
    canceled_orders: int = Field(ge=0)
    stopped_sessions: int = Field(ge=0)


@runtime_checkable
class TradingControl(Protocol):
    """Commands the API forwards to the trading engine (all async, all may raise ControlError).

    The API resolves models and sessions in the store, checks scopes, kill switches and
    cooldowns, persists kill switches and writes the audit row; the engine does the rest
    (risk gate, orders, the store writes that follow).
    """

    async def apply_grid(self, model: str, symbol: str, spec: GridSpec) -> GridSessionInfo:
        """Apply ``spec`` to the model's grid in ``symbol`` (create, or re-apply as a diff)."""
        ...

    async def start_grid(
        self,
        model: str,
        spec: GridSpec,
        *,
        owner: str | None = None,
        reference_price: Decimal | None = None,
    ) -> GridSessionInfo:
        """Start a new grid session (seed 002); ``owner`` is the verified wallet address."""
        ...

    async def pause(self, ref: GridRef) -> GridSessionInfo:
        """Pause one grid session (orders stay, nothing new is placed)."""
        ...

    async def resume(self, ref: GridRef) -> GridSessionInfo:
        """Resume a paused grid session."""
        ...

    async def stop(self, ref: GridRef, *, reason: str) -> GridSessionInfo:
        """Stop a grid session for good, canceling its orders."""
        ...

    async def sync_prices(self) -> SyncResult:
        """Fetch the latest prices from the venue into the store."""
        ...

    async def sync_balances(self) -> SyncResult:
        """Fetch every model's balances from the venue into the store."""
        ...

    async def llm_decision(self, model: str, symbol: str) -> DecisionRecord:
        """Ask the model's provider for a decision on ``symbol`` and store it (no orders)."""
        ...

    async def execute_decision(self, decision_id: int) -> ExecutionResult:
        """Turn a stored decision into orders through the risk gate."""
        ...

    async def flatten(self, scope: str) -> FlattenResult:
        """Cancel orders and close positions of ``scope`` (global, provider:x, account:x)."""
        ...

    async def pause_all(self) -> ControlStatus:
        """Pause every grid (ops)."""
        ...

    async def resume_all(self) -> ControlStatus:
        """Resume every grid paused by ``pause_all``."""
        ...

    async def kill(self, scope: str, cancel_all: bool) -> KillResult:
        """Halt trading of ``scope`` (already persisted by the API); cancel orders if asked."""
        ...

    async def release(self, scope: str) -> KillResult:
        """Release ``scope``'s kill switch (already persisted by the API)."""
        ...

    async def status(self) -> ControlStatus:
        """Return the engine's status (also the venue check of ``/health/ready``)."""
        ...
