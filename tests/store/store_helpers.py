"""Store test helpers: a fixed clock and a provider with its account."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from gridarena.store.enums import ProviderKind
from gridarena.store.models import Account
from gridarena.store.repo import create_account, create_provider

T0 = datetime(2025, 1, 2, 3, 4, 5, 123456, tzinfo=UTC)


def at(seconds: float) -> datetime:
    """Return the test clock ``seconds`` after T0."""
    return T0 + timedelta(seconds=seconds)


def new_account(session: Session, name: str = "claude") -> Account:
    """Create a provider and its account on the sim venue."""
    provider = create_provider(
        session,
        name=f"{name}-provider",
        kind=ProviderKind.ANTHROPIC,
        model="claude-sonnet",
        api_key_env="ANTHROPIC_API_KEY",
        at=T0,
    )
    return create_account(
        session,
        name=name,
        provider_id=provider.id,
        venue="sim",
        starting_balance=500,
        at=T0,
    )
