"""The single-writer lease on a grid session: one owner at a time, until it expires."""

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import Engine

from gridarena.store import enums as db
from gridarena.store import repo, session_factory, transaction

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _session(db_engine: Engine) -> str:
    factory = session_factory(db_engine)
    sid = f"lease-{uuid.uuid4().hex[:8]}"
    with transaction(factory) as s:
        provider = repo.create_provider(s, name=f"p-{sid}", kind=db.ProviderKind.RULE)
        account = repo.create_account(
            s, name=f"a-{sid}", provider_id=provider.id, venue="sim", starting_balance=Decimal(1)
        )
        config = repo.save_grid_config(s, account_id=account.id, symbol="BTCUSDT", spec={})
        repo.create_grid_session(
            s, session_id=sid, account_id=account.id, config_id=config.id, symbol="BTCUSDT"
        )
    return sid


def _take(db_engine: Engine, sid: str, owner: str, at: datetime, ttl: float = 30) -> bool:
    with transaction(session_factory(db_engine)) as s:
        return repo.acquire_lease(s, session_id=sid, owner=owner, ttl_s=ttl, at=at)


def test_acquire_lease_when_held_by_another_then_refused_until_it_expires(
    db_engine: Engine,
) -> None:
    sid = _session(db_engine)
    assert _take(db_engine, sid, "engine-1", T0)
    assert not _take(db_engine, sid, "engine-2", T0 + timedelta(seconds=10))
    assert _take(db_engine, sid, "engine-1", T0 + timedelta(seconds=20))  # renewal
    assert not _take(db_engine, sid, "engine-2", T0 + timedelta(seconds=40))
    assert _take(db_engine, sid, "engine-2", T0 + timedelta(seconds=51))  # expired
    with session_factory(db_engine)() as s:
        assert repo.lease_of(s, session_id=sid).owner == "engine-2"


def test_release_lease_when_owner_releases_then_another_may_take_it(db_engine: Engine) -> None:
    sid = _session(db_engine)
    assert _take(db_engine, sid, "engine-1", T0)
    with transaction(session_factory(db_engine)) as s:
        repo.release_lease(s, session_id=sid, owner="engine-2")  # not the owner: no effect
    assert not _take(db_engine, sid, "engine-2", T0)
    with transaction(session_factory(db_engine)) as s:
        repo.release_lease(s, session_id=sid, owner="engine-1")
    assert _take(db_engine, sid, "engine-2", T0)
