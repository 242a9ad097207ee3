"""API keys: ``ga_<prefix>_<secret>``, stored as a SHA-256 hash beside the public prefix.

The prefix finds the row; the hash is compared in constant time. Scopes nest:
``admin`` ⊇ ``trade`` ⊇ ``read``. Verified keys are cached for a few seconds (by hash), and
``last_used_at`` is written at most once a minute per key, so authentication costs no
database round trip on the hot path.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import re
import secrets
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Final

import anyio.to_thread
from sqlalchemy.orm import Session, sessionmaker

from gridarena.store.engine import transaction
from gridarena.store.models import ApiKey
from gridarena.store.repo.keys import add_api_key, get_api_key, touch_api_key

__all__ = [
    "KEY_PATTERN",
    "CreatedKey",
    "KeyVerifier",
    "Principal",
    "Scope",
    "create_key",
    "expand_scope",
    "hash_key",
    "parse_key",
]

KEY_PATTERN: Final = re.compile(r"ga_([0-9a-f]{12})_([A-Za-z0-9_-]{43})")
_TOUCH_EVERY_S: Final = 60.0
_CACHE_MAX: Final = 4096


class Scope(StrEnum):
    """What a key may do; each scope includes the ones below it."""

    READ = "read"
    TRADE = "trade"
    ADMIN = "admin"


_IMPLIED: Final = {
    Scope.READ: frozenset({Scope.READ}),
    Scope.TRADE: frozenset({Scope.READ, Scope.TRADE}),
    Scope.ADMIN: frozenset({Scope.READ, Scope.TRADE, Scope.ADMIN}),
}


def expand_scope(scopes: Iterable[str | Scope]) -> frozenset[Scope]:
    """Return the scopes granted by ``scopes`` (``admin`` grants trade and read too)."""
    granted: set[Scope] = set()
    for scope in scopes:
        granted |= _IMPLIED[Scope(scope)]
    return frozenset(granted)


def hash_key(key: str) -> str:
    """Return the SHA-256 hex digest a key is stored as."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def parse_key(key: str) -> str | None:
    """Return the public prefix of a well-formed key, or None."""
    match = KEY_PATTERN.fullmatch(key)
    return match.group(1) if match else None


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: a key (by name and public prefix) or the configured admin token."""

    name: str
    prefix: str
    scopes: frozenset[Scope]
    kind: str = "key"

    @property
    def actor(self) -> str:
        """Return the audit/log label: public parts only (``key/<prefix>``).

        Not ``key:<prefix>``: log scrubbing masks anything shaped like ``key: value``.
        """
        return f"{self.kind}/{self.prefix}"

    def allows(self, scope: Scope) -> bool:
        """Return True when this caller holds ``scope``."""
        return scope in self.scopes


@dataclass(frozen=True, slots=True)
class CreatedKey:
    """A new key: ``key`` is shown once and never stored."""

    key: str
    prefix: str
    name: str
    scopes: frozenset[Scope]


def create_key(
    session: Session, *, name: str, scope: Scope | str, at: datetime | None = None
) -> CreatedKey:
    """Generate a random key, store its hash with ``scope`` (expanded), return the key once."""
    scopes = expand_scope([scope])
    prefix = secrets.token_hex(6)
    key = f"ga_{prefix}_{secrets.token_urlsafe(32)}"
    add_api_key(session, name=name, prefix=prefix, key_hash=hash_key(key), scopes=scopes, at=at)
    return CreatedKey(key=key, prefix=prefix, name=name, scopes=scopes)


def _principal(row: ApiKey) -> Principal:
    return Principal(
        name=row.name, prefix=row.prefix, scopes=expand_scope(row.scopes.split(",")), kind="key"
    )


class KeyVerifier:
    """Verify keys against the store, with a short positive cache and throttled touches."""

    def __init__(
        self,
        factory: sessionmaker[Session],
        *,
        cache_ttl_s: float = 2.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._factory = factory
        self._ttl = cache_ttl_s
        self._monotonic = monotonic
        self._cache: dict[str, tuple[Principal, float]] = {}
        self._flights: dict[tuple[int, str], asyncio.Future[Principal | None]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._touched: dict[str, float] = {}
        self._lock = threading.Lock()

    def peek(self, key: str) -> Principal | None:
        """Return the principal of a key verified within the TTL, without waiting on the store
        (a key near the end of its TTL is re-verified in the background); else None."""
        if self._ttl <= 0:
            return None
        digest = hash_key(key)
        hit = self._cache.get(digest)
        now = self._monotonic()
        if hit is None or hit[1] <= now:
            return None
        if hit[1] - now < self._ttl / 4:
            flight = (id(asyncio.get_running_loop()), digest)
            if flight not in self._flights:
                self._background(flight, key)
        return hit[0]

    async def authenticate(self, key: str) -> Principal | None:
        """Return the principal of a valid key; the store is asked at most once per TTL.

        Concurrent first uses of a key share one verification (single flight), and a key in
        use is re-verified in the background shortly before its cache entry expires, so a
        busy client never waits on the store and a revocation still lands within the TTL.
        """
        if self._ttl <= 0:
            return await anyio.to_thread.run_sync(self.verify, key)
        digest = hash_key(key)
        now = self._monotonic()
        hit = self._cache.get(digest)
        loop = asyncio.get_running_loop()
        flight = (id(loop), digest)
        if hit is not None and hit[1] > now:
            if hit[1] - now < self._ttl / 4 and flight not in self._flights:
                self._background(flight, key)
            return hit[0]
        pending = self._flights.get(flight)
        if pending is not None:
            return await asyncio.shield(pending)
        return await self._verify_once(self._claim(flight), flight, key)

    def _claim(self, flight: tuple[int, str]) -> asyncio.Future[Principal | None]:
        # Registered synchronously, before any await: later callers join this verification.
        future: asyncio.Future[Principal | None] = asyncio.get_running_loop().create_future()
        self._flights[flight] = future
        return future

    async def _verify_once(
        self, future: asyncio.Future[Principal | None], flight: tuple[int, str], key: str
    ) -> Principal | None:
        try:
            principal = await anyio.to_thread.run_sync(self.verify, key)
        except BaseException as exc:
            if isinstance(exc, Exception):
                future.set_exception(exc)
                future.exception()  # waiters re-raise it themselves
            else:
                future.cancel()
            raise
        finally:
            self._flights.pop(flight, None)
        future.set_result(principal)
        return principal

    def _background(self, flight: tuple[int, str], key: str) -> None:
        future = self._claim(flight)

        async def run() -> None:
            with contextlib.suppress(Exception):  # the next request verifies (and fails) itself
                await self._verify_once(future, flight, key)

        task = asyncio.get_running_loop().create_task(run())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def verify(self, key: str) -> Principal | None:
        """Return the principal of a valid, unrevoked key, or None (blocking: store I/O)."""
        prefix = parse_key(key)
        if prefix is None:
            return None
        digest = hash_key(key)
        with self._factory() as session:
            row = get_api_key(session, prefix=prefix)
        # Compare even when the row is missing, so timing does not reveal known prefixes.
        stored = row.key_hash if row is not None else "0" * 64
        if not hmac.compare_digest(digest, stored) or row is None or row.revoked_at is not None:
            with self._lock:
                self._cache.pop(digest, None)
            return None
        principal = _principal(row)
        now = self._monotonic()
        with self._lock:
            if len(self._cache) >= _CACHE_MAX:
                self._cache.clear()
            if self._ttl > 0:
                self._cache[digest] = (principal, now + self._ttl)
            last = self._touched.get(prefix)
            due = last is None or now - last >= _TOUCH_EVERY_S
            if due:
                self._touched[prefix] = now
        if due:
            with transaction(self._factory) as session:
                touch_api_key(session, prefix=prefix, at=datetime.now(UTC))
        return principal

    def forget(self) -> None:
        """Drop every cached verification (after a revocation)."""
        with self._lock:
            self._cache.clear()
