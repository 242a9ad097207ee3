"""API test helpers: a fixed clock, keys of every scope, a seeded world and app builders.

The database of a test session is shared by every test (``db_url`` is session-scoped), so
every name here is unique per call and assertions look for their own rows.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from fastapi import FastAPI
from pydantic import SecretStr
from sqlalchemy.orm import Session, sessionmaker

from gridarena.api import create_app
from gridarena.api.control import TradingControl
from gridarena.api.keys import create_key
from gridarena.config import ApiSettings, Settings
from gridarena.domain.types import Side
from gridarena.grid.spec import GridSpec
from gridarena.store.engine import transaction
from gridarena.store.enums import Liquidity, OrderStatus, OrderType, ProviderKind
from gridarena.store.repo import (
    add_llm_decision,
    add_metric,
    add_pnl_snapshot,
    add_price,
    create_account,
    create_grid_session,
    create_provider,
    record_fill,
    record_order_intent,
    save_grid_config,
    transition_order,
    upsert_balance,
    upsert_position,
)

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
WEBHOOK_SECRET = "whsec-test-9f3b2c7d1e6a4058"
ADMIN_TOKEN = "admin-token-5e1d8c3a9b7f2046"
REDIS_URL = os.environ.get("GRIDARENA_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


class FixedClock:
    """Epoch seconds that move only when told."""

    def __init__(self, at: datetime = NOW) -> None:
        self.now = at.timestamp()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def unique(prefix: str) -> str:
    """Return ``prefix`` with a random suffix (names must not collide across tests)."""
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def unique_symbol() -> str:
    """Return a symbol no other test uses."""
    return f"T{uuid.uuid4().hex[:8].upper()}USDT"


@dataclass(frozen=True)
class Keys:
    """A plain key of every scope (as a client holds them)."""

    read: str
    trade: str
    admin: str

    def headers(self, scope: str) -> dict[str, str]:
        """Return the Authorization header of the key with ``scope``."""
        return {"Authorization": f"Bearer {getattr(self, scope)}"}


def make_keys(factory: sessionmaker[Session]) -> Keys:
    """Create one key per scope."""
    with transaction(factory) as session:
        made = {
            scope: create_key(session, name=unique(scope), scope=scope).key
            for scope in ("read", "trade", "admin")
        }
    return Keys(**made)


def settings(**api: Any) -> Settings:
    """Return settings with a webhook secret and admin token, overridden by ``api``."""
    base: dict[str, Any] = {
        "webhook_secret": SecretStr(WEBHOOK_SECRET),
        "admin_token": SecretStr(ADMIN_TOKEN),
        "rate_limit_per_minute": 10_000,
    }
    return Settings(api=ApiSettings(**(base | api)))


def make_app(
    factory: sessionmaker[Session],
    *,
    control: TradingControl | None = None,
    clock: FixedClock | None = None,
    api: Mapping[str, Any] | None = None,
    **kwargs: Any,
) -> FastAPI:
    """Build the API on ``factory``; caches off unless asked, so reads see fresh writes."""
    kwargs.setdefault("cache_ttl_s", 0.0)
    kwargs.setdefault("auth_cache_ttl_s", 0.0)
    return create_app(
        settings=settings(**dict(api or {})),
        session_factory=factory,
        control=control,
        clock=clock or FixedClock(),
        **kwargs,
    )


def grid_spec(model: str, symbol: str, **changes: Any) -> dict[str, Any]:
    """Return a valid seed grid signal (JSON-ready)."""
    spec: dict[str, Any] = {
        "model": model,
        "strategy": "grid",
        "symbol": symbol,
        "lower": 180.0,
        "upper": 210.0,
        "grids": 12,
        "spacing": "arithmetic",
        "base_allocation": 2000,
        "leverage": 2,
        "entry_mode": "maker_first",
        "tp_pct": 0.03,
        "sl_pct": 0.05,
        "rebalance": False,
        "notes": "Range-bound strategy",
    }
    return spec | changes


@dataclass
class World:
    """One model with a grid session, orders, fills, money, prices and a decision."""

    model: str
    provider: str
    symbol: str
    account_id: int
    provider_id: int
    session_id: str
    open_order_id: int
    filled_order_id: int
    decision_id: int
    extra: dict[str, Any] = field(default_factory=dict)


def seed_world(factory: sessionmaker[Session], *, now: datetime = NOW) -> World:
    """Store a model and everything the read endpoints show about it."""
    model, symbol = unique("claude"), unique_symbol()
    with transaction(factory) as s:
        provider = create_provider(
            s,
            name=f"{model}-provider",
            kind=ProviderKind.ANTHROPIC,
            model="claude-sonnet",
            api_key_env="ANTHROPIC_API_KEY",
            at=now - timedelta(days=30),
        )
        account = create_account(
            s,
            name=model,
            provider_id=provider.id,
            venue="sim",
            starting_balance=500,
            at=now - timedelta(days=30),
        )
        upsert_balance(s, account_id=account.id, asset="USDT", wallet=510, available=400, at=now)
        upsert_position(
            s,
            account_id=account.id,
            symbol=symbol,
            qty=Decimal("0.5"),
            entry_price=Decimal("190.5"),
            leverage=2,
            unrealized=Decimal("1.25"),
            at=now,
        )
        for hours, equity in ((30, 500), (20, 505), (3, 520), (2, 512), (1, 515)):
            add_pnl_snapshot(
                s,
                account_id=account.id,
                equity=equity,
                realized=Decimal(equity - 500),
                unrealized=Decimal("1.25"),
                fees=Decimal("0.5"),
                ts=now - timedelta(hours=hours),
            )
        for minutes, close in ((90, Decimal("190.1")), (30, Decimal("191.2")), (1, Decimal("192"))):
            add_price(s, symbol=symbol, ts=now - timedelta(minutes=minutes), close=close)
        spec = GridSpec.model_validate(grid_spec(model, symbol)).model_dump(mode="json")
        config = save_grid_config(s, account_id=account.id, symbol=symbol, spec=spec, at=now)
        session_id = unique("gs")
        create_grid_session(
            s,
            session_id=session_id,
            account_id=account.id,
            config_id=config.id,
            symbol=symbol,
            started_at=now - timedelta(hours=2),
        )
        open_order = record_order_intent(
            s,
            account_id=account.id,
            client_order_id=unique("cid"),
            symbol=symbol,
            side=Side.BUY,
            order_type=OrderType.LIMIT,
            qty=Decimal("0.1"),
            price=Decimal("185"),
            session_id=session_id,
            at=now - timedelta(minutes=50),
        )
        transition_order(s, order_id=open_order.id, status=OrderStatus.ACKNOWLEDGED, at=now)
        filled = record_order_intent(
            s,
            account_id=account.id,
            client_order_id=unique("cid"),
            symbol=symbol,
            side=Side.SELL,
            order_type=OrderType.LIMIT,
            qty=Decimal("0.1"),
            price=Decimal("195"),
            session_id=session_id,
            at=now - timedelta(minutes=40),
        )
        transition_order(s, order_id=filled.id, status=OrderStatus.FILLED, at=now)
        record_fill(
            s,
            account_id=account.id,
            trade_id=unique("t"),
            symbol=symbol,
            side=Side.SELL,
            price=Decimal("195"),
            qty=Decimal("0.1"),
            fee=Decimal("0.01"),
            fee_asset="USDT",
            liquidity=Liquidity.MAKER,
            ts=now - timedelta(minutes=39),
            order_id=filled.id,
            realized_pnl=Decimal("0.5"),
        )
        decision = add_llm_decision(
            s,
            account_id=account.id,
            provider_id=provider.id,
            symbol=symbol,
            prompt="market snapshot ...",
            kind="grid",
            model="claude-sonnet",
            parsed={"action": "grid", "lower": "180"},
            latency_ms=1200,
            at=now - timedelta(minutes=5),
        )
        add_metric(s, name="atr", value=1.5, model=model, symbol=symbol, ts=now)
        return World(
            model=model,
            provider=provider.name,
            symbol=symbol,
            account_id=account.id,
            provider_id=provider.id,
            session_id=session_id,
            open_order_id=open_order.id,
            filled_order_id=filled.id,
            decision_id=decision.id,
        )


def error_code(response: Any) -> str:
    """Return the catalogue code of an error answer (and check the envelope's shape)."""
    body = response.json()
    assert set(body) == {"error"}, body
    assert {"code", "message", "field", "request_id"} <= set(body["error"]), body
    assert body["error"]["request_id"] == response.headers["x-request-id"]
    code: str = body["error"]["code"]
    return code
