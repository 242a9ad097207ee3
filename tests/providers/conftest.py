"""Fixtures for provider tests: one loopback LLM server per session, reset per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from llm_server import LlmServer


@pytest.fixture(scope="session")
def _llm_server_session() -> Iterator[LlmServer]:
    server = LlmServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def llm_server(_llm_server_session: LlmServer) -> Iterator[LlmServer]:
    """Return the scripted OpenAI/Anthropic server with an empty queue and no requests."""
    _llm_server_session.reset()
    yield _llm_server_session
    _llm_server_session.reset()
