"""Per-app state: the store, the engine port, limiters, cache, bus and metrics, in one place."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TypeVar

import anyio
import anyio.to_thread
from sqlalchemy import Engine
from sqlalchemy.exc import DataError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from gridarena.api.cache import TtlCache
from gridarena.api.control import TradingControl
from gridarena.api.errors import ApiError, ErrorCode
from gridarena.api.events import EventBus
from gridarena.api.keys import KeyVerifier
from gridarena.api.metrics import ApiMetrics
from gridarena.api.ratelimit import RateLimiter
from gridarena.api.redis_backend import RedisHandle
from gridarena.api.webhook import Cooldown
from gridarena.config import Settings
from gridarena.store.engine import transaction
from gridarena.store.errors import IllegalTransition, RecordNotFound

__all__ = ["ApiState", "Clock"]

T = TypeVar("T")
Clock = Callable[[], float]
"""Epoch seconds (``time.time``); tests inject a fixed or manual clock."""


@dataclass
class ApiState:
    """Everything a request handler needs; one per app, at ``app.state.api``."""

    settings: Settings
    factory: sessionmaker[Session]
    control: TradingControl | None
    clock: Clock
    keys: KeyVerifier
    limiter: RateLimiter
    cooldown: Cooldown
    bus: EventBus
    metrics: ApiMetrics
    cache: TtlCache
    redis: RedisHandle | None = None
    endpoint_limits: Mapping[str, int] = field(default_factory=dict)
    owned_engine: Engine | None = None
    started: float = field(default_factory=time.monotonic)
    # Store work runs in worker threads; more threads than connections only queue on the
    # pool and thrash the GIL (and SQLite's write lock), so a few at a time.
    db_workers: int = 8
    _limiter: anyio.CapacityLimiter | None = field(default=None, init=False, repr=False)

    def _db_limiter(self) -> anyio.CapacityLimiter:
        # Created lazily: a CapacityLimiter belongs to the event loop that first uses it.
        if self._limiter is None:
            self._limiter = anyio.CapacityLimiter(self.db_workers)
        return self._limiter

    def now(self) -> datetime:
        """Return the injected clock's time as an aware UTC datetime."""
        return datetime.fromtimestamp(self.clock(), UTC)

    def require_control(self) -> TradingControl:
        """Return the engine port, or raise 503 when this API runs without an engine."""
        if self.control is None:
            raise ApiError(
                ErrorCode.SERVICE_UNAVAILABLE,
                "no trading engine is attached to this API (read-only mode)",
            )
        return self.control

    async def read(self, fn: Callable[[Session], T]) -> T:
        """Run ``fn`` with a session in a worker thread (blocking driver) and return its result."""
        return await anyio.to_thread.run_sync(self._run, fn, False, limiter=self._db_limiter())

    async def write(self, fn: Callable[[Session], T]) -> T:
        """Run ``fn`` in one committed transaction in a worker thread."""
        return await anyio.to_thread.run_sync(self._run, fn, True, limiter=self._db_limiter())

    def _run(self, fn: Callable[[Session], T], commit: bool) -> T:
        try:
            if commit:
                with transaction(self.factory) as session:
                    return fn(session)
            with self.factory() as session:
                return fn(session)
        except OperationalError:
            raise ApiError(ErrorCode.SERVICE_UNAVAILABLE, "the store is unavailable") from None
        except (DataError, OverflowError):
            # A value the column cannot hold (an id past BIGINT, a date past year 9999).
            raise ApiError(ErrorCode.VALIDATION_ERROR, "a value is out of range") from None
        except RecordNotFound as exc:
            raise ApiError(ErrorCode.NOT_FOUND, f"{exc.entity} not found") from None
        except IllegalTransition as exc:
            raise ApiError(
                ErrorCode.CONFLICT, f"{exc.entity} is {exc.current}; cannot become {exc.target}"
            ) from None

    async def aclose(self) -> None:
        """Release what this app owns (Redis client, its own engine)."""
        if self.redis is not None:
            await self.redis.aclose()
        if self.owned_engine is not None:
            self.owned_engine.dispose()
