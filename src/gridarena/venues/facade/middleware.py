"""ASGI layers in front of the routes: request weights and limits, then injected faults.

Both are plain ASGI middlewares (no response buffering on the normal path). A ``drop`` closes
the client's TCP connection without any answer: the facade reaches the transport through
uvicorn's ``send`` (kept in the scope by `FacadeApp`); under another server it breaks off a
started response instead.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlencode

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gridarena.venues.facade.errors import (
    INTERNAL_ERROR_MSG,
    SERVICE_UNAVAILABLE_MSG,
    UNKNOWN_STATUS_MSG,
    BinanceError,
)
from gridarena.venues.facade.faults import CachedResponse, Fault
from gridarena.venues.facade.limits import ORDER_ROUTES, weight_of
from gridarena.venues.facade.params import Params, parse_params
from gridarena.venues.facade.state import VenueState

RAW_SEND = "gridarena.raw_send"
_JSON = [(b"content-type", b"application/json")]
_UNSIGNED = ("timestamp", "signature", "recvWindow")
_BAD_GATEWAY = (
    b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    b"<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n"
)


class ConnectionDropped(Exception):
    """Raised to break off a response when the transport cannot be closed directly."""


def _is_binance(path: str) -> bool:
    return path.startswith("/fapi/") or path.startswith("/api/")


async def send_body(
    send: Send,
    status: int,
    body: bytes,
    headers: Iterable[tuple[bytes, bytes]] = _JSON,
) -> None:
    """Send a complete response."""
    hdrs = [*headers, (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": hdrs})
    await send({"type": "http.response.body", "body": body})


async def send_error(send: Send, err: BinanceError) -> None:
    """Send a Binance error body with its status and headers."""
    extra = [(k.lower().encode(), v.encode()) for k, v in err.headers.items()]
    await send_body(send, err.status, json.dumps(err.body()).encode(), [*_JSON, *extra])


class LimitsMiddleware:
    """Count requests, charge their weight, refuse past the limits, add usage headers."""

    def __init__(self, app: ASGIApp, venue: VenueState) -> None:
        self.app = app
        self.venue = venue

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method, path = scope["method"], scope["path"]
        self.venue.requests[f"{method} {path}"] += 1
        if not _is_binance(path):
            await self.app(scope, receive, send)
            return
        params = Params(parse_params(scope.get("query_string", b"").decode("latin-1")))
        account = self.venue.auth.account_of(Headers(scope=scope).get("x-mbx-apikey"))
        client = scope.get("client")
        ip = client[0] if client else "unknown"
        try:
            usage = self.venue.limiter.admit(
                ip, account, weight_of(method, path, params), (method, path) in ORDER_ROUTES
            )
        except BinanceError as err:
            await send_error(send, err)
            return
        extra = [(k.lower().encode(), v.encode()) for k, v in usage.items()]

        async def send_with_usage(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, send_with_usage)


class _Tap:
    """Record the request body as the app reads it."""

    def __init__(self, receive: Receive) -> None:
        self.receive = receive
        self.body = b""

    async def __call__(self) -> Message:
        message = await self.receive()
        if message["type"] == "http.request":
            self.body += message.get("body", b"")
        return message

    async def drain(self) -> None:
        """Read the rest of the body (so that closing the socket sends FIN, not RST)."""
        while True:
            message = await self()
            if message["type"] != "http.request" or not message.get("more_body", False):
                return


class _Capture:
    """Collect a response instead of sending it (optionally forwarding it too)."""

    def __init__(self, forward: Send | None = None) -> None:
        self.forward = forward
        self.status = 0
        self.headers: list[tuple[bytes, bytes]] = []
        self.body = b""

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
            self.headers = list(message.get("headers", []))
        elif message["type"] == "http.response.body":
            self.body += message.get("body", b"")
        if self.forward is not None:
            await self.forward(message)

    async def replay(self, send: Send) -> None:
        await send({"type": "http.response.start", "status": self.status, "headers": self.headers})
        await send({"type": "http.response.body", "body": self.body})


async def drop_connection(scope: Scope, send: Send) -> None:
    """Close the client's connection without an answer."""
    raw: Any = scope.get(RAW_SEND)
    cycle = getattr(raw, "__self__", None)
    transport = getattr(cycle, "transport", None)
    if transport is not None:
        transport.close()
        for _ in range(100):  # let uvicorn see the loss so it does not answer 500 itself
            if getattr(cycle, "disconnected", True):
                return
            await asyncio.sleep(0)
        return
    headers = [(b"content-length", b"1024"), *_JSON]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    raise ConnectionDropped("fault injection: connection dropped")


