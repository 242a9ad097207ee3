"""Append-only records: risk events, LLM decisions, metrics and prices."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridarena.obs.logging import scrub_text
from gridarena.store.models import LlmDecision, Metric, PricePoint, RiskEvent
from gridarena.store.repo._common import json_ready, money, now_or, optional_money, upsert
from gridarena.store.repo.audit import mask_secrets

__all__ = [
    "add_llm_decision",
    "add_metric",
    "add_price",
    "add_risk_event",
    "latest_price",
    "llm_decisions",
    "price_history",
    "risk_events",
]


def _json(value: Mapping[str, Any] | None) -> dict[str, Any] | None:
    return None if value is None else json_ready(mask_secrets(value))


def add_risk_event(
    session: Session,
    *,
    account_id: int,
    kind: str,
    reason_code: str,
    requested: Mapping[str, Any] | None = None,
    approved: Mapping[str, Any] | None = None,
    detail: str | None = None,
    session_id: str | None = None,
    ts: datetime | None = None,
) -> RiskEvent:
    """Record a risk-gate outcome (refusal, reduction, halt) with its stable reason code."""
    event = RiskEvent(
        account_id=account_id,
        session_id=session_id,
        ts=now_or(ts),
        kind=kind,
        reason_code=reason_code,
        requested=_json(requested),
        approved=_json(approved),
        detail=detail,
    )
    session.add(event)
    session.flush()
    return event


def risk_events(session: Session, *, account_id: int, limit: int = 100) -> list[RiskEvent]:
    """Return the account's newest risk events, newest first."""
    stmt = select(RiskEvent).where(RiskEvent.account_id == account_id)
    stmt = stmt.order_by(RiskEvent.ts.desc(), RiskEvent.id.desc()).limit(limit)
    return list(session.scalars(stmt))


def add_llm_decision(
    session: Session,
    *,
    account_id: int,
    provider_id: int,
    symbol: str,
    prompt: str,
    kind: str,
    model: str | None = None,
    snapshot_hash: str | None = None,
    raw_response: str | None = None,
    parsed: Mapping[str, Any] | None = None,
    latency_ms: int | None = None,
    tokens_in: int | None = None,
    tokens_out: int | None = None,
    cost: Decimal | int | None = None,
    error: str | None = None,
    at: datetime | None = None,
) -> LlmDecision:
    """Record one provider call: what was asked, what came back, what it cost.

    The error text is scrubbed (it may quote auth headers); prompt and response are kept
    verbatim as the evidence of what the model saw and said.
    """
    decision = LlmDecision(
        account_id=account_id,
        provider_id=provider_id,
        model=model,
        symbol=symbol,
        snapshot_hash=snapshot_hash,
        prompt=prompt,
        raw_response=raw_response,
        parsed=json_ready(parsed) if parsed is not None else None,
        kind=kind,
        latency_ms=latency_ms,
        tokens_in=tokens_in,
        tokens_out=tokens_out,
        cost=optional_money(cost, name="cost"),
        error=scrub_text(error) if error is not None else None,
        created_at=now_or(at),
    )
    session.add(decision)
    session.flush()
    return decision


def llm_decisions(session: Session, *, account_id: int, limit: int = 50) -> list[LlmDecision]:
    """Return the account's newest LLM decisions, newest first."""
    stmt = select(LlmDecision).where(LlmDecision.account_id == account_id)
    stmt = stmt.order_by(LlmDecision.created_at.desc(), LlmDecision.id.desc()).limit(limit)
    return list(session.scalars(stmt))


def add_metric(
    session: Session,
    *,
    name: str,
    value: float,
    account_id: int | None = None,
    model: str | None = None,
    symbol: str | None = None,
    ts: datetime | None = None,
) -> Metric:
    """Record a named figure for an account or a model (at least one of them)."""
    if account_id is None and model is None:
        raise ValueError("a metric needs account_id, model or both")
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"metric {name!r} must be finite, got {value}")
    metric = Metric(
        account_id=account_id, model=model, symbol=symbol, ts=now_or(ts), name=name, value=number
    )
    session.add(metric)
    session.flush()
    return metric


def add_price(
    session: Session,
    *,
    symbol: str,
    ts: datetime,
    close: Decimal | int,
    open: Decimal | int | None = None,
    high: Decimal | int | None = None,
    low: Decimal | int | None = None,
    volume: Decimal | int | None = None,
) -> PricePoint:
    """Store a price (``close`` alone) or a candle of ``symbol`` at ``ts``.

    A later write for the same (symbol, ts) replaces it, as a still-forming candle is updated.
    """
    values = {
        "close": money(close, name="close"),
        "open": optional_money(open, name="open"),
        "high": optional_money(high, name="high"),
        "low": optional_money(low, name="low"),
        "volume": optional_money(volume, name="volume"),
    }
    when = now_or(ts)
    session.flush()
    upsert(
        session,
        PricePoint,
        values={"symbol": symbol, "ts": when, **values},
        keys=("symbol", "ts"),
        update=True,
    )
    stmt = select(PricePoint).where(PricePoint.symbol == symbol, PricePoint.ts == when)
    return session.scalars(stmt.execution_options(populate_existing=True)).one()


def price_history(
    session: Session, *, symbol: str, start: datetime, end: datetime | None = None
) -> list[PricePoint]:
    """Return prices of ``symbol`` with ``start <= ts < end``, oldest first."""
    stmt = select(PricePoint).where(PricePoint.symbol == symbol, PricePoint.ts >= now_or(start))
    if end is not None:
        stmt = stmt.where(PricePoint.ts < now_or(end))
    return list(session.scalars(stmt.order_by(PricePoint.ts)))


def latest_price(session: Session, *, symbol: str) -> PricePoint | None:
    """Return the newest price of ``symbol``, or None."""
    stmt = select(PricePoint).where(PricePoint.symbol == symbol)
    return session.scalars(stmt.order_by(PricePoint.ts.desc()).limit(1)).one_or_none()
