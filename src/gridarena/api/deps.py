"""Dependencies: the app state, API-key authentication with scopes, and rate limits.

A key comes as ``Authorization: Bearer <key>`` or ``X-API-Key: <key>``. Missing, malformed,
unknown or revoked: 401 UNAUTHORIZED. Valid but without the endpoint's scope: 403 FORBIDDEN.
The configured ``admin_token`` (if any) is accepted as an admin bearer. Every dependency is
``async`` so nothing hops to the thread pool unless the store is actually queried.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable, Mapping
from typing import Annotated, Final

from fastapi import Depends, Request
from redis.exceptions import RedisError

from gridarena.api.errors import ApiError, ErrorCode
from gridarena.api.keys import Principal, Scope, expand_scope
from gridarena.api.ratelimit import retry_after_header
from gridarena.api.state import ApiState
from gridarena.obs.logging import get_logger

__all__ = [
    "SECURITY_SCHEMES",
    "AdminKey",
    "ReadKey",
    "State",
    "TradeKey",
    "client_ip",
    "credential_of",
    "enforce_rate_limit",
    "get_state",
    "principal_of",
    "require",
    "state_of",
]

log = get_logger("gridarena.api")
WINDOW_S: Final = 60.0

SECURITY_SCHEMES: Final = {
    "Bearer": {"type": "http", "scheme": "bearer", "description": "An API key as a bearer token."},
    "ApiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key", "description": "An API key."},
}


def credential_of(headers: Mapping[str, str]) -> str | None:
    """Return the key a request carries: ``Authorization: Bearer <key>``, else ``X-API-Key``.

    Read straight from the headers (not through FastAPI's security classes, which cost two
    more dependency resolutions per request); the OpenAPI schema declares both schemes.
    """
    auth = headers.get("authorization")
    if auth:
        scheme, _, token = auth.partition(" ")
        if scheme.lower() == "bearer" and token.strip():
            return token.strip()
    return headers.get("x-api-key") or None


async def get_state(request: Request) -> ApiState:
    """Return the app's state."""
    state: ApiState = request.app.state.api
    return state


State = Annotated[ApiState, Depends(get_state)]


def state_of(request: Request) -> ApiState:
    """Return the app's state without a dependency resolution (for the hottest paths)."""
    state: ApiState = request.app.state.api
    return state


def client_ip(request: Request) -> str:
    """Return the client's address (uvicorn applies trusted proxy headers)."""
    return request.client.host if request.client is not None else "unknown"


def _route_path(request: Request) -> str:
    route = request.scope.get("route")
    return str(getattr(route, "path", "<unmatched>"))


async def enforce_rate_limit(request: Request, state: ApiState, client: str) -> None:
    """Count this request against ``client``'s limit for the endpoint; raise 429 past it."""
    path = _route_path(request)
    limit = state.endpoint_limits.get(path, state.settings.api.rate_limit_per_minute)
    try:
        decision = await state.limiter.hit(
            f"{client}|{request.method} {path}", limit=limit, window_s=WINDOW_S
        )
    except (RedisError, OSError):
        # Reads stay available without Redis; anything that trades fails closed.
        log.warning("rate_limiter_unavailable", route=path)
        if request.method in ("GET", "HEAD"):
            return
        raise ApiError(ErrorCode.SERVICE_UNAVAILABLE, "rate limiter unavailable") from None
    request.state.ratelimit = decision
    if not decision.allowed:
        state.metrics.rate_limited.labels(path).inc()
        raise ApiError(
            ErrorCode.RATE_LIMIT_EXCEEDED,
            f"more than {limit} requests per minute to {path}",
            headers={"Retry-After": retry_after_header(decision.retry_after_s)},
        )


async def principal_of(state: ApiState, key: str) -> Principal | None:
    """Return the caller behind ``key`` (the admin token or a stored key), or None."""
    admin = state.settings.api.admin_token
    if admin is not None and hmac.compare_digest(
        key.encode("utf-8"), admin.get_secret_value().encode("utf-8")
    ):
        return Principal("admin-token", "admin", expand_scope([Scope.ADMIN]), "token")
    return await state.keys.authenticate(key)


def _unauthorized(state: ApiState, reason: str, message: str) -> ApiError:
    state.metrics.auth_failures.labels(reason).inc()
    return ApiError(
        ErrorCode.UNAUTHORIZED, message, headers={"WWW-Authenticate": 'Bearer realm="gridarena"'}
    )


async def authenticate(request: Request, state: ApiState) -> Principal:
    """Return the caller behind the request's key; raise 401 when there is none."""
    key = credential_of(request.headers)
    if not key:
        raise _unauthorized(state, "missing", "an API key is required (Authorization: Bearer)")
    principal = await principal_of(state, key)
    if principal is None:
        raise _unauthorized(state, "invalid", "invalid or revoked API key")
    request.state.actor = principal.actor
    return principal


def require(scope: Scope) -> Callable[..., Awaitable[Principal]]:
    """Return a dependency admitting callers holding ``scope``, rate limited per key."""

    async def dependency(request: Request) -> Principal:
        state: ApiState = request.app.state.api
        principal = await authenticate(request, state)
        if not principal.allows(scope):
            state.metrics.auth_failures.labels("scope").inc()
            raise ApiError(ErrorCode.FORBIDDEN, f"this endpoint needs the {scope.value} scope")
        await enforce_rate_limit(request, state, f"key:{principal.prefix}")
        return principal

    dependency.__name__ = f"require_{scope.value}"
    dependency.required_scope = scope  # type: ignore[attr-defined]  # read by the OpenAPI hook
    return dependency


ReadKey = Annotated[Principal, Depends(require(Scope.READ))]
TradeKey = Annotated[Principal, Depends(require(Scope.TRADE))]
AdminKey = Annotated[Principal, Depends(require(Scope.ADMIN))]
