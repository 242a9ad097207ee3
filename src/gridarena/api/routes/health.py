"""Public endpoints: service info, liveness, readiness and Prometheus metrics."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Final

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response
from sqlalchemy import text
from sqlalchemy.orm import Session

from gridarena import __version__
from gridarena.api.deps import State
from gridarena.api.errors import ApiError, ErrorCode, error_responses
from gridarena.api.metrics import CONTENT_TYPE
from gridarena.api.schemas import CheckOut, HealthOut, ReadyOut, ServiceInfo

__all__ = ["router"]

router = APIRouter(tags=["health"])
_CHECK_TIMEOUT_S: Final = 2.0


@router.get("/", response_model=ServiceInfo, summary="Service info")
async def root(state: State) -> ServiceInfo:
    """Name the service, its version and where the docs are."""
    return ServiceInfo(
        name="gridarena",
        version=__version__,
        docs="/docs",
        engine_attached=state.control is not None,
    )


def _health(state: State) -> HealthOut:
    return HealthOut(
        status="ok", version=__version__, uptime_s=round(time.monotonic() - state.started, 3)
    )


@router.get("/healthz", response_model=HealthOut, summary="Liveness (seed 000)")
async def healthz(state: State) -> HealthOut:
    """Answer 200 while the process serves requests."""
    return _health(state)


@router.get("/health", response_model=HealthOut, summary="Liveness (seeds 002, 003)")
async def health(state: State) -> HealthOut:
    """Answer 200 while the process serves requests."""
    return _health(state)


async def _check(probe: Callable[[], Awaitable[bool]]) -> CheckOut:
    start = time.perf_counter()
    try:
        async with asyncio.timeout(_CHECK_TIMEOUT_S):
            ok = await probe()
        detail = None if ok else "reported not ok"
    except TimeoutError:
        ok, detail = False, f"no answer within {_CHECK_TIMEOUT_S:g} s"
    except Exception as exc:  # a failing dependency is the answer, not an error
        # The class name only: messages may carry URLs with credentials.
        ok, detail = False, type(exc).__name__
    return CheckOut(ok=ok, latency_ms=round((time.perf_counter() - start) * 1000, 3), detail=detail)


def _select_one(session: Session) -> bool:
    return session.execute(text("SELECT 1")).scalar() == 1


@router.get(
    "/health/ready",
    response_model=ReadyOut,
    summary="Readiness: store, venue (through the engine) and Redis when configured",
    responses={503: {"model": ReadyOut, "description": "A dependency failed its check."}},
)
async def ready(state: State) -> JSONResponse:
    """Check every configured dependency; answer 503 when one fails."""
    checks: dict[str, CheckOut] = {"store": await _check(lambda: state.read(_select_one))}
    control = state.control
    if control is not None:

        async def venue() -> bool:
            return (await control.status()).venue_ok

        checks["venue"] = await _check(venue)
    redis = state.redis
    if redis is not None:
        checks["redis"] = await _check(redis.ping)
    ok = all(c.ok for c in checks.values())
    body = ReadyOut(status="ready" if ok else "not_ready", checks=checks)
    return JSONResponse(body.model_dump(mode="json"), status_code=200 if ok else 503)


@router.get(
    "/metrics",
    response_class=Response,
    summary="Prometheus metrics of this API instance",
    responses={
        200: {"content": {CONTENT_TYPE: {"schema": {"type": "string"}}}},
        **error_responses(404),
    },
)
async def metrics(state: State) -> Response:
    """Serve the Prometheus exposition text (404 when metrics are disabled)."""
    if not state.settings.api.metrics_enabled:
        raise ApiError(ErrorCode.NOT_FOUND, "metrics are disabled")
    state.metrics.stream_clients.set(state.bus.subscribers)
    return Response(state.metrics.render(), media_type=CONTENT_TYPE)
