"""A short-TTL cache of rendered responses for the hot reads.

* single flight: concurrent misses for one key run the loader once, the others wait for it;
* refresh ahead: a body that has just gone stale (less than one more TTL) is still served
  while one background task reloads it, so no request waits on the database in steady state;
* ``clear()`` after a write drops everything: the next read waits for fresh data.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from typing import Final

from gridarena.obs.logging import get_logger

__all__ = ["Loader", "TtlCache"]

Loader = Callable[[], Awaitable[bytes]]

_MAX_ENTRIES: Final = 1024
log = get_logger("gridarena.api")


class TtlCache:
    """Rendered bodies by key, fresh for ``ttl_s`` seconds (0 disables caching)."""

    def __init__(self, ttl_s: float, *, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.ttl_s = ttl_s
        self._monotonic = monotonic
        self._entries: OrderedDict[Hashable, tuple[float, bytes, Loader]] = OrderedDict()
        # Futures belong to one loop: the app may be served from several (tests, threads).
        self._loading: dict[tuple[int, Hashable], asyncio.Future[bytes]] = {}
        self._refreshing: set[asyncio.Task[None]] = set()
        self._generation = 0
        self.hits = 0
        self.misses = 0

    def peek(self, key: Hashable) -> bytes | None:
        """Return the body for ``key`` if fresh or just stale (then refreshed in the background
        with the loader that made it); None when there is nothing to serve without waiting."""
        if self.ttl_s <= 0:
            return None
        entry = self._entries.get(key)
        now = self._monotonic()
        if entry is None or entry[0] + self.ttl_s <= now:
            return None
        if entry[0] <= now:
            flight = (id(asyncio.get_running_loop()), key)
            if flight not in self._loading:
                self._refresh(flight, key, entry[2])
        self.hits += 1
        return entry[1]

    async def get_or_load(self, key: Hashable, load: Loader) -> bytes:
        """Return the cached body for ``key``, or load it once for all concurrent callers."""
        if self.ttl_s <= 0:
            return await load()
        now = self._monotonic()
        entry = self._entries.get(key)
        loop = asyncio.get_running_loop()
        flight = (id(loop), key)
        if entry is not None and entry[0] > now:
            self.hits += 1
            return entry[1]
        if entry is not None and entry[0] + self.ttl_s > now:
            self.hits += 1
            if flight not in self._loading:
                self._refresh(flight, key, load)
            return entry[1]
        pending = self._loading.get(flight)
        if pending is not None:
            self.hits += 1
            return await asyncio.shield(pending)
        self.misses += 1
        return await self._load(self._claim(flight), flight, key, load)

    def _claim(self, flight: tuple[int, Hashable]) -> asyncio.Future[bytes]:
        # Registered synchronously, before any await: later callers see the load in flight.
        future: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
        self._loading[flight] = future
        return future

    async def _load(
        self,
        future: asyncio.Future[bytes],
        flight: tuple[int, Hashable],
        key: Hashable,
        load: Loader,
    ) -> bytes:
        generation = self._generation
        try:
            body = await load()
        except BaseException as exc:
            if isinstance(exc, Exception):
                future.set_exception(exc)
                future.exception()  # mark retrieved: waiters re-raise it themselves
            else:
                future.cancel()
            raise
        finally:
            self._loading.pop(flight, None)
        future.set_result(body)
        if generation == self._generation:  # a clear() meanwhile makes this body suspect
            self._entries[key] = (self._monotonic() + self.ttl_s, body, load)
            self._entries.move_to_end(key)
            while len(self._entries) > _MAX_ENTRIES:
                self._entries.popitem(last=False)
        return body

    def _refresh(self, flight: tuple[int, Hashable], key: Hashable, load: Loader) -> None:
        future = self._claim(flight)

        async def run() -> None:
            try:
                await self._load(future, flight, key, load)
            except Exception:  # the next request loads (and answers the error) itself
                log.warning("cache_refresh_failed", key=str(key), exc_info=True)
                self._entries.pop(key, None)

        task = asyncio.get_running_loop().create_task(run())
        self._refreshing.add(task)
        task.add_done_callback(self._refreshing.discard)

    def clear(self) -> None:
        """Forget every entry (after a write that changes what the views show)."""
        self._generation += 1
        self._entries.clear()
