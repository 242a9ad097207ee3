"""Strategy providers, their trading accounts and the accounts' state history."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from gridarena.store.enums import AccountState, ProviderKind
from gridarena.store.models.base import Base
from gridarena.store.types import enum_type

__all__ = ["Account", "AccountStateChange", "Provider"]


class Provider(Base):
    """A strategy provider (rules or an LLM); keeps the *name* of its key's env var only."""

    __tablename__ = "providers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[ProviderKind] = mapped_column(enum_type(ProviderKind, name="provider_kind"))
    model: Mapped[str | None] = mapped_column(String(128))
    base_url: Mapped[str | None] = mapped_column(String(512))
    api_key_env: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime]


class Account(Base):
    """A provider's own account on a venue (or a sub-account of one)."""

    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id"), index=True)
    venue: Mapped[str] = mapped_column(String(32))
    sub_account_ref: Mapped[str | None] = mapped_column(String(128))
    starting_balance: Mapped[Decimal]
    state: Mapped[AccountState] = mapped_column(enum_type(AccountState, name="account_state"))
    created_at: Mapped[datetime]


class AccountStateChange(Base):
    """One change of an account's trading state, with the reason code that caused it."""

    __tablename__ = "account_state_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    state: Mapped[AccountState] = mapped_column(enum_type(AccountState, name="account_state"))
    reason_code: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime]
