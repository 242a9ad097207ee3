"""Providers and accounts: create, look up, and change an account's trading state."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridarena.store.enums import AccountState, ProviderKind
from gridarena.store.errors import RecordNotFound
from gridarena.store.models import Account, AccountStateChange, Provider
from gridarena.store.repo._common import money, now_or

__all__ = [
    "create_account",
    "create_provider",
    "get_account",
    "get_account_by_name",
    "get_provider",
    "set_account_state",
]

# The store keeps the *name* of the variable holding a key, never the key itself.
_ENV_NAME: Final = re.compile(r"[A-Z_][A-Z0-9_]{0,127}")


def create_provider(
    session: Session,
    *,
    name: str,
    kind: ProviderKind,
    model: str | None = None,
    base_url: str | None = None,
    api_key_env: str | None = None,
    at: datetime | None = None,
) -> Provider:
    """Add a strategy provider; ``api_key_env`` must be an env var name such as OPENAI_API_KEY."""
    if api_key_env is not None and not _ENV_NAME.fullmatch(api_key_env):
        # Do not echo the value: a caller who got this wrong may have passed the key itself.
        raise ValueError("api_key_env must be an environment variable NAME, e.g. OPENAI_API_KEY")
    provider = Provider(
        name=name,
        kind=ProviderKind(kind),
        model=model,
        base_url=base_url,
        api_key_env=api_key_env,
        created_at=now_or(at),
    )
    session.add(provider)
    session.flush()
    return provider


def get_provider(session: Session, *, name: str) -> Provider | None:
    """Return the provider called ``name``, or None."""
    return session.scalars(select(Provider).where(Provider.name == name)).one_or_none()


def create_account(
    session: Session,
    *,
    name: str,
    provider_id: int,
    venue: str,
    starting_balance: Decimal | int,
    sub_account_ref: str | None = None,
    at: datetime | None = None,
) -> Account:
    """Add an ACTIVE account for a provider on a venue."""
    balance = money(starting_balance, name="starting_balance")
    if balance < 0:
        raise ValueError(f"starting_balance must be >= 0, got {balance}")
    if session.get(Provider, provider_id) is None:
        raise RecordNotFound("provider", provider_id)
    account = Account(
        name=name,
        provider_id=provider_id,
        venue=venue,
        sub_account_ref=sub_account_ref,
        starting_balance=balance,
        state=AccountState.ACTIVE,
        created_at=now_or(at),
    )
    session.add(account)
    session.flush()
    return account


def get_account(session: Session, *, account_id: int) -> Account | None:
    """Return the account with this id, or None."""
    return session.get(Account, account_id)


def get_account_by_name(session: Session, *, name: str) -> Account | None:
    """Return the account called ``name``, or None."""
    return session.scalars(select(Account).where(Account.name == name)).one_or_none()


def set_account_state(
    session: Session,
    *,
    account_id: int,
    state: AccountState,
    reason_code: str,
    at: datetime | None = None,
) -> Account:
    """Move an account to ``state`` and record why; a move to the current state records nothing."""
    account = session.get(Account, account_id, with_for_update=True, populate_existing=True)
    if account is None:
        raise RecordNotFound("account", account_id)
    target = AccountState(state)
    if account.state is target:
        return account
    account.state = target
    session.add(
        AccountStateChange(
            account_id=account_id, state=target, reason_code=reason_code, at=now_or(at)
        )
    )
    session.flush()
    return account
