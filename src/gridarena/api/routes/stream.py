"""Live stream of fills, orders, equity, decisions and commands: SSE and WebSocket.

Both read from the in-process event bus. Each client has a bounded queue; a slow client
loses its oldest events (counted in metrics), never slowing the engine or other clients.
Authentication is the same API key (``read`` scope) in a header, never in the URL.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Annotated, Final

from fastapi import APIRouter, Header, Query, Request, WebSocket, WebSocketDisconnect
from fastapi.responses import StreamingResponse
from pydantic_core import to_json

from gridarena.api.deps import ReadKey, State, credential_of, principal_of
from gridarena.api.errors import ApiError, ErrorCode, error_responses
from gridarena.api.events import TOPICS, Event, Subscription
from gridarena.api.keys import Scope
from gridarena.api.state import ApiState

__all__ = ["HEARTBEAT_S", "closed_stream", "event_json", "router"]

router = APIRouter(tags=["stream"])
HEARTBEAT_S: Final = 15.0
_TOPICS_PATTERN = r"^[a-z]+(,[a-z]+)*$"
_POLICY_VIOLATION: Final = 1008


def _topics(raw: str | None) -> frozenset[str] | None:
    if raw is None:
        return None
    chosen = frozenset(raw.split(","))
    unknown = sorted(chosen - TOPICS)
    if unknown:
        raise ApiError(
            ErrorCode.VALIDATION_ERROR,
            f"topics: unknown {', '.join(unknown)}; use {', '.join(sorted(TOPICS))}",
            field="topics",
        )
    return chosen


def event_json(event: Event) -> bytes:
    """Render an event as JSON (Decimals as exact strings)."""
    return to_json({"id": event.id, "topic": event.topic, "ts": event.ts, "data": event.data})


TopicsQuery = Annotated[
    str | None,
    Query(
        pattern=_TOPICS_PATTERN,
        max_length=128,
        description=f"Comma-separated topics ({', '.join(sorted(TOPICS))}); all by default.",
    ),
]


def closed_stream(state: ApiState, sub: Subscription) -> None:
    """Unsubscribe a client that left and count the events it lost."""
    sub.close()
    state.metrics.stream_clients.set(state.bus.subscribers)
    if sub.dropped:
        state.metrics.events_dropped.inc(sub.dropped)


@router.get(
    "/stream",
    response_class=StreamingResponse,
    summary="Server-sent events: fills, orders, equity, decisions, commands",
    responses={
        200: {"content": {"text/event-stream": {"schema": {"type": "string"}}}},
        **error_responses(401, 403, 422, 429),
    },
)
async def stream(
    state: State,
    _: ReadKey,
    request: Request,
    topics: TopicsQuery = None,
    limit: Annotated[
        int | None, Query(ge=1, le=100_000, description="Close after this many events.")
    ] = None,
    last_event_id: Annotated[
        str | None, Header(alias="Last-Event-ID", pattern=r"^\d{1,18}$")
    ] = None,
) -> StreamingResponse:
    """Stream events as SSE (``id``, ``event`` = topic, ``data`` = JSON); resumes after
    ``Last-Event-ID`` from a short history."""
    chosen = _topics(topics)
    after = int(last_event_id) if last_event_id else None
    sub = state.bus.subscribe(chosen, after_id=after)
    state.metrics.stream_clients.set(state.bus.subscribers)
    del request

    async def events() -> AsyncIterator[bytes]:
        sent = 0
        try:
            yield b"retry: 3000\n: connected\n\n"
            while limit is None or sent < limit:
                event = await sub.next(timeout=HEARTBEAT_S)
                if event is None:
                    yield b": keep-alive\n\n"
                    continue
                head = f"id: {event.id}\nevent: {event.topic}\ndata: ".encode()
                yield head + event_json(event) + b"\n\n"
                sent += 1
        finally:
            closed_stream(state, sub)

    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return StreamingResponse(events(), media_type="text/event-stream", headers=headers)


@router.websocket("/ws")
async def ws(websocket: WebSocket, topics: TopicsQuery = None) -> None:
    """Stream events as JSON text frames; same key and topics as ``/stream``."""
    state: ApiState = websocket.app.state.api
    key = credential_of(websocket.headers)
    principal = await principal_of(state, key) if key else None
    if principal is None or not principal.allows(Scope.READ):
        state.metrics.auth_failures.labels("ws").inc()
        await websocket.close(code=_POLICY_VIOLATION, reason="a read-scope API key is required")
        return
    try:
        chosen = _topics(topics)
    except ApiError as exc:
        await websocket.close(code=_POLICY_VIOLATION, reason=exc.message[:120])
        return
    await websocket.accept()
    sub = state.bus.subscribe(chosen)
    state.metrics.stream_clients.set(state.bus.subscribers)

    async def pump() -> None:
        while True:
            event = await sub.next(timeout=HEARTBEAT_S)
            if event is None:
                await websocket.send_text('{"topic":"heartbeat"}')
            else:
                await websocket.send_text(event_json(event).decode("utf-8"))

    sender = asyncio.create_task(pump())
    try:
        while True:  # inbound frames are ignored; this notices the client leaving
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                break
    except WebSocketDisconnect:
        pass
    finally:
        sender.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await sender
        closed_stream(state, sub)
