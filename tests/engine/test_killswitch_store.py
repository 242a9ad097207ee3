"""Kill switches kept in the store's ``kill_switches`` table, on SQLite and Postgres."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session, sessionmaker

from gridarena.engine.killswitch import SwitchState, account_scope, stored_board
from gridarena.store.engine import transaction
from gridarena.store.repo.control import get_kill_switch, set_kill_switch


def _scope() -> str:
    return account_scope(f"acct-{uuid.uuid4().hex[:8]}")


def test_set_when_board_is_stored_then_a_new_board_loads_it(
    db_factory: sessionmaker[Session],
) -> None:
    scope = _scope()
    board = stored_board(db_factory)

    board.set(scope, True, cancel_all=True, reason="drill")

    restarted = stored_board(db_factory)
    assert restarted.get(scope) == SwitchState(True, True, "drill")
    assert restarted.blocks(scope.partition(":")[2])
    with db_factory() as s:
        row = get_kill_switch(s, scope=scope)
        assert row is not None
        assert row.changed_by == "engine"


def test_set_when_store_already_holds_the_same_state_then_row_left_as_the_api_wrote_it(
    db_factory: sessionmaker[Session],
) -> None:
    scope = _scope()
    with transaction(db_factory) as s:
        set_kill_switch(s, scope=scope, active=True, reason="api says", by="alice")
    board = stored_board(db_factory)

    board.set(scope, True, reason="engine echo")

    with db_factory() as s:
        row = get_kill_switch(s, scope=scope)
        assert row is not None
        assert (row.changed_by, row.reason) == ("alice", "api says")


def test_refresh_when_another_process_changes_a_switch_then_only_that_change_reported(
    db_factory: sessionmaker[Session],
) -> None:
    scope, other = _scope(), _scope()
    board = stored_board(db_factory)
    board.set(other, True, reason="old")
    with transaction(db_factory) as s:
        set_kill_switch(s, scope=scope, active=True, cancel_all=True, by="serve")
        set_kill_switch(s, scope=other, active=True, reason="reworded", by="serve")

    changed = board.refresh()

    assert scope in changed
    assert changed[scope] == SwitchState(True, True, None)
    assert other not in changed  # same on/off and cancel_all: only the reason moved
    assert board.get(other).reason == "reworded"
    assert board.refresh() == {}


def test_release_when_switch_on_then_stored_inactive_and_restart_unblocks(
    db_factory: sessionmaker[Session],
) -> None:
    scope = _scope()
    board = stored_board(db_factory)
    board.set(scope, True)

    board.set(scope, False)

    assert not stored_board(db_factory).get(scope).active


def test_stored_check_when_switch_set_then_seen_after_the_ttl_not_before(
    db_factory: sessionmaker[Session],
) -> None:
    from gridarena.engine.killswitch import StoredKillCheck

    name = f"acct-{uuid.uuid4().hex[:8]}"
    now = [0.0]
    check = StoredKillCheck(db_factory, name, f"prov-{name}", ttl_s=2.0, clock=lambda: now[0])
    assert check() is False
    with transaction(db_factory) as s:
        set_kill_switch(s, scope=f"provider:prov-{name}", active=True, by="ops")

    now[0] = 1.999
    cached = check()
    now[0] = 2.0
    fresh = check()

    assert cached is False
    assert fresh is True
    assert check.reads == 2
