"""API keys (hash and public prefix only) and single-use wallet-signature nonces."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from typing import Final

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from gridarena.store.errors import RecordNotFound
from gridarena.store.models import ApiKey, AuthNonce
from gridarena.store.repo._common import bounded, now_or, upsert

__all__ = [
    "KEY_SCOPES",
    "add_api_key",
    "get_api_key",
    "list_api_keys",
    "prune_nonces",
    "revoke_api_key",
    "touch_api_key",
    "use_nonce",
]

KEY_SCOPES: Final = ("read", "trade", "admin")
_HASH = re.compile(r"[0-9a-f]{64}")


def add_api_key(
    session: Session,
    *,
    name: str,
    prefix: str,
    key_hash: str,
    scopes: Iterable[str],
    at: datetime | None = None,
) -> ApiKey:
    """Store a new key by its public prefix and SHA-256 hex digest; never the key itself."""
    chosen = sorted(set(scopes), key=KEY_SCOPES.index) if set(scopes) <= set(KEY_SCOPES) else None
    if not chosen:
        raise ValueError(f"scopes must be a non-empty subset of {', '.join(KEY_SCOPES)}")
    if not _HASH.fullmatch(key_hash):
        # A caller passing the plain key here would store a secret: refuse anything else.
        raise ValueError("key_hash must be a SHA-256 hex digest")
    row = ApiKey(
        name=bounded(name, name="name", max_length=64),
        prefix=bounded(prefix, name="prefix", max_length=32),
        key_hash=key_hash,
        scopes=",".join(chosen),
        created_at=now_or(at),
    )
    session.add(row)
    session.flush()
    return row


def get_api_key(session: Session, *, prefix: str) -> ApiKey | None:
    """Return the key with this public prefix (revoked or not), or None."""
    return session.scalars(select(ApiKey).where(ApiKey.prefix == prefix)).one_or_none()


def list_api_keys(session: Session, *, include_revoked: bool = True) -> list[ApiKey]:
    """Return keys, oldest first."""
    stmt = select(ApiKey)
    if not include_revoked:
        stmt = stmt.where(ApiKey.revoked_at.is_(None))
    return list(session.scalars(stmt.order_by(ApiKey.created_at, ApiKey.id)))


def revoke_api_key(session: Session, *, prefix: str, at: datetime | None = None) -> ApiKey:
    """Revoke a key; revoking a revoked key keeps its first revocation time."""
    row = session.scalars(
        select(ApiKey).where(ApiKey.prefix == prefix).with_for_update()
    ).one_or_none()
    if row is None:
        raise RecordNotFound("api key", prefix)
    if row.revoked_at is None:
        row.revoked_at = now_or(at)
        session.flush()
    return row


def touch_api_key(session: Session, *, prefix: str, at: datetime | None = None) -> None:
    """Stamp the key's ``last_used_at`` (one UPDATE, no read)."""
    session.execute(
        update(ApiKey)
        .where(ApiKey.prefix == prefix)
        .values(last_used_at=now_or(at))
        .execution_options(synchronize_session=False)
    )


def use_nonce(session: Session, *, address: str, nonce: str, at: datetime | None = None) -> bool:
    """Record a wallet nonce as used; return False when (address, nonce) was used before.

    One ``INSERT ... ON CONFLICT DO NOTHING`` on the unique pair, so two requests replaying
    the same signed message at once cannot both succeed.
    """
    bounded(address, name="address", max_length=64)
    bounded(nonce, name="nonce", max_length=128)
    session.flush()
    return upsert(
        session,
        AuthNonce,
        values={"address": address, "nonce": nonce, "used_at": now_or(at)},
        keys=("address", "nonce"),
        update=False,
    )


def prune_nonces(session: Session, *, before: datetime, address: str | None = None) -> int:
    """Delete nonces used before ``before`` (optionally of one address); return how many.

    Safe once ``before`` is older than the signature window: a message that old is refused
    by its timestamp whatever its nonce.
    """
    stmt = delete(AuthNonce).where(AuthNonce.used_at < now_or(before))
    if address is not None:
        stmt = stmt.where(AuthNonce.address == address)
    result = session.execute(stmt.execution_options(synchronize_session=False))
    return int(getattr(result, "rowcount", 0) or 0)
