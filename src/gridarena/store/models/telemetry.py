"""Append-only records: metrics, LLM decisions, prices, risk events and the audit log."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Double, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from gridarena.store.models.base import Base, JsonDict
from gridarena.store.types import BigId

__all__ = ["AuditEntry", "LlmDecision", "Metric", "PricePoint", "RiskEvent"]


class Metric(Base):
    """A named figure for a model or account (Sharpe, drawdown...): analytics, so a float."""

    __tablename__ = "metrics"
    __table_args__ = (Index("ix_metrics_model_symbol_ts", "model", "symbol", "ts"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), index=True)
    model: Mapped[str | None] = mapped_column(String(128))
    symbol: Mapped[str | None] = mapped_column(String(32))
    ts: Mapped[datetime]
    name: Mapped[str] = mapped_column(String(64))
    value: Mapped[float] = mapped_column(Double)


class LlmDecision(Base):
    """One provider call: what was asked, what came back, what it cost."""

    __tablename__ = "llm_decisions"
    __table_args__ = (Index("ix_llm_decisions_account_id_created_at", "account_id", "created_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id"), index=True)
    model: Mapped[str | None] = mapped_column(String(128))
    symbol: Mapped[str] = mapped_column(String(32))
    snapshot_hash: Mapped[str | None] = mapped_column(String(128))
    season_id: Mapped[str | None] = mapped_column(ForeignKey("seasons.id"), index=True)
    prompt: Mapped[str] = mapped_column(Text)
    raw_response: Mapped[str | None] = mapped_column(Text)
    parsed: Mapped[JsonDict | None]
    kind: Mapped[str] = mapped_column(String(32))
    latency_ms: Mapped[int | None]
    tokens_in: Mapped[int | None]
    tokens_out: Mapped[int | None]
    cost: Mapped[Decimal | None]
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]


class PricePoint(Base):
    """A price observation or candle; ``close`` alone is a plain price tick."""

    __tablename__ = "price_history"
    __table_args__ = (UniqueConstraint("symbol", "ts"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    symbol: Mapped[str] = mapped_column(String(32))
    ts: Mapped[datetime]
    open: Mapped[Decimal | None]
    high: Mapped[Decimal | None]
    low: Mapped[Decimal | None]
    close: Mapped[Decimal]
    volume: Mapped[Decimal | None]


class RiskEvent(Base):
    """A risk-gate outcome worth keeping: a refusal, a reduction, a halt."""

    __tablename__ = "risk_events"
    __table_args__ = (Index("ix_risk_events_account_id_ts", "account_id", "ts"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    session_id: Mapped[str | None] = mapped_column(ForeignKey("grid_sessions.id"))
    ts: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(32))
    reason_code: Mapped[str] = mapped_column(String(64))
    requested: Mapped[JsonDict | None]
    approved: Mapped[JsonDict | None]
    detail: Mapped[str | None] = mapped_column(Text)


class AuditEntry(Base):
    """One API request: who, what, outcome; the summary is masked before it is stored."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_ts", "ts"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    ts: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(128))
    method: Mapped[str] = mapped_column(String(16))
    path: Mapped[str] = mapped_column(String(512))
    status: Mapped[int]
    request_id: Mapped[str | None] = mapped_column(String(64))
    summary: Mapped[JsonDict | None]
