"""Rate limits per client (API-key prefix or IP) and endpoint: a sliding-window counter.

The estimate is ``previous_window × (1 − elapsed_fraction) + current_window``, which smooths
the burst a fixed window allows at its boundary while keeping two counters per key. With
``REDIS_URL`` the counters live in Redis and one Lua script reads, decides and increments
atomically, so every API instance shares the limit; otherwise they live in the process.
Rejected requests are not counted. Time comes from the injected clock (epoch seconds).
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final, Protocol

from redis.commands.core import AsyncScript

from gridarena.api.redis_backend import RedisHandle

__all__ = [
    "MemoryRateLimiter",
    "RateDecision",
    "RateLimiter",
    "RedisRateLimiter",
    "retry_after_header",
]


@dataclass(frozen=True, slots=True)
class RateDecision:
    """The outcome of one request against a limit."""

    allowed: bool
    limit: int
    remaining: int
    retry_after_s: float


class RateLimiter(Protocol):
    """Count a request of ``key`` against ``limit`` per ``window_s``."""

    async def hit(self, key: str, *, limit: int, window_s: float) -> RateDecision:
        """Admit or refuse one request."""
        ...


def retry_after_header(seconds: float) -> str:
    """Return a Retry-After value: whole seconds, at least 1."""
    return str(max(1, math.ceil(seconds)))


def _decide(prev: int, curr: int, frac: float, limit: int, window_s: float) -> RateDecision:
    estimate = prev * (1.0 - frac) + curr
    if estimate + 1 <= limit:
        remaining = max(0, math.floor(limit - estimate - 1))
        return RateDecision(True, limit, remaining, 0.0)
    if curr + 1 <= limit and prev > 0:
        # Wait inside this window until the previous window's weight has decayed enough.
        needed = 1.0 - (limit - curr - 1) / prev
        wait = max(0.0, needed - frac) * window_s
    else:
        # Only the next window helps; there this window's count becomes the weighted one.
        needed = max(0.0, 1.0 - (limit - 1) / curr) if curr > 0 else 0.0
        wait = (1.0 - frac) * window_s + needed * window_s
    return RateDecision(False, limit, 0, wait)


def _window(now: float, window_s: float) -> tuple[int, float]:
    index = math.floor(now / window_s)
    return index, (now - index * window_s) / window_s


class MemoryRateLimiter:
    """Sliding-window counters in this process (one API instance)."""

    _PRUNE_EVERY: Final = 4096

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._counts: dict[tuple[str, float, int], int] = {}
        self._lock = threading.Lock()
        self._hits = 0

    async def hit(self, key: str, *, limit: int, window_s: float) -> RateDecision:
        """Admit or refuse one request of ``key``."""
        index, frac = _window(self._clock(), window_s)
        with self._lock:
            curr = self._counts.get((key, window_s, index), 0)
            prev = self._counts.get((key, window_s, index - 1), 0)
            decision = _decide(prev, curr, frac, limit, window_s)
            if decision.allowed:
                self._counts[(key, window_s, index)] = curr + 1
            self._hits += 1
            if self._hits % self._PRUNE_EVERY == 0:
                self._prune(index)
        return decision

    def _prune(self, index: int) -> None:
        # Windows differ per limit, so "stale" is judged per entry's own window length.
        now = self._clock()
        stale = [k for k in self._counts if k[2] < math.floor(now / k[1]) - 1]
        for k in stale:
            del self._counts[k]
        del index


_LUA: Final = """
local curr = tonumber(redis.call('GET', KEYS[1]) or '0')
local prev = tonumber(redis.call('GET', KEYS[2]) or '0')
local limit = tonumber(ARGV[1])
local frac = tonumber(ARGV[2])
if prev * (1 - frac) + curr + 1 > limit then
  return {0, curr, prev}
end
curr = redis.call('INCR', KEYS[1])
if curr == 1 then
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
end
return {1, curr - 1, prev}
"""


class RedisRateLimiter:
    """Sliding-window counters in Redis, shared by every API instance on the same prefix."""

    def __init__(self, redis: RedisHandle, clock: Callable[[], float]) -> None:
        self._redis = redis
        self._clock = clock
        self._scripts: dict[int, AsyncScript] = {}

    def _script(self) -> AsyncScript:
        client = self._redis.client()
        script = self._scripts.get(id(client))
        if script is None:
            script = client.register_script(_LUA)
            self._scripts[id(client)] = script
        return script

    async def hit(self, key: str, *, limit: int, window_s: float) -> RateDecision:
        """Admit or refuse one request of ``key`` (one atomic script call)."""
        index, frac = _window(self._clock(), window_s)
        # The hash tag keeps both windows of a key in one cluster slot.
        base = self._redis.key("rl", f"{{{key}}}", f"{window_s:g}")
        keys = [f"{base}:{index}", f"{base}:{index - 1}"]
        ttl_ms = max(1, math.ceil(window_s * 2000))
        result = await self._script()(keys=keys, args=[limit, repr(frac), ttl_ms])
        allowed, curr, prev = (int(v) for v in result)
        decision = _decide(prev, curr, frac, limit, window_s)
        if allowed and not decision.allowed:  # pragma: no cover - Lua and Python agree
            return RateDecision(True, limit, 0, 0.0)
        return decision
