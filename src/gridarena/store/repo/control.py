"""Kill switches: persisted so a halt survives restarts of the API and the engine."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridarena.store.models import KillSwitch
from gridarena.store.repo._common import now_or, upsert

__all__ = [
    "GLOBAL_SCOPE",
    "KILL_SCOPE_PATTERN",
    "check_kill_scope",
    "get_kill_switch",
    "is_killed",
    "kill_switches",
    "set_kill_switch",
]

GLOBAL_SCOPE: Final = "global"
KILL_SCOPE_PATTERN: Final = r"^(global|(provider|account):[A-Za-z0-9][A-Za-z0-9._-]{0,63})$"
_SCOPE = re.compile(KILL_SCOPE_PATTERN)


def check_kill_scope(scope: str) -> str:
    """Return ``scope`` if it is ``global``, ``provider:<name>`` or ``account:<name>``."""
    if not _SCOPE.fullmatch(scope):
        raise ValueError("kill scope must be 'global', 'provider:<name>' or 'account:<name>'")
    return scope


def set_kill_switch(
    session: Session,
    *,
    scope: str,
    active: bool,
    cancel_all: bool = False,
    reason: str | None = None,
    by: str | None = None,
    at: datetime | None = None,
) -> KillSwitch:
    """Engage (``active``) or release the kill switch of ``scope``; insert or update its row."""
    check_kill_scope(scope)
    session.flush()
    upsert(
        session,
        KillSwitch,
        values={
            "scope": scope,
            "active": active,
            "cancel_all": cancel_all,
            "reason": reason[:256] if reason is not None else None,
            "changed_by": by[:128] if by is not None else None,
            "changed_at": now_or(at),
        },
        keys=("scope",),
        update=True,
    )
    found = get_kill_switch(session, scope=scope)
    if found is None:  # pragma: no cover - the upsert just wrote it
        raise RuntimeError("kill switch upsert wrote no row")
    return found


def get_kill_switch(session: Session, *, scope: str) -> KillSwitch | None:
    """Return the kill switch row of ``scope``, fresh from the database, or None."""
    stmt = select(KillSwitch).where(KillSwitch.scope == scope)
    return session.scalars(stmt.execution_options(populate_existing=True)).one_or_none()


def kill_switches(session: Session, *, active_only: bool = False) -> list[KillSwitch]:
    """Return kill switches by scope (``global`` first)."""
    stmt = select(KillSwitch)
    if active_only:
        stmt = stmt.where(KillSwitch.active.is_(True))
    rows = list(session.scalars(stmt.execution_options(populate_existing=True)))
    return sorted(rows, key=lambda row: (row.scope != GLOBAL_SCOPE, row.scope))


def is_killed(session: Session, *, scopes: Iterable[str] = (GLOBAL_SCOPE,)) -> KillSwitch | None:
    """Return the first active kill switch among ``scopes`` (``global`` first), or None."""
    wanted = set(scopes) | {GLOBAL_SCOPE}
    stmt = select(KillSwitch).where(KillSwitch.scope.in_(wanted), KillSwitch.active.is_(True))
    rows = list(session.scalars(stmt.execution_options(populate_existing=True)))
    rows.sort(key=lambda row: (row.scope != GLOBAL_SCOPE, row.scope))
    return rows[0] if rows else None
