"""Kill switches: global, per provider and per account; they stop new orders at once.

The board is the engine's in-memory view; ``persist`` writes every change (the store's
``kill_switches`` table in production) and ``load`` reads the saved state at start, so a switch
survives restarts. Turning a switch on does not cancel resting orders unless asked
(``cancel_all``): the caller acts on the returned flag.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

__all__ = [
    "GLOBAL",
    "KillSwitchBoard",
    "StoredKillCheck",
    "SwitchState",
    "account_scope",
    "provider_scope",
    "stored_board",
]

GLOBAL = "global"


def provider_scope(name: str) -> str:
    """Return the scope name of provider ``name``'s switch."""
    return f"provider:{name}"


def account_scope(name: str) -> str:
    """Return the scope name of account ``name``'s switch."""
    return f"account:{name}"


@dataclass(frozen=True, slots=True)
class SwitchState:
    """One switch: on or off, whether resting orders were to be cancelled, and why."""

    active: bool
    cancel_all: bool = False
    reason: str | None = None


class KillSwitchBoard:
    """Every kill switch the engine honours, with optional persistence."""

    def __init__(
        self,
        *,
        load: Callable[[], Mapping[str, SwitchState]] | None = None,
        persist: Callable[[str, SwitchState], None] | None = None,
    ) -> None:
        self._persist = persist
        self._load = load
        self._switches: dict[str, SwitchState] = dict(load()) if load is not None else {}

    @property
    def loads(self) -> bool:
        """Return whether the board reads saved switches (and so can be refreshed)."""
        return self._load is not None

    def refresh(self) -> dict[str, SwitchState]:
        """Re-read the saved switches (another process may have set one); return the changed.

        A scope missing from the saved state keeps its in-memory value: only what the store
        says overrides what the engine knows.
        """
        if self._load is None:
            return {}
        changed = {}
        for scope, state in self._load().items():
            known = self._switches.get(scope, SwitchState(False))
            self._switches[scope] = state
            if (known.active, known.cancel_all) != (state.active, state.cancel_all):
                changed[scope] = state
        return changed

    def set(
        self, scope: str, active: bool, *, cancel_all: bool = False, reason: str | None = None
    ) -> SwitchState:
        """Turn ``scope``'s switch on or off, persist it, and return the new state."""
        _check_scope(scope)
        state = SwitchState(active, cancel_all and active, reason)
        if self._persist is not None:
            self._persist(scope, state)  # persisted first: a crash never loses an "on"
        self._switches[scope] = state
        return state

    def get(self, scope: str) -> SwitchState:
        """Return ``scope``'s switch (off when never set)."""
        return self._switches.get(scope, SwitchState(False))

    def blocks(self, account: str, provider: str | None = None) -> bool:
        """Return whether any switch covering ``account`` (or its provider) is on."""
        scopes = [GLOBAL, account_scope(account)]
        if provider is not None:
            scopes.append(provider_scope(provider))
        return any(self.get(s).active for s in scopes)

    def covers(self, scope: str, account: str, provider: str | None = None) -> bool:
        """Return whether ``scope`` applies to ``account``."""
        if scope == GLOBAL or scope == account_scope(account):
            return True
        return provider is not None and scope == provider_scope(provider)

    def snapshot(self) -> dict[str, SwitchState]:
        """Return every switch that was ever set."""
        return dict(self._switches)


def _check_scope(scope: str) -> None:
    if scope == GLOBAL:
        return
    kind, _, name = scope.partition(":")
    if kind not in ("provider", "account") or not name:
        raise ValueError(
            f"kill switch scope {scope!r}: expected 'global', 'provider:<name>' or 'account:<name>'"
        )


def stored_board(factory: sessionmaker[Session], *, actor: str = "engine") -> KillSwitchBoard:
    """Return a board backed by the store's ``kill_switches`` table (loaded now, saved on set).

    A save that would only restate the stored row (the API wrote it first, then told the
    engine) is skipped, so the row keeps who changed it and when.
    """
    from gridarena.store.engine import transaction
    from gridarena.store.repo.control import get_kill_switch, kill_switches, set_kill_switch

    def load() -> dict[str, SwitchState]:
        with factory() as session:
            return {
                row.scope: SwitchState(row.active, row.cancel_all and row.active, row.reason)
                for row in kill_switches(session)
            }

    def persist(scope: str, state: SwitchState) -> None:
        with transaction(factory) as session:
            row = get_kill_switch(session, scope=scope)
            if row is not None and (row.active, row.cancel_all) == (state.active, state.cancel_all):
                return
            set_kill_switch(
                session,
                scope=scope,
                active=state.active,
                cancel_all=state.cancel_all,
                reason=state.reason,
                by=actor,
            )

    return KillSwitchBoard(load=load, persist=persist)


class StoredKillCheck:
    """Whether a stored kill switch covers an account, for an engine that has no board.

    The live venue path asks before every order; the store is read at most every ``ttl_s``
    seconds, so a switch set through the API stops new orders within that time. When the store
    cannot be read the answer is "killed": no order goes out that a switch might forbid.
    """

    def __init__(
        self,
        factory: sessionmaker[Session],
        account: str,
        provider: str | None = None,
        *,
        ttl_s: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.factory = factory
        self.scopes = [account_scope(account)]
        if provider is not None:
            self.scopes.append(provider_scope(provider))
        self.ttl_s = ttl_s
        self.clock = clock
        self._checked: float | None = None
        self._killed = False
        self.reads = 0

    def __call__(self) -> bool:
        """Return whether new orders are forbidden now."""
        now = self.clock()
        if self._checked is not None and now - self._checked < self.ttl_s:
            return self._killed
        from gridarena.store.repo.control import is_killed

        self.reads += 1
        try:
            with self.factory() as session:
                self._killed = is_killed(session, scopes=self.scopes) is not None
        except Exception:  # unreadable store: fail closed, and ask again next time
            self._checked = None
            return True
        self._checked = now
        return self._killed
