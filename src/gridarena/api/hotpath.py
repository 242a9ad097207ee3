"""The fast lane for the hottest reads: a cached ``/grid/status`` or ``/dashboard/stats``.

When a request is a plain, valid, authorised GET whose body is fresh in the cache, the
middleware answers it here without FastAPI's routing and dependency machinery (most of a
cached request's cost). The checks are the route's own, in the same order: a key verified
within its TTL holding the ``read`` scope, the same query patterns, the same rate-limit
counter. Anything else (no key, a bad parameter, a cold cache, a refusal) falls through to
the route, which answers it in full; nothing is answered differently here.
"""

from __future__ import annotations

import re
from collections.abc import Hashable
from typing import Final
from urllib.parse import parse_qsl

from redis.exceptions import RedisError
from starlette.types import Scope

from gridarena.api.deps import WINDOW_S, credential_of
from gridarena.api.keys import Scope as KeyScope
from gridarena.api.ratelimit import RateDecision
from gridarena.api.requests import MODEL_PATTERN, SYMBOL_PATTERN
from gridarena.api.state import ApiState

__all__ = ["DASHBOARD_KEY", "HOT_PATHS", "HotHit", "grid_status_key", "serve_hot"]

GRID_STATUS: Final = "/grid/status"
DASHBOARD: Final = "/dashboard/stats"
HOT_PATHS: Final = frozenset({GRID_STATUS, DASHBOARD})
DASHBOARD_KEY: Final = ("dashboard",)
_MODEL = re.compile(MODEL_PATTERN)
_SYMBOL = re.compile(SYMBOL_PATTERN)
_AUTH_HEADERS: Final = frozenset({b"authorization", b"x-api-key"})


def grid_status_key(model: str, symbol: str) -> Hashable:
    """Return the cache key of a ``/grid/status`` body."""
    return ("grid_status", model, symbol)


class HotHit:
    """A cached body ready to send, with what the access log and headers need."""

    __slots__ = ("actor", "body", "decision")

    def __init__(self, body: bytes, actor: str, decision: RateDecision) -> None:
        self.body = body
        self.actor = actor
        self.decision = decision


def _cache_key(path: str, query: bytes) -> Hashable | None:
    if path == DASHBOARD:
        return DASHBOARD_KEY
    params = dict(parse_qsl(query.decode("latin-1"), keep_blank_values=True))
    model, symbol = params.get("model"), params.get("symbol")
    if model is None or symbol is None:
        return None
    if not _MODEL.fullmatch(model) or not _SYMBOL.fullmatch(symbol):
        return None
    return grid_status_key(model, symbol)


async def serve_hot(scope: Scope, state: ApiState) -> HotHit | None:
    """Return the cached answer of a hot GET, or None to let the route answer it."""
    path = scope["path"]
    key = _cache_key(path, scope.get("query_string", b""))
    if key is None:
        return None
    headers: dict[str, str] = {}
    for name, value in scope["headers"]:
        if name == b"origin":
            return None  # browsers: let the CORS layer answer
        if name in _AUTH_HEADERS:
            headers.setdefault(name.decode("latin-1"), value.decode("latin-1"))  # first wins
    credential = credential_of(headers)
    principal = state.keys.peek(credential) if credential else None
    if principal is None or not principal.allows(KeyScope.READ):
        return None
    body = state.cache.peek(key)
    if body is None:
        return None
    limit = state.endpoint_limits.get(path, state.settings.api.rate_limit_per_minute)
    try:
        decision = await state.limiter.hit(
            f"key:{principal.prefix}|GET {path}", limit=limit, window_s=WINDOW_S
        )
    except (RedisError, OSError):
        return None
    if not decision.allowed:
        return None  # not counted: the route refuses it with the full 429
    return HotHit(body, principal.actor, decision)
