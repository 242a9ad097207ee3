"""One lean ASGI layer around the routes: request id, body limit, metrics, access log,
unhandled errors and the audit row of every mutating request.

Pure ASGI (no response buffering). Headers are never logged: the access log names the
caller by the public prefix of its key only, and the path without its query string.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from typing import Any, Final

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gridarena.api.errors import ErrorBody, ErrorCode, ErrorResponse
from gridarena.api.hotpath import HOT_PATHS, serve_hot
from gridarena.api.ratelimit import RateDecision
from gridarena.api.state import ApiState
from gridarena.obs.logging import get_logger
from gridarena.store.repo.audit import add_audit

__all__ = ["ACCESS_LOGGER", "MUTATING_METHODS", "ApiMiddleware"]

ACCESS_LOGGER: Final = "gridarena.api.access"
MUTATING_METHODS: Final = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
_JSON: Final = (b"content-type", b"application/json")

log = get_logger("gridarena.api")
access = get_logger(ACCESS_LOGGER)


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return bytes(value)
    return None


def _error_body(code: ErrorCode, message: str, request_id: str) -> bytes:
    body = ErrorResponse(error=ErrorBody(code=code, message=message, request_id=request_id))
    return body.model_dump_json().encode("utf-8")


class ApiMiddleware:
    """Request id in and out, metrics, access log, 500 envelope and audit rows."""

    def __init__(self, app: ASGIApp, *, state: ApiState, max_body_bytes: int = 1 << 20) -> None:
        self.app = app
        self.state = state
        self.max_body = max_body_bytes
        self._access = logging.getLogger(ACCESS_LOGGER)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        given = _header(scope, b"x-request-id")
        text = given.decode("latin-1") if given is not None else ""
        request_id = text if _REQUEST_ID.fullmatch(text) else uuid.uuid4().hex
        state: dict[str, Any] = scope.setdefault("state", {})
        state["request_id"] = request_id
        if scope["type"] == "websocket":
            await self.app(scope, receive, send)
            return
        await self._http(scope, receive, send, request_id, state)

    async def _http(
        self, scope: Scope, receive: Receive, send: Send, request_id: str, state: dict[str, Any]
    ) -> None:
        start = time.perf_counter()
        rid = request_id.encode("latin-1")
        status = 500
        started = False

        async def send_wrapper(message: Message) -> None:
            nonlocal status, started
            if message["type"] == "http.response.start":
                started = True
                status = int(message["status"])
                headers = [*message.get("headers", ()), (b"x-request-id", rid)]
                decision = state.get("ratelimit")
                if isinstance(decision, RateDecision):
                    headers.append((b"x-ratelimit-limit", str(decision.limit).encode()))
                    headers.append((b"x-ratelimit-remaining", str(decision.remaining).encode()))
                message = {**message, "headers": headers}
            await send(message)

        length = _header(scope, b"content-length")
        metrics = self.state.metrics
        metrics.in_flight.inc()
        hot = None
        try:
            if scope["method"] == "GET" and scope["path"] in HOT_PATHS:
                hot = await serve_hot(scope, self.state)
            if hot is not None:
                state["actor"] = hot.actor
                state["ratelimit"] = hot.decision
                scope["route_path"] = scope["path"]
                await self._send_body(send_wrapper, hot.body)
            elif length is not None and length.isdigit() and int(length) > self.max_body:
                await self._send_error(
                    send_wrapper, ErrorCode.PAYLOAD_TOO_LARGE, "request body too large", request_id
                )
            else:
                await self.app(scope, receive, send_wrapper)
        except Exception:
            log.exception("unhandled_error", path=scope.get("path"), request_id=request_id)
            if not started:
                await self._send_error(
                    send_wrapper, ErrorCode.INTERNAL_ERROR, "internal error", request_id
                )
        finally:
            metrics.in_flight.dec()
        elapsed = time.perf_counter() - start
        route = scope.get("route")
        path = str(getattr(route, "path", scope.get("route_path", "<unmatched>")))
        method = str(scope.get("method", ""))
        metrics.observe(method, path, status, elapsed)
        actor = str(state.get("actor", "anonymous"))
        if self._access.isEnabledFor(logging.INFO):
            client = scope.get("client")
            access.info(
                "http_request",
                method=method,
                path=scope.get("path"),
                route=path,
                status=status,
                duration_ms=round(elapsed * 1000, 3),
                request_id=request_id,
                client=client[0] if client else None,
                actor=actor,
            )
        if method in MUTATING_METHODS and route is not None:
            await self._audit(scope, method, status, request_id, actor, state)

    async def _send_body(self, send: Send, body: bytes) -> None:
        headers = [_JSON, (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    async def _send_error(self, send: Send, code: ErrorCode, message: str, rid: str) -> None:
        body = _error_body(code, message, rid)
        headers = [_JSON, (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": code.status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    async def _audit(
        self,
        scope: Scope,
        method: str,
        status: int,
        request_id: str,
        actor: str,
        state: dict[str, Any],
    ) -> None:
        query = scope.get("query_string", b"").decode("latin-1")
        path = str(scope.get("path", "")) + (f"?{query}" if query else "")
        summary = state.get("audit")
        at = self.state.now()
        try:
            await self.state.write(
                lambda session: add_audit(
                    session,
                    actor=actor,
                    method=method,
                    path=path,
                    status=status,
                    request_id=request_id,
                    summary=summary if isinstance(summary, dict) else None,
                    at=at,
                )
            )
        except Exception:  # the answer is already sent; a failed audit must be loud, not fatal
            log.exception("audit_write_failed", path=scope.get("path"), request_id=request_id)
