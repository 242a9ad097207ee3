"""One asyncio Redis client per event loop, created on first use and closed on shutdown.

redis-py's asyncio connections belong to the loop that opened them; a handle keyed by loop
keeps a client valid when the same app is served from several loops (tests, threads).
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Final

import redis.asyncio as aioredis

__all__ = ["RedisHandle"]

_TIMEOUT_S: Final = 2.0


class RedisHandle:
    """Lazily connected Redis for one URL, with a key prefix for everything this app writes."""

    def __init__(self, url: str, *, prefix: str = "gridarena:") -> None:
        self._url = url
        self.prefix = prefix
        self._clients: dict[int, tuple[asyncio.AbstractEventLoop, aioredis.Redis]] = {}
        self.instance = uuid.uuid4().hex[:8]

    def client(self) -> aioredis.Redis:
        """Return the client of the running loop, creating it if needed."""
        loop = asyncio.get_running_loop()
        found = self._clients.get(id(loop))
        if found is not None and found[0] is loop:
            return found[1]
        client = aioredis.Redis.from_url(
            self._url,
            socket_timeout=_TIMEOUT_S,
            socket_connect_timeout=_TIMEOUT_S,
            decode_responses=False,
        )
        self._clients[id(loop)] = (loop, client)
        return client

    def key(self, *parts: str) -> str:
        """Return a namespaced key."""
        return self.prefix + ":".join(parts)

    async def ping(self) -> bool:
        """Return True when Redis answers."""
        return bool(await self.client().ping())

    async def aclose(self) -> None:
        """Close the client of the running loop (others belong to loops that are gone)."""
        loop = asyncio.get_running_loop()
        found = self._clients.pop(id(loop), None)
        if found is not None and found[0] is loop:
            await found[1].aclose()
