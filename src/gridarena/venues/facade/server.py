"""Run the facade under uvicorn: in the foreground, in a thread, or as a task of a running loop.

The h11 protocol is pinned because fault injection closes connections through it.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import uvicorn
from starlette.types import ASGIApp


def make_server(
    app: ASGIApp, host: str = "127.0.0.1", port: int = 0, *, log_level: str = "warning"
) -> uvicorn.Server:
    """Return a uvicorn server for ``app`` (port 0 picks a free port)."""
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        http="h11",
        loop="asyncio",
        lifespan="on",
        log_level=log_level,
        access_log=False,
        timeout_graceful_shutdown=1,
    )
    return uvicorn.Server(config)


@dataclass(frozen=True, slots=True)
class Running:
    """A started server and the base URL clients use."""

    server: uvicorn.Server
    base_url: str


def _base_url(server: uvicorn.Server, host: str) -> str:
    port = server.servers[0].sockets[0].getsockname()[1]
    return f"http://{host}:{port}"


@contextlib.contextmanager
def serve_in_thread(
    app: ASGIApp, host: str = "127.0.0.1", port: int = 0, *, start_timeout_s: float = 10.0
) -> Iterator[Running]:
    """Serve ``app`` from a background thread for the duration of the block."""
    server = make_server(app, host, port)
    thread = threading.Thread(target=server.run, name="sim-venue", daemon=True)
    thread.start()
    deadline = time.monotonic() + start_timeout_s
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the sim venue did not start")
        time.sleep(0.002)
    try:
        yield Running(server, _base_url(server, host))
    finally:
        server.should_exit = True
        thread.join(timeout=start_timeout_s)


@contextlib.asynccontextmanager
async def serve_async(
    app: ASGIApp, host: str = "127.0.0.1", port: int = 0, *, start_timeout_s: float = 10.0
) -> AsyncIterator[Running]:
    """Serve ``app`` as a task of the running event loop for the duration of the block."""
    server = make_server(app, host, port)
    # Inside someone else's loop (a test, an engine) the signals belong to the host.
    server.capture_signals = contextlib.nullcontext  # type: ignore[method-assign,assignment]
    task = asyncio.get_running_loop().create_task(server.serve())
    async with asyncio.timeout(start_timeout_s):
        while not server.started:
            if task.done():
                task.result()
                raise RuntimeError("the sim venue did not start")
            await asyncio.sleep(0.001)
    try:
        yield Running(server, _base_url(server, host))
    finally:
        server.should_exit = True
        await task
