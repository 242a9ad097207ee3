"""An ASGI wrapper that records every HTTP request an app receives (method, path, query, body)."""

from __future__ import annotations

from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class Recorder:
    """Record requests on their way to ``app``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.requests: list[dict[str, Any]] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        entry: dict[str, Any] = {
            "method": scope["method"],
            "path": scope["path"],
            "query": scope["query_string"].decode(),
            "body": "",
        }
        self.requests.append(entry)

        async def recorded() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                entry["body"] += message.get("body", b"").decode()
            return message

        await self.app(scope, recorded, send)

    def to(self, method: str, path: str) -> list[dict[str, Any]]:
        """Return the requests sent to one route."""
        return [r for r in self.requests if (r["method"], r["path"]) == (method, path)]
