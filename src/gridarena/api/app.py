"""The app factory: ``create_app(settings=..., store_url=... | session_factory=..., control=...)``.

Nothing here builds the trading world: the composition root passes a ``TradingControl``
(or None for a read-only API), a store and a clock. Redis is used for rate limits and
cooldowns when ``settings.redis_url`` (``REDIS_URL``) is set, the process otherwise.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from typing import Any, Final

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.middleware.cors import CORSMiddleware
from fastapi.routing import APIRoute
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from gridarena import __version__
from gridarena.api.cache import TtlCache
from gridarena.api.control import TradingControl
from gridarena.api.deps import SECURITY_SCHEMES
from gridarena.api.errors import install_error_handlers
from gridarena.api.events import EventBus
from gridarena.api.keys import KeyVerifier, Scope
from gridarena.api.metrics import ApiMetrics
from gridarena.api.middleware import ApiMiddleware
from gridarena.api.ratelimit import MemoryRateLimiter, RateLimiter, RedisRateLimiter
from gridarena.api.redis_backend import RedisHandle
from gridarena.api.routes import (
    dashboard,
    grid,
    health,
    llm,
    market,
    ops,
    sessions,
    signal,
    stream,
    trading,
)
from gridarena.api.routes.engine import GRID_FIELDS
from gridarena.api.state import ApiState, Clock
from gridarena.api.webhook import Cooldown, MemoryCooldown, RedisCooldown
from gridarena.config import Settings
from gridarena.obs.logging import register_secrets
from gridarena.store.engine import make_engine
from gridarena.store.engine import session_factory as make_factory

__all__ = ["api_state", "create_app"]

# Hot reads first: routes are matched in order.
_ROUTERS = (grid, dashboard, health, trading, signal, market, llm, sessions, ops, stream)
_EXPOSED = ("X-Request-ID", "Retry-After", "X-RateLimit-Limit", "X-RateLimit-Remaining")
_ALLOWED = ("Authorization", "X-API-Key", "Content-Type", "X-Request-ID", "Last-Event-ID")


def _store(
    settings: Settings, store_url: str | None, factory: sessionmaker[Session] | None
) -> tuple[sessionmaker[Session], Engine | None]:
    if store_url is not None and factory is not None:
        raise ValueError("pass store_url or session_factory, not both")
    if factory is not None:
        return factory, None
    engine = make_engine(store_url or settings.database_url.get_secret_value())
    return make_factory(engine), engine


def create_app(
    *,
    settings: Settings | None = None,
    store_url: str | None = None,
    session_factory: sessionmaker[Session] | None = None,
    control: TradingControl | None = None,
    clock: Clock = time.time,
    bus: EventBus | None = None,
    redis_url: str | None = None,
    redis_prefix: str = "gridarena:",
    cache_ttl_s: float = 0.5,
    auth_cache_ttl_s: float = 2.0,
    endpoint_limits: Mapping[str, int] | None = None,
    monotonic: Callable[[], float] = time.monotonic,
) -> FastAPI:
    """Build the HTTP API over a store, optionally attached to a trading engine.

    ``clock`` gives epoch seconds (signature windows, cooldowns, rate-limit windows, "now").
    ``cache_ttl_s`` is how long the hot reads (``/grid/status``, ``/dashboard/stats``) are
    served from their rendered body; ``auth_cache_ttl_s`` how long a verified key is
    trusted without the store (a revocation takes effect within it). ``endpoint_limits``
    maps a route path (``/llm/decision``) to its own requests per minute. ``monotonic``
    times both caches (tests inject a manual one).
    """
    settings = settings or Settings()
    register_secrets(settings.secret_values())
    factory, owned = _store(settings, store_url, session_factory)
    url = redis_url
    if url is None and settings.redis_url is not None:
        url = settings.redis_url.get_secret_value()
    redis = RedisHandle(url, prefix=redis_prefix) if url else None
    limiter: RateLimiter = (
        RedisRateLimiter(redis, clock) if redis is not None else MemoryRateLimiter(clock)
    )
    cooldown: Cooldown = RedisCooldown(redis, clock) if redis is not None else MemoryCooldown(clock)
    state = ApiState(
        settings=settings,
        factory=factory,
        control=control,
        clock=clock,
        keys=KeyVerifier(factory, cache_ttl_s=auth_cache_ttl_s, monotonic=monotonic),
        limiter=limiter,
        cooldown=cooldown,
        bus=bus or EventBus(),
        metrics=ApiMetrics(),
        cache=TtlCache(cache_ttl_s, monotonic=monotonic),
        redis=redis,
        endpoint_limits=dict(endpoint_limits or {}),
        owned_engine=owned,
    )

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            await state.aclose()

    app = FastAPI(
        title="gridarena API",
        version=__version__,
        summary="Grid trading engine and AI strategy arena: control, data and live stream.",
        lifespan=lifespan,
        docs_url="/docs",
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    app.state.api = state
    for module in _ROUTERS:
        app.include_router(module.router)
    install_error_handlers(app, grid_fields=GRID_FIELDS)
    origins = list(settings.api.cors_origins)
    if origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=origins,
            allow_methods=["GET", "POST", "OPTIONS"],
            allow_headers=list(_ALLOWED),
            expose_headers=list(_EXPOSED),
            allow_credentials=False,
            max_age=600,
        )
    # Added last = outermost: ids, metrics and the 500 envelope cover everything inside.
    app.add_middleware(ApiMiddleware, state=state)
    _standardise_openapi(app)
    return app


_BOUNDS: Final = {
    "gt": "exclusiveMinimum",
    "ge": "minimum",
    "lt": "exclusiveMaximum",
    "le": "maximum",
}


def _standard_bounds(node: Any) -> None:
    """Rewrite pydantic's non-standard ``gt/ge/lt/le`` (left on number-or-string unions,
    e.g. GridSpec's exact decimals) into JSON Schema's numeric keywords, in place."""
    if isinstance(node, dict):
        if "anyOf" in node:
            for short, keyword in _BOUNDS.items():
                value = node.get(short)
                if isinstance(value, int | float) and not isinstance(value, bool):
                    node[keyword] = node.pop(short)
        for child in node.values():
            _standard_bounds(child)
    elif isinstance(node, list):
        for child in node:
            _standard_bounds(child)


def _required_scope(dependant: Dependant) -> Scope | None:
    for dep in dependant.dependencies:
        scope = getattr(dep.call, "required_scope", None)
        if isinstance(scope, Scope):
            return scope
        found = _required_scope(dep)
        if found is not None:
            return found
    return None


def _declare_security(app: FastAPI, schema: dict[str, Any]) -> None:
    """Declare both key schemes, and on each protected operation its scope."""
    schema.setdefault("components", {})["securitySchemes"] = dict(SECURITY_SCHEMES)
    for route in app.routes:
        if not isinstance(route, APIRoute):
            continue
        scope = _required_scope(route.dependant)
        if scope is None:
            continue
        for method in route.methods or ():
            operation = schema["paths"].get(route.path_format, {}).get(method.lower())
            if operation is None:
                continue
            operation["security"] = [{"Bearer": []}, {"ApiKey": []}]
            note = f"Requires an API key with the `{scope.value}` scope."
            operation["description"] = f"{operation.get('description', '')}\n\n{note}".strip()


def _standardise_openapi(app: FastAPI) -> None:
    default = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = default()
            _standard_bounds(schema)
            _declare_security(app, schema)
        assert app.openapi_schema is not None
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def api_state(app: FastAPI) -> ApiState:
    """Return the state of an app made by ``create_app`` (bus, metrics, keys...)."""
    found: ApiState = app.state.api
    return found
