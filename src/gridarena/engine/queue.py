"""Ordered event queue per session: one consumer at a time, so events are handled in order."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class OrderedQueue(Generic[T]):
    """Feed events to ``handler`` one at a time, in arrival order.

    ``put`` never blocks (venue callbacks are synchronous). ``drain`` handles everything queued
    so far — and whatever the handler queues while it runs — under a lock, so two drains never
    interleave one session's events. The replay calls ``drain`` after each tick (no task switch
    per event); live feeds run ``consume`` as a background task instead.
    """

    def __init__(self, handler: Callable[[T], Awaitable[None]], *, name: str = "") -> None:
        self._handler = handler
        self._items: deque[T] = deque()
        self._lock = asyncio.Lock()
        self._wakeup = asyncio.Event()
        self.name = name

    def put(self, item: T) -> None:
        """Enqueue ``item``."""
        self._items.append(item)
        self._wakeup.set()

    @property
    def pending(self) -> int:
        """Return how many events wait."""
        return len(self._items)

    async def drain(self) -> None:
        """Handle every queued event in order; a handler error propagates after the rest."""
        async with self._lock:
            error: BaseException | None = None
            while self._items:
                item = self._items.popleft()
                try:
                    await self._handler(item)
                except Exception as exc:
                    error = error or exc
            self._wakeup.clear()
            if error is not None:
                raise error

    async def consume(self) -> None:
        """Handle events as they arrive until cancelled (for live venue streams)."""
        while True:
            await self._wakeup.wait()
            await self.drain()

    async def close(self) -> None:
        """Drop anything still queued."""
        self._items.clear()
