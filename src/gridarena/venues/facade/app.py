"""The FastAPI application: routes, error envelopes, limits, faults and the clock's lifespan."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.types import Receive, Scope, Send

from gridarena.venues.errors import VenueError
from gridarena.venues.facade import (
    routes_account,
    routes_algo,
    routes_market,
    routes_orders,
    routes_sim,
)
from gridarena.venues.facade.auth import credentials
from gridarena.venues.facade.config import FacadeConfig
from gridarena.venues.facade.errors import BinanceError, from_venue
from gridarena.venues.facade.middleware import RAW_SEND, FaultMiddleware, LimitsMiddleware
from gridarena.venues.facade.state import VenueState, wall_clock_ms
from gridarena.venues.sim.exchange import SimExchange

log = logging.getLogger(__name__)


class FacadeApp(FastAPI):
    """FastAPI that keeps the server's own ``send`` in the scope (to drop connections)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one ASGI connection."""
        if scope["type"] == "http":
            scope[RAW_SEND] = send
        await super().__call__(scope, receive, send)

    @property
    def venue(self) -> VenueState:
        """Return the simulated venue this app serves."""
        state: VenueState = self.state.venue
        return state


def _error_response(err: BinanceError) -> JSONResponse:
    return JSONResponse(err.body(), status_code=err.status, headers=err.headers or None)


async def _binance_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, BinanceError)
    return _error_response(exc)


async def _venue_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, VenueError)
    return _error_response(from_venue(exc))


async def _validation_error(_: Request, exc: Exception) -> JSONResponse:
    return _error_response(BinanceError(-1100, f"Illegal parameters: {exc}"))


def create_app(
    exchange: SimExchange,
    keys: Mapping[str, tuple[str, str]],
    config: FacadeConfig | None = None,
    *,
    wall_ms: Callable[[], int] = wall_clock_ms,
) -> FacadeApp:
    """Serve ``exchange`` over Binance USD-M's REST protocol.

    ``keys`` maps each API key to ``(secret, account)``: one key per sub-account (several keys
    may share an account). ``wall_ms`` is the clock the receive window is checked against.
    """
    config = config or FacadeConfig()
    creds = credentials(keys)
    unknown = sorted({c.account for c in creds.values()} - set(exchange.accounts))
    if unknown:
        raise ValueError(f"API keys name accounts the exchange does not have: {unknown}")
    venue = VenueState(exchange, creds, config, wall_ms)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        venue.clock.start()
        try:
            yield
        finally:
            await venue.clock.stop()

    app = FacadeApp(
        title="gridarena sim venue",
        summary="A simulated Binance USD-M futures venue (REST).",
        lifespan=lifespan,
        docs_url="/sim/docs",
        redoc_url=None,
        openapi_url="/sim/openapi.json",
    )
    app.state.venue = venue
    for module in (routes_market, routes_orders, routes_algo, routes_account, routes_sim):
        app.include_router(module.router)
    app.add_exception_handler(BinanceError, _binance_error)
    app.add_exception_handler(VenueError, _venue_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    # Added last = outermost: limits see every request, faults sit between limits and routes.
    app.add_middleware(FaultMiddleware, venue=venue)
    app.add_middleware(LimitsMiddleware, venue=venue)
    return app