async def wait_disconnect(receive: Receive, timeout: float) -> bool:
    """Wait until the client hangs up (True) or ``timeout`` seconds pass (False)."""
    try:
        async with asyncio.timeout(timeout):
            while (await receive())["type"] != "http.disconnect":
                pass
    except TimeoutError:
        return False
    return True


def _fault_response(kind: str, retry_after: int) -> tuple[int, bytes, list[tuple[bytes, bytes]]]:
    if kind == "503_after_accept":
        return 503, json.dumps({"code": -1000, "msg": UNKNOWN_STATUS_MSG}).encode(), _JSON
    if kind == "503_before_accept":
        return 503, json.dumps({"code": -1001, "msg": SERVICE_UNAVAILABLE_MSG}).encode(), _JSON
    if kind == "500":
        return 500, json.dumps({"code": -1001, "msg": INTERNAL_ERROR_MSG}).encode(), _JSON
    if kind == "502":
        return 502, _BAD_GATEWAY, [(b"content-type", b"text/html")]
    msg = "Too many requests; please use the websocket for live updates to avoid polling the API."
    body = json.dumps({"code": -1003, "msg": msg}).encode()
    return 429, body, [*_JSON, (b"retry-after", str(retry_after).encode())]


class FaultMiddleware:
    """Inject the fault the venue's `FaultInjector` draws for each Binance request."""

    def __init__(self, app: ASGIApp, venue: VenueState) -> None:
        self.app = app
        self.venue = venue

    def _stale_key(self, scope: Scope, account: str | None) -> tuple[str, ...]:
        params = parse_params(scope.get("query_string", b"").decode("latin-1"))
        path = scope["path"]
        if path == "/fapi/v1/order":
            which = params.get("origClientOrderId") or f"#{params.get('orderId', '')}"
            return (account or "", path, params.get("symbol", ""), which)
        rest = sorted((k, v) for k, v in params.items() if k not in _UNSIGNED)
        return (account or "", path, urlencode(rest))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _is_binance(scope["path"]):
            await self.app(scope, receive, send)
            return
        method, path = scope["method"], scope["path"]
        faults = self.venue.faults
        fault = faults.decide(method, path)
        account = self.venue.auth.account_of(Headers(scope=scope).get("x-mbx-apikey"))
        keep = method == "GET" and (path == "/fapi/v1/order" or faults.keeps_history)
        key = self._stale_key(scope, account) if keep or fault is not None else ()
        if fault is not None and fault.kind == "stale":
            cached = faults.recall(key) if method == "GET" else None
            query = parse_params(scope.get("query_string", b"").decode("latin-1"))
            cid = query.get("origClientOrderId")
            faults.record(fault, method, path, account, cid, served=cached is not None)
            if cached is not None:
                await send_body(send, cached.status, cached.body, cached.headers)
                return
            fault = None
        if fault is None:
            if not keep:
                await self.app(scope, receive, send)
                return
            seen = _Capture(forward=send)
            await self.app(scope, receive, seen)
            if seen.status == 200:
                faults.remember(key, CachedResponse(seen.status, seen.headers, seen.body))
            return
        await self._inject(fault, scope, receive, send, account)

    async def _inject(
        self, fault: Fault, scope: Scope, receive: Receive, send: Send, account: str | None
    ) -> None:
        method, path = scope["method"], scope["path"]
        tap = _Tap(receive)
        inner: int | None = None
        held = _Capture()
        if fault.phase == "after":
            await self.app(scope, tap, held)
            inner = held.status
        else:
            await tap.drain()
        params = parse_params(scope.get("query_string", b"").decode("latin-1"), tap.body.decode())
        cid = params.get("newClientOrderId") or params.get("origClientOrderId")
        self.venue.faults.record(fault, method, path, account, cid, inner)
        if fault.kind == "drop":
            await drop_connection(scope, send)
        elif fault.kind == "timeout_after_accept":
            delay = self.venue.faults.config.timeout_delay_s
            if not await wait_disconnect(receive, delay):
                await held.replay(send)
        else:
            status, body, headers = _fault_response(
                fault.kind, self.venue.faults.config.retry_after_s
            )
            await send_body(send, status, body, headers)
