"""Ordered event queue per session: one consumer, so a session never sees events out of order."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class OrderedQueue(Generic[T]):
    """Feed events to ``handler`` one at a time, in arrival order.

    ``put`` never blocks (venue callbacks are synchronous); ``drain`` waits until everything put
    so far — and everything the handler put while handling it — has been handled. A handler
    error is kept and re-raised by ``drain`` instead of killing the consumer silently.
    """

    def __init__(self, handler: Callable[[T], Awaitable[None]], *, name: str = "") -> None:
        self._handler = handler
        self._queue: asyncio.Queue[T] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self._error: BaseException | None = None
        self.name = name

    def put(self, item: T) -> None:
        """Enqueue ``item`` (starts the consumer on first use)."""
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run(), name=self.name)
        self._queue.put_nowait(item)

    async def _run(self) -> None:
        while True:
            item = await self._queue.get()
            try:
                await self._handler(item)
            except Exception as exc:
                self._error = self._error or exc
            finally:
                self._queue.task_done()

    async def drain(self) -> None:
        """Wait until the queue is empty and idle; re-raise a handler error."""
        await self._queue.join()
        if self._error is not None:
            err, self._error = self._error, None
            raise err

    @property
    def pending(self) -> int:
        """Return how many events wait."""
        return self._queue.qsize()

    async def close(self) -> None:
        """Stop the consumer."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
