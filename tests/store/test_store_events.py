"""Audit log without secrets; risk events, LLM decisions, metrics and prices."""

from __future__ import annotations

from decimal import Decimal

import pytest
from pydantic import SecretStr
from sqlalchemy import text
from sqlalchemy.orm import Session
from store_helpers import at

from gridarena.store.models import Account
from gridarena.store.repo import (
    add_audit,
    add_llm_decision,
    add_metric,
    add_price,
    add_risk_event,
    audit_entries,
    latest_price,
    llm_decisions,
    price_history,
    risk_events,
)

SECRET = "s3cr3t-Value-9f8e7d6c5b4a"


def test_add_audit_when_summary_holds_secrets_then_no_secret_reaches_the_database(
    db_session: Session,
) -> None:
    entry = add_audit(
        db_session,
        actor="admin",
        method="post",
        path=f"/api/orders?symbol=BTCUSDT&signature={SECRET}",
        status=201,
        request_id="req-1",
        summary={
            "symbol": "BTCUSDT",
            "api_key": SECRET,
            "nested": {"Secret": SECRET, "X-MBX-APIKEY": SECRET, "items": [{"token": SECRET}]},
            "password": SecretStr(SECRET),
            "signature": SECRET,
            "note": f"retry with Authorization: Bearer {SECRET}",
            "dsn": f"postgresql://bot:{SECRET}@db/trade",
            "qty": Decimal("0.002"),
        },
        at=at(0),
    )

    raw = db_session.execute(
        text("SELECT path, summary FROM audit_log WHERE id = :id"), {"id": entry.id}
    ).one()
    assert SECRET not in str(tuple(raw))
    # The database is shared with other tests (API audit rows): pick this entry by id.
    [stored] = [e for e in audit_entries(db_session, limit=100_000) if e.id == entry.id]
    assert stored.method == "POST"
    assert stored.summary is not None
    assert stored.summary["symbol"] == "BTCUSDT"
    assert stored.summary["api_key"] == "***"
    assert stored.summary["nested"]["items"] == [{"token": "***"}]
    assert stored.summary["qty"] == "0.002"  # Decimals stay exact as JSON strings


def test_add_audit_when_path_too_long_then_truncated_on_both_backends(db_session: Session) -> None:
    entry = add_audit(db_session, actor="api", method="get", path="/x" * 400, status=414)

    db_session.expire_all()
    assert len(entry.path) == 512


def test_add_risk_event_when_refused_then_stored_with_reason_and_requests(
    db_session: Session, account: Account
) -> None:
    add_risk_event(
        db_session,
        account_id=account.id,
        kind="REJECT",
        reason_code="MAX_LEVERAGE",
        requested={"qty": Decimal("1.5"), "leverage": 20},
        detail="leverage 20 > 10",
        ts=at(5),
    )
    add_risk_event(
        db_session,
        account_id=account.id,
        kind="REDUCE",
        reason_code="SYMBOL_EXPOSURE",
        requested={"qty": "1"},
        approved={"qty": "0.5"},
        ts=at(6),
    )

    events = risk_events(db_session, account_id=account.id)

    assert [(e.kind, e.reason_code) for e in events] == [
        ("REDUCE", "SYMBOL_EXPOSURE"),
        ("REJECT", "MAX_LEVERAGE"),
    ]
    assert events[1].requested == {"qty": "1.5", "leverage": 20}
    assert events[0].approved == {"qty": "0.5"}


def test_add_llm_decision_when_recorded_then_cost_exact_and_error_scrubbed(
    db_session: Session, account: Account
) -> None:
    add_llm_decision(
        db_session,
        account_id=account.id,
        provider_id=account.provider_id,
        model="claude-sonnet",
        symbol="BTCUSDT",
        snapshot_hash="ab12",
        prompt="market snapshot ...",
        raw_response='{"action": "hold"}',
        parsed={"action": "hold"},
        kind="action",
        latency_ms=812,
        tokens_in=1200,
        tokens_out=40,
        cost=Decimal("0.003612"),
        error=f"HTTP 401: x-api-key: {SECRET}",
        at=at(1),
    )

    [decision] = llm_decisions(db_session, account_id=account.id)

    assert decision.cost == Decimal("0.003612")
    assert decision.parsed == {"action": "hold"}
    assert (decision.tokens_in, decision.tokens_out, decision.latency_ms) == (1200, 40, 812)
    assert decision.error is not None
    assert SECRET not in decision.error


def test_add_metric_when_not_finite_or_unowned_then_raises(
    db_session: Session, account: Account
) -> None:
    metric = add_metric(
        db_session, name="sharpe", value=1.25, account_id=account.id, model="claude", ts=at(0)
    )
    assert metric.value == 1.25

    with pytest.raises(ValueError, match="finite"):
        add_metric(db_session, name="sharpe", value=float("nan"), model="claude")
    with pytest.raises(ValueError, match="account_id, model"):
        add_metric(db_session, name="sharpe", value=1.0)


def test_add_price_when_same_symbol_and_ts_then_replaced_not_duplicated(
    db_session: Session,
) -> None:
    add_price(db_session, symbol="SOLUSDT", ts=at(0), close=Decimal("150.1"))
    add_price(
        db_session,
        symbol="SOLUSDT",
        ts=at(0),
        open=Decimal("150"),
        high=Decimal("151"),
        low=Decimal("149.5"),
        close=Decimal("150.2"),
        volume=Decimal("1234.5"),
    )
    add_price(db_session, symbol="SOLUSDT", ts=at(60), close=Decimal("150.3"))

    history = price_history(db_session, symbol="SOLUSDT", start=at(0), end=at(60))

    assert [(p.ts, p.close, p.high) for p in history] == [(at(0), Decimal("150.2"), Decimal("151"))]
    newest = latest_price(db_session, symbol="SOLUSDT")
    assert newest is not None
    assert newest.close == Decimal("150.3")
