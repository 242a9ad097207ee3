"""Store rows to response bodies (pure functions, called inside the store's worker thread)."""

from __future__ import annotations

from decimal import Decimal

from gridarena.api.control import DecisionRecord
from gridarena.api.schemas import (
    AccountOut,
    BalanceOut,
    KillSwitchOut,
    OrderOut,
    PositionOut,
    PriceOut,
    SessionOut,
)
from gridarena.store.models import (
    Balance,
    KillSwitch,
    LlmDecision,
    Order,
    Position,
    PricePoint,
)
from gridarena.store.repo.api_queries import ModelRow, SessionRow

__all__ = [
    "account_out",
    "balance_out",
    "decision_out",
    "kill_switch_out",
    "order_out",
    "pct",
    "position_out",
    "price_out",
    "session_out",
]


def pct(part: Decimal | None, whole: Decimal | None) -> float | None:
    """Return ``part / whole`` as a float ratio, or None when undefined."""
    if part is None or whole is None or whole == 0:
        return None
    return float(part / whole)


def position_out(pos: Position, model: str) -> PositionOut:
    """Render a position."""
    return PositionOut(
        model=model,
        symbol=pos.symbol,
        qty=pos.qty,
        entry_price=pos.entry_price,
        leverage=pos.leverage,
        margin_mode=pos.margin_mode.value,
        liquidation_price=pos.liquidation_price,
        unrealized=pos.unrealized,
        updated_at=pos.updated_at,
    )


def order_out(order: Order, model: str) -> OrderOut:
    """Render an order."""
    return OrderOut(
        id=order.id,
        model=model,
        session_id=order.session_id,
        client_order_id=order.client_order_id,
        symbol=order.symbol,
        side=order.side.value,
        type=order.type.value,
        price=order.price,
        qty=order.qty,
        status=order.status.value,
        filled_qty=order.filled_qty,
        avg_fill_price=order.avg_fill_price,
        venue_order_id=order.venue_order_id,
        reduce_only=order.reduce_only,
        post_only=order.post_only,
        created_at=order.created_at,
        updated_at=order.updated_at,
    )


def balance_out(balance: Balance, model: str) -> BalanceOut:
    """Render a balance."""
    return BalanceOut(
        model=model,
        asset=balance.asset,
        wallet=balance.wallet,
        available=balance.available,
        updated_at=balance.updated_at,
    )


def account_out(row: ModelRow) -> AccountOut:
    """Render an account with its newest equity."""
    acc, latest = row.account, row.latest
    equity = latest.equity if latest is not None else None
    pnl = equity - acc.starting_balance if equity is not None else None
    return AccountOut(
        model=acc.name,
        provider=row.provider.name,
        kind=row.provider.kind.value,
        llm_model=row.provider.model,
        venue=acc.venue,
        state=acc.state.value,
        starting_balance=acc.starting_balance,
        equity=equity,
        pnl=pnl,
        pnl_pct=pct(pnl, acc.starting_balance),
        open_positions=row.open_positions,
        open_orders=row.open_orders,
        as_of=latest.ts if latest is not None else None,
        created_at=acc.created_at,
    )


def decision_out(decision: LlmDecision, model: str) -> DecisionRecord:
    """Render a stored provider decision (the prompt and raw response stay in the store)."""
    return DecisionRecord(
        id=decision.id,
        model=model,
        symbol=decision.symbol,
        kind=decision.kind,
        parsed=decision.parsed,
        error=decision.error,
        latency_ms=decision.latency_ms,
        tokens_in=decision.tokens_in,
        tokens_out=decision.tokens_out,
        cost=decision.cost,
        created_at=decision.created_at,
    )


def price_out(point: PricePoint) -> PriceOut:
    """Render a price point."""
    return PriceOut(
        symbol=point.symbol,
        ts=point.ts,
        close=point.close,
        open=point.open,
        high=point.high,
        low=point.low,
        volume=point.volume,
    )


def session_out(row: SessionRow) -> SessionOut:
    """Render a grid session."""
    grid = row.grid
    return SessionOut(
        session_id=grid.id,
        model=row.account,
        symbol=grid.symbol,
        status=grid.status.value,
        config_version=row.config_version,
        started_at=grid.started_at,
        stopped_at=grid.stopped_at,
        stop_reason=grid.stop_reason,
    )


def kill_switch_out(row: KillSwitch) -> KillSwitchOut:
    """Render a kill switch."""
    return KillSwitchOut(
        scope=row.scope,
        active=row.active,
        cancel_all=row.cancel_all,
        reason=row.reason,
        changed_by=row.changed_by,
        changed_at=row.changed_at,
    )
