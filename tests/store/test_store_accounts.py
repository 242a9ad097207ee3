"""Providers, accounts and their states; versioned grid configs and grid sessions."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from store_helpers import at

from gridarena.store.enums import AccountState, ProviderKind, SessionStatus
from gridarena.store.errors import IllegalTransition, RecordNotFound
from gridarena.store.models import Account, AccountStateChange, Provider
from gridarena.store.repo import (
    create_account,
    create_grid_session,
    create_provider,
    get_account,
    get_account_by_name,
    get_grid_session,
    get_provider,
    latest_grid_config,
    save_grid_config,
    set_account_state,
    update_grid_session,
)


def test_create_provider_when_key_value_given_as_env_name_then_refused_without_echo(
    db_session: Session,
) -> None:
    key = "sk-proj-abcdef0123456789"

    with pytest.raises(ValueError, match="environment variable NAME") as caught:
        create_provider(db_session, name="gpt", kind=ProviderKind.OPENAI, api_key_env=key)

    assert key not in str(caught.value)
    assert get_provider(db_session, name="gpt") is None


def test_create_account_when_provider_exists_then_active_and_found_by_id_and_name(
    db_session: Session,
) -> None:
    provider = create_provider(db_session, name="baseline", kind=ProviderKind.RULE)

    account = create_account(
        db_session, name="rules", provider_id=provider.id, venue="sim", starting_balance=500
    )

    assert account.state is AccountState.ACTIVE
    assert get_account(db_session, account_id=account.id) is account
    assert get_account_by_name(db_session, name="rules") is account
    assert isinstance(get_provider(db_session, name="baseline"), Provider)


def test_create_account_when_provider_missing_then_record_not_found(db_session: Session) -> None:
    with pytest.raises(RecordNotFound, match="provider"):
        create_account(db_session, name="x", provider_id=999_999, venue="sim", starting_balance=1)


def test_set_account_state_when_changed_then_history_row_with_reason(
    db_session: Session, account: Account
) -> None:
    set_account_state(
        db_session,
        account_id=account.id,
        state=AccountState.REDUCING,
        reason_code="DAILY_LOSS",
        at=at(1),
    )
    set_account_state(
        db_session, account_id=account.id, state=AccountState.REDUCING, reason_code="again"
    )
    set_account_state(
        db_session, account_id=account.id, state=AccountState.HALTED, reason_code="MANUAL"
    )

    stmt = select(AccountStateChange).where(AccountStateChange.account_id == account.id)
    history = list(db_session.scalars(stmt.order_by(AccountStateChange.id)))
    assert [(h.state, h.reason_code) for h in history] == [
        (AccountState.REDUCING, "DAILY_LOSS"),
        (AccountState.HALTED, "MANUAL"),
    ]
    assert account.state is AccountState.HALTED


def test_save_grid_config_when_saved_twice_then_versions_increase_per_symbol(
    db_session: Session, account: Account
) -> None:
    first = save_grid_config(
        db_session, account_id=account.id, symbol="BTCUSDT", spec={"levels": 10}
    )
    second = save_grid_config(
        db_session, account_id=account.id, symbol="BTCUSDT", spec={"levels": 12, "lower": "0.1"}
    )
    other = save_grid_config(db_session, account_id=account.id, symbol="ETHUSDT", spec={})

    assert (first.version, second.version, other.version) == (1, 2, 1)
    latest = latest_grid_config(db_session, account_id=account.id, symbol="BTCUSDT")
    assert latest is second
    db_session.expire_all()
    assert latest.spec == {"levels": 12, "lower": "0.1"}


def test_grid_session_when_paused_resumed_stopped_then_stop_is_final(
    db_session: Session, account: Account
) -> None:
    config = save_grid_config(db_session, account_id=account.id, symbol="BTCUSDT", spec={})
    gs = create_grid_session(
        db_session,
        session_id="s-1",
        account_id=account.id,
        config_id=config.id,
        symbol="BTCUSDT",
        started_at=at(0),
    )
    assert gs.status is SessionStatus.RUNNING
    assert gs.lease_owner is None

    update_grid_session(db_session, session_id="s-1", status=SessionStatus.PAUSED)
    update_grid_session(db_session, session_id="s-1", status=SessionStatus.RUNNING)
    update_grid_session(
        db_session,
        session_id="s-1",
        status=SessionStatus.STOPPED,
        stop_reason="range exit",
        at=at(9),
    )

    stopped = get_grid_session(db_session, session_id="s-1")
    assert stopped is not None
    assert (stopped.status, stopped.stopped_at, stopped.stop_reason) == (
        SessionStatus.STOPPED,
        at(9),
        "range exit",
    )
    with pytest.raises(IllegalTransition, match="STOPPED -> RUNNING"):
        update_grid_session(db_session, session_id="s-1", status=SessionStatus.RUNNING)
