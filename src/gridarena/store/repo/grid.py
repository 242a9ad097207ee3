"""Grid configs (append-only versions) and grid sessions."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from gridarena.store.enums import SessionStatus
from gridarena.store.errors import IllegalTransition, RecordNotFound
from gridarena.store.lifecycle import can_transition_session
from gridarena.store.models import GridConfig, GridSession
from gridarena.store.repo._common import json_ready, now_or

__all__ = [
    "Lease",
    "acquire_lease",
    "create_grid_session",
    "get_grid_session",
    "latest_grid_config",
    "lease_of",
    "release_lease",
    "save_grid_config",
    "update_grid_session",
]


def save_grid_config(
    session: Session,
    *,
    account_id: int,
    symbol: str,
    spec: Mapping[str, Any],
    at: datetime | None = None,
) -> GridConfig:
    """Store ``spec`` as the next version (1, 2, ...) of the account's config for ``symbol``.

    Versions are never edited. Two writers saving at once would both pick the same version
    and the second gets an IntegrityError from the unique key: one writer per account.
    """
    latest = session.scalar(
        select(func.max(GridConfig.version)).where(
            GridConfig.account_id == account_id, GridConfig.symbol == symbol
        )
    )
    config = GridConfig(
        account_id=account_id,
        symbol=symbol,
        version=(latest or 0) + 1,
        spec=json_ready(spec),
        created_at=now_or(at),
    )
    session.add(config)
    session.flush()
    return config


def latest_grid_config(session: Session, *, account_id: int, symbol: str) -> GridConfig | None:
    """Return the newest config version of the account for ``symbol``, or None."""
    stmt = (
        select(GridConfig)
        .where(GridConfig.account_id == account_id, GridConfig.symbol == symbol)
        .order_by(GridConfig.version.desc())
        .limit(1)
    )
    return session.scalars(stmt).one_or_none()


def create_grid_session(
    session: Session,
    *,
    session_id: str,
    account_id: int,
    config_id: int,
    symbol: str,
    started_at: datetime | None = None,
) -> GridSession:
    """Start a RUNNING grid session for a stored config."""
    if session.get(GridConfig, config_id) is None:
        raise RecordNotFound("grid config", config_id)
    grid_session = GridSession(
        id=session_id,
        account_id=account_id,
        config_id=config_id,
        symbol=symbol,
        status=SessionStatus.RUNNING,
        started_at=now_or(started_at),
    )
    session.add(grid_session)
    session.flush()
    return grid_session


def get_grid_session(session: Session, *, session_id: str) -> GridSession | None:
    """Return the grid session with this id, or None."""
    return session.get(GridSession, session_id)


def update_grid_session(
    session: Session,
    *,
    session_id: str,
    status: SessionStatus,
    stop_reason: str | None = None,
    at: datetime | None = None,
) -> GridSession:
    """Pause, resume or stop a grid session; STOPPED is final and stamps ``stopped_at``."""
    grid_session = session.get(
        GridSession, session_id, with_for_update=True, populate_existing=True
    )
    if grid_session is None:
        raise RecordNotFound("grid session", session_id)
    target = SessionStatus(status)
    if not can_transition_session(grid_session.status, target):
        raise IllegalTransition(
            entity="grid session", key=session_id, current=grid_session.status, target=target
        )
    grid_session.status = target
    if target is SessionStatus.STOPPED:
        grid_session.stopped_at = now_or(at)
        grid_session.stop_reason = stop_reason
    session.flush()
    return grid_session


@dataclass(frozen=True, slots=True)
class Lease:
    """Who may trade a grid session, and until when."""

    owner: str | None
    expires_at: datetime | None


def acquire_lease(
    session: Session, *, session_id: str, owner: str, ttl_s: float, at: datetime | None = None
) -> bool:
    """Take or renew the single-writer lease on a session; False if another owner holds it.

    One conditional UPDATE, so two engines racing for the same session cannot both win: the
    lease is free, already ours, or expired — or the update changes no row.
    """
    now = now_or(at)
    stmt = (
        update(GridSession)
        .where(
            GridSession.id == session_id,
            or_(
                GridSession.lease_owner.is_(None),
                GridSession.lease_owner == owner,
                GridSession.lease_expires_at < now,
            ),
        )
        .values(lease_owner=owner, lease_expires_at=now + timedelta(seconds=ttl_s))
        .execution_options(synchronize_session=False)
    )
    result = session.execute(stmt)
    session.expire_all()
    return bool(getattr(result, "rowcount", 0) == 1)


def release_lease(session: Session, *, session_id: str, owner: str) -> None:
    """Give the lease up (only if ``owner`` holds it)."""
    session.execute(
        update(GridSession)
        .where(GridSession.id == session_id, GridSession.lease_owner == owner)
        .values(lease_owner=None, lease_expires_at=None)
        .execution_options(synchronize_session=False)
    )
    session.expire_all()


def lease_of(session: Session, *, session_id: str) -> Lease:
    """Return the current lease of a session."""
    row = session.get(GridSession, session_id, populate_existing=True)
    if row is None:
        raise RecordNotFound("grid session", session_id)
    return Lease(row.lease_owner, row.lease_expires_at)
