"""A loopback HTTP server speaking the OpenAI and Anthropic wire protocols, scripted per test.

``POST /v1/chat/completions`` answers like OpenAI's chat completions API (``choices`` with
``message.content`` or ``message.tool_calls``, ``usage``, errors as ``{"error": {...}}``) and
``POST /v1/messages`` like Anthropic's Messages API (``content`` blocks ``text`` /
``tool_use``, ``usage.input_tokens`` / ``output_tokens``, errors as
``{"type": "error", "error": {...}}``). Each request takes the next scripted :class:`Reply`
(optionally delayed, for timeouts) and is recorded for assertions. The real SDKs talk to it
over 127.0.0.1; nothing leaves the machine.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

__all__ = [
    "LlmServer",
    "Recorded",
    "Reply",
    "anthropic_error",
    "anthropic_text",
    "anthropic_tool",
    "openai_error",
    "openai_text",
    "openai_tool",
]


@dataclass(frozen=True)
class Reply:
    """One scripted HTTP answer."""

    body: Any
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0


@dataclass(frozen=True)
class Recorded:
    """A request as the server saw it."""

    path: str
    headers: dict[str, str]
    body: dict[str, Any]


# --- OpenAI wire format ------------------------------------------------------------------


def _openai_completion(message: dict[str, Any], finish: str, usage: tuple[int, int]) -> Reply:
    prompt_tokens, completion_tokens = usage
    return Reply(
        {
            "id": "chatcmpl-test",
            "object": "chat.completion",
            "created": 1_700_000_000,
            "model": "gpt-4o-mini-2024-07-18",
            "choices": [
                {"index": 0, "message": message, "logprobs": None, "finish_reason": finish}
            ],
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
            },
            "system_fingerprint": "fp_test",
        }
    )


def openai_text(content: str, *, usage: tuple[int, int] = (120, 30)) -> Reply:
    """Return a chat completion whose assistant message is ``content``."""
    message = {"role": "assistant", "content": content, "refusal": None}
    return _openai_completion(message, "stop", usage)


def openai_tool(
    arguments: str | dict[str, Any],
    *,
    name: str = "submit_decision",
    usage: tuple[int, int] = (120, 30),
) -> Reply:
    """Return a chat completion whose assistant message calls tool ``name``."""
    args = arguments if isinstance(arguments, str) else json.dumps(arguments)
    message = {
        "role": "assistant",
        "content": None,
        "refusal": None,
        "tool_calls": [
            {"id": "call_1", "type": "function", "function": {"name": name, "arguments": args}}
        ],
    }
    return _openai_completion(message, "tool_calls", usage)


def openai_error(
    status: int, message: str, *, kind: str, code: str | None = None, retry_after: int | None = None
) -> Reply:
    """Return an OpenAI error body ``{"error": {...}}`` with ``status``."""
    headers = {"retry-after": str(retry_after)} if retry_after is not None else {}
    body = {"error": {"message": message, "type": kind, "param": None, "code": code}}
    return Reply(body, status=status, headers=headers)


# --- Anthropic wire format ---------------------------------------------------------------


def _anthropic_message(content: list[dict[str, Any]], stop: str, usage: tuple[int, int]) -> Reply:
    return Reply(
        {
            "id": "msg_test",
            "type": "message",
            "role": "assistant",
            "model": "claude-sonnet-4-5-20250929",
            "content": content,
            "stop_reason": stop,
            "stop_sequence": None,
            "usage": {"input_tokens": usage[0], "output_tokens": usage[1]},
        }
    )


def anthropic_tool(
    tool_input: dict[str, Any], *, name: str = "submit_decision", usage: tuple[int, int] = (900, 80)
) -> Reply:
    """Return a message whose only block is a ``tool_use`` of ``name``."""
    block = {"type": "tool_use", "id": "toolu_1", "name": name, "input": tool_input}
    return _anthropic_message([block], "tool_use", usage)


def anthropic_text(text: str, *, usage: tuple[int, int] = (900, 80)) -> Reply:
    """Return a message with one text block."""
    return _anthropic_message([{"type": "text", "text": text}], "end_turn", usage)


def anthropic_error(
    status: int, kind: str, message: str, *, retry_after: int | None = None
) -> Reply:
    """Return an Anthropic error body ``{"type": "error", "error": {...}}``."""
    headers = {"retry-after": str(retry_after)} if retry_after is not None else {}
    body = {"type": "error", "error": {"type": kind, "message": message}}
    return Reply(body, status=status, headers=headers)


# --- the server --------------------------------------------------------------------------


class LlmServer:
    """A uvicorn server on 127.0.0.1 (port chosen by the OS) answering scripted replies."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._replies: deque[Reply] = deque()
        self.requests: list[Recorded] = []
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        # Listening before uvicorn starts: clients queue in the backlog, no start-up wait.
        self._sock.listen(64)
        self.port: int = self._sock.getsockname()[1]
        config = uvicorn.Config(
            self._app(),
            log_config=None,
            log_level="warning",
            access_log=False,
            lifespan="off",
            ws="none",
            http="h11",
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._sock]}, daemon=True
        )

    @property
    def url(self) -> str:
        """Return the server's root URL (Anthropic's base URL)."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def openai_url(self) -> str:
        """Return the OpenAI-style base URL (with ``/v1``)."""
        return f"{self.url}/v1"

    def push(self, *replies: Reply) -> None:
        """Queue replies; each request takes the next one."""
        with self._lock:
            self._replies.extend(replies)

    def reset(self) -> None:
        """Forget queued replies and recorded requests."""
        with self._lock:
            self._replies.clear()
            self.requests.clear()

    @property
    def pending(self) -> int:
        """Return how many scripted replies are still queued."""
        with self._lock:
            return len(self._replies)

    def _next(self, recorded: Recorded) -> Reply:
        with self._lock:
            self.requests.append(recorded)
            if self._replies:
                return self._replies.popleft()
        return Reply({"error": {"message": "no scripted reply", "type": "test"}}, status=500)

    def _app(self) -> FastAPI:
        app = FastAPI()

        async def answer(request: Request) -> JSONResponse:
            body = await request.json()
            reply = self._next(Recorded(request.url.path, dict(request.headers), body))
            if reply.delay_s:
                await asyncio.sleep(reply.delay_s)
            return JSONResponse(reply.body, status_code=reply.status, headers=reply.headers)

        app.add_api_route("/v1/chat/completions", answer, methods=["POST"])
        app.add_api_route("/v1/messages", answer, methods=["POST"])
        return app

    def start(self) -> None:
        """Serve in a background thread."""
        self._thread.start()

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._sock.close()
