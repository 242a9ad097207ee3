"""Signed webhooks (``POST /signal/grid``): HMAC-SHA256 over timestamp and raw body, cooldown.

The sender computes ``X-Signature = hex(HMAC-SHA256(secret, f"{X-Timestamp}.{raw_body}"))``
with ``X-Timestamp`` in Unix seconds. A signature is accepted only while the timestamp is
within ``signature_max_age_s`` of our clock, in either direction (a clock running ahead
cannot mint signatures that stay valid for long). The comparison is constant-time.

Accepted signals are then held to one per (model, symbol) per ``signal_cooldown_s`` (seed
000's n8n rule): in Redis when configured, so every instance shares it, else in-process.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import re
import threading
from collections.abc import Callable
from typing import Final, Protocol

from redis.commands.core import AsyncScript

from gridarena.api.errors import ApiError, ErrorCode
from gridarena.api.redis_backend import RedisHandle

__all__ = [
    "Cooldown",
    "MemoryCooldown",
    "RedisCooldown",
    "sign_webhook",
    "verify_webhook",
]

_HEX_SIGNATURE = re.compile(r"(?:sha256=)?([0-9a-fA-F]{64})")
_TIMESTAMP = re.compile(r"\d{1,12}(?:\.\d{1,6})?")


def sign_webhook(secret: str, timestamp: str, body: bytes) -> str:
    """Return the hex HMAC-SHA256 signature of ``f"{timestamp}.{body}"`` (what senders send)."""
    message = timestamp.encode("ascii") + b"." + body
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def verify_webhook(
    *,
    secret: str,
    timestamp: str | None,
    signature: str | None,
    body: bytes,
    now: float,
    max_age_s: float,
) -> None:
    """Raise ApiError unless ``signature`` signs ``body`` at a ``timestamp`` close to ``now``."""
    if not timestamp or not signature:
        raise ApiError(
            ErrorCode.SIGNATURE_INVALID,
            "X-Timestamp and X-Signature headers are required",
            field="X-Signature" if timestamp else "X-Timestamp",
        )
    if not _TIMESTAMP.fullmatch(timestamp):
        raise ApiError(
            ErrorCode.SIGNATURE_INVALID, "X-Timestamp must be Unix seconds", field="X-Timestamp"
        )
    match = _HEX_SIGNATURE.fullmatch(signature.strip())
    # Compute and compare even for a malformed signature: the work does not depend on input.
    expected = sign_webhook(secret, timestamp, body)
    given = match.group(1).lower() if match else "0" * 64
    valid = hmac.compare_digest(expected, given) and match is not None
    if not valid:
        raise ApiError(
            ErrorCode.SIGNATURE_INVALID, "signature does not match the body", field="X-Signature"
        )
    if abs(now - float(timestamp)) > max_age_s:
        raise ApiError(
            ErrorCode.SIGNATURE_EXPIRED,
            f"X-Timestamp is more than {max_age_s:g} s away from server time",
            field="X-Timestamp",
        )


class Cooldown(Protocol):
    """One event per key per period."""

    async def acquire(self, key: str, seconds: float) -> float:
        """Start the key's cooldown and return 0, or return the seconds still to wait."""
        ...


class MemoryCooldown:
    """Cooldowns in this process, on the injected clock."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._until: dict[str, float] = {}
        self._lock = threading.Lock()

    async def acquire(self, key: str, seconds: float) -> float:
        """Start the key's cooldown and return 0, or return the seconds still to wait."""
        now = self._clock()
        with self._lock:
            until = self._until.get(key)
            if until is not None and until > now:
                return until - now
            if len(self._until) > 10_000:
                self._until = {k: v for k, v in self._until.items() if v > now}
            self._until[key] = now + seconds
        return 0.0


_LUA: Final = """
local until_ms = tonumber(redis.call('GET', KEYS[1]) or '0')
local now_ms = tonumber(ARGV[1])
if until_ms > now_ms then
  return until_ms - now_ms
end
redis.call('SET', KEYS[1], now_ms + tonumber(ARGV[2]), 'PX', ARGV[2])
return 0
"""


class RedisCooldown:
    """Cooldowns in Redis, judged on the injected clock; the key expires with the period."""

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

    async def acquire(self, key: str, seconds: float) -> float:
        """Start the key's cooldown and return 0, or return the seconds still to wait."""
        now_ms = math.floor(self._clock() * 1000)
        period_ms = max(1, math.ceil(seconds * 1000))
        wait_ms = await self._script()(
            keys=[self._redis.key("cooldown", key)], args=[now_ms, period_ms]
        )
        return int(wait_ms) / 1000.0
