"""In-process event bus feeding the live stream (SSE ``/stream``, WebSocket ``/ws``).

The engine publishes fills, orders, equity points and decisions; each subscriber has a
bounded queue and a slow one loses its *oldest* events (counted), never blocking the
publisher. ``publish`` is thread-safe: the engine may run in another thread or loop.
A short history lets a reconnecting SSE client resume after ``Last-Event-ID``.
"""

from __future__ import annotations

import asyncio
import itertools
import threading
import time
from collections import deque
from collections.abc import AsyncIterator, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Literal

__all__ = ["TOPICS", "Event", "EventBus", "Subscription", "Topic"]

Topic = Literal["fill", "order", "equity", "decision", "grid", "risk", "control"]
TOPICS: Final[frozenset[str]] = frozenset(
    {"fill", "order", "equity", "decision", "grid", "risk", "control"}
)


@dataclass(frozen=True, slots=True)
class Event:
    """One published event: a sequence id, its topic, the epoch time and a JSON-ready payload."""

    id: int
    topic: str
    ts: float
    data: Mapping[str, Any]


@dataclass(eq=False)
class Subscription:
    """One subscriber's bounded queue; iterate it (async) to receive events."""

    bus: EventBus
    topics: frozenset[str] | None
    maxlen: int
    loop: asyncio.AbstractEventLoop
    queue: deque[Event] = field(init=False)
    ready: asyncio.Event = field(init=False)
    dropped: int = 0
    closed: bool = False

    def __post_init__(self) -> None:
        self.queue = deque(maxlen=self.maxlen)
        self.ready = asyncio.Event()

    def wants(self, event: Event) -> bool:
        """Return True when this subscriber listens to ``event``'s topic."""
        return self.topics is None or event.topic in self.topics

    def offer(self, event: Event) -> None:
        """Queue ``event``, dropping the oldest one when full (runs on the subscriber's loop)."""
        if self.closed:
            return
        if len(self.queue) == self.maxlen:
            self.dropped += 1
            self.bus.dropped += 1
        self.queue.append(event)
        self.ready.set()

    async def next(self, timeout: float | None = None) -> Event | None:
        """Return the next event, or None after ``timeout`` seconds without one."""
        while not self.queue:
            self.ready.clear()
            try:
                async with asyncio.timeout(timeout):
                    await self.ready.wait()
            except TimeoutError:
                return None
        return self.queue.popleft()

    def close(self) -> None:
        """Stop receiving events."""
        self.closed = True
        self.bus.unsubscribe(self)

    async def __aiter__(self) -> AsyncIterator[Event]:
        """Yield events as they arrive."""
        while not self.closed:
            event = await self.next()
            if event is not None:
                yield event


class EventBus:
    """Publish/subscribe with bounded per-subscriber queues (drop-oldest)."""

    def __init__(self, *, queue_size: int = 256, history: int = 256) -> None:
        if queue_size < 1:
            raise ValueError("queue_size must be >= 1")
        self.queue_size = queue_size
        self._subs: set[Subscription] = set()
        self._history: deque[Event] = deque(maxlen=history)
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self.dropped = 0
        self.published = 0

    @property
    def subscribers(self) -> int:
        """Return the number of live subscribers."""
        return len(self._subs)

    def subscribe(
        self, topics: Iterable[str] | None = None, *, after_id: int | None = None
    ) -> Subscription:
        """Subscribe the running loop to ``topics`` (all when None); replay after ``after_id``."""
        sub = Subscription(
            bus=self,
            topics=frozenset(topics) if topics is not None else None,
            maxlen=self.queue_size,
            loop=asyncio.get_running_loop(),
        )
        with self._lock:
            self._subs.add(sub)
            backlog = [e for e in self._history if after_id is not None and e.id > after_id]
        for event in backlog:
            if sub.wants(event):
                sub.offer(event)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        """Remove a subscriber."""
        with self._lock:
            self._subs.discard(sub)

    def publish(self, topic: str, data: Mapping[str, Any], *, ts: float | None = None) -> Event:
        """Publish an event to every subscriber of ``topic``; safe from any thread."""
        if topic not in TOPICS:
            raise ValueError(f"unknown topic {topic!r}; use one of {', '.join(sorted(TOPICS))}")
        with self._lock:
            event = Event(next(self._ids), topic, time.time() if ts is None else ts, dict(data))
            self._history.append(event)
            self.published += 1
            targets = [s for s in self._subs if s.wants(event)]
        try:
            current: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            current = None
        for sub in targets:
            if sub.loop is current:
                sub.offer(event)
            elif not sub.loop.is_closed():
                sub.loop.call_soon_threadsafe(sub.offer, event)
        return event
