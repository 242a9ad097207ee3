"""A loopback OpenAI-compatible server that answers by model name (for concurrent providers).

``garbage`` answers text that is no decision, ``slow`` answers after a delay longer than the
client's timeout, ``good`` answers a valid, deliberately over-sized BUY.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
from typing import Any

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

GOOD_ACTION = {
    "action": "BUY",
    "symbol": "BTCUSDT",
    "size_pct": 0.9,
    "leverage": 10,
    "confidence": 0.7,
    "reasoning": "momentum",
}


def completion(model: str, content: str) -> dict[str, Any]:
    """Return an OpenAI chat.completion body with ``content``."""
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": 0,
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 400, "completion_tokens": 40, "total_tokens": 440},
    }


class ModelServer:
    """Serve ``/v1/chat/completions`` on 127.0.0.1 in a background thread."""

    def __init__(self, slow_delay_s: float = 1.0) -> None:
        self.calls: dict[str, int] = {}
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(64)
        self.port: int = self._sock.getsockname()[1]
        app = FastAPI()

        async def answer(request: Request) -> JSONResponse:
            body = await request.json()
            model = str(body.get("model"))
            self.calls[model] = self.calls.get(model, 0) + 1
            if model == "slow":
                await asyncio.sleep(slow_delay_s)
                return JSONResponse(completion(model, json.dumps({"action": "HOLD"})))
            if model == "garbage":
                return JSONResponse(completion(model, "I think the market is nice today!!"))
            return JSONResponse(completion(model, json.dumps(GOOD_ACTION)))

        app.add_api_route("/v1/chat/completions", answer, methods=["POST"])
        config = uvicorn.Config(app, log_config=None, log_level="warning", access_log=False,
                                lifespan="off", ws="none", http="h11")  # fmt: skip
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._sock]}, daemon=True
        )

    @property
    def base_url(self) -> str:
        """Return the OpenAI-style base URL."""
        return f"http://127.0.0.1:{self.port}/v1"

    def __enter__(self) -> ModelServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=5)
        self._sock.close()
