"""AnthropicProvider driven through the real anthropic SDK against a loopback server."""

from __future__ import annotations

import json
import logging
from decimal import Decimal
from typing import Any

import pytest
from llm_server import LlmServer, Reply, anthropic_error, anthropic_text, anthropic_tool
from provider_snapshots import make_account, make_context

from gridarena.config.providers import ProviderConfig
from gridarena.providers import (
    ActionDecision,
    AnthropicProvider,
    GridDecision,
    PositionSummary,
    ProviderResult,
    build_provider,
)
from gridarena.store.enums import ProviderKind

KEY = "sk-ant-test-SECRET-77d0c4e1"
KEY_ENV = "GRIDARENA_TEST_ANTHROPIC_KEY"
SELL = {
    "action": "SELL",
    "symbol": "BTCUSDT",
    "size_pct": 0.15,
    "leverage": 4,
    "take_profit": 58_500,
    "stop_loss": 60_900,
    "confidence": 0.55,
    "reasoning": "KDJ death cross and RSI overbought.",
}


def make_provider(server: LlmServer, **overrides: Any) -> AnthropicProvider:
    fields: dict[str, Any] = {
        "name": "claude",
        "kind": "anthropic",
        "base_url": server.url,
        "api_key_env": KEY_ENV,
        "max_retries": 0,
        "timeout_s": 5.0,
        **overrides,
    }
    provider = build_provider(ProviderConfig(**fields), env={KEY_ENV: KEY})
    assert isinstance(provider, AnthropicProvider)
    return provider


async def decide(server: LlmServer, ctx: Any = None, **overrides: Any) -> ProviderResult:
    async with make_provider(server, **overrides) as provider:
        return await provider.decide(ctx or make_context())


async def test_decide_when_tool_use_then_action_ok(llm_server: LlmServer) -> None:
    llm_server.push(anthropic_tool(SELL))

    result = await decide(llm_server)

    assert result.outcome == "ok", result.error
    assert isinstance(result.decision, ActionDecision)
    action = result.decision.action
    assert (action.action, action.size_pct, action.leverage) == ("SELL", Decimal("0.15"), 4)
    assert json.loads(result.raw_response or "") == SELL


async def test_decide_when_called_then_tool_forced_with_decision_schema(
    llm_server: LlmServer,
) -> None:
    llm_server.push(anthropic_tool(SELL))

    await decide(llm_server)

    (request,) = llm_server.requests
    assert request.path == "/v1/messages"
    assert request.headers["authorization"] == f"Bearer {KEY}"
    body = request.body
    assert body["tool_choice"] == {"type": "tool", "name": "submit_decision"}
    (tool,) = body["tools"]
    assert tool["name"] == "submit_decision"
    assert tool["input_schema"]["required"] == ["action", "symbol", "confidence", "reasoning"]
    assert body["model"] == "claude-sonnet-4-6"
    assert body["system"].startswith("You are claude")
    assert "temperature" not in body


async def test_decide_when_temperature_configured_then_sent(llm_server: LlmServer) -> None:
    llm_server.push(anthropic_tool(SELL))

    await decide(llm_server, temperature=0.0)

    assert llm_server.requests[0].body["temperature"] == 0.0


async def test_decide_when_close_tool_use_with_position_then_close_ok(
    llm_server: LlmServer,
) -> None:
    position = PositionSummary(
        symbol="BTCUSDT", qty=Decimal("0.01"), entry_price=Decimal(59_000), leverage=Decimal(5)
    )
    ctx = make_context(account=make_account(positions=[position]))
    close = {"action": "CLOSE", "symbol": "BTCUSDT", "confidence": 0.8, "reasoning": "Take it."}
    llm_server.push(anthropic_tool(close))

    result = await decide(llm_server, ctx)

    assert result.outcome == "ok", result.error
    assert isinstance(result.decision, ActionDecision)
    assert result.decision.action.action == "CLOSE"
    assert "Position BTCUSDT: LONG 0.01 @ 59000" in result.prompt


async def test_decide_when_grid_tool_use_then_gridspec(llm_server: LlmServer) -> None:
    grid = {
        "action": "GRID",
        "symbol": "BTCUSDT",
        "confidence": 0.5,
        "reasoning": "Volatile but ranging.",
        "grid": {
            "spacing": "atr",
            "atr_multiplier": 0.75,
            "grid_levels_each_side": 6,
            "base_allocation": 90,
            "leverage": 4,
        },
    }
    llm_server.push(anthropic_tool(grid))

    result = await decide(llm_server)

    assert result.outcome == "ok", result.error
    assert isinstance(result.decision, GridDecision)
    assert result.decision.spec.grid_levels_each_side == 6


async def test_decide_when_text_block_with_json_then_parsed(llm_server: LlmServer) -> None:
    llm_server.push(anthropic_text(f"```json\n{json.dumps(SELL)}\n```"))

    result = await decide(llm_server)

    assert result.outcome == "ok"


async def test_decide_when_malformed_then_valid_then_retry_feeds_error_back(
    llm_server: LlmServer,
) -> None:
    wrong_side = {**SELL, "take_profit": 61_000, "stop_loss": 58_000}
    llm_server.push(anthropic_tool(wrong_side), anthropic_tool(SELL))

    result = await decide(llm_server)

    assert result.outcome == "ok"
    assert result.attempts == 2
    messages = llm_server.requests[1].body["messages"]
    assert [m["role"] for m in messages] == ["user", "assistant", "user"]
    assert "take_profit" in messages[2]["content"]
    assert (result.tokens_in, result.tokens_out) == (1_800, 160)


async def test_decide_when_malformed_twice_then_hold_invalid(llm_server: LlmServer) -> None:
    bad = {**SELL, "leverage": 50}
    llm_server.push(anthropic_tool(bad), anthropic_tool(bad))

    result = await decide(llm_server)

    assert result.outcome == "invalid"
    assert result.is_hold
    assert result.error is not None
    assert "leverage 50 is outside the allowed 3x to 10x" in result.error


async def test_decide_when_429_then_hold_rate_limited(llm_server: LlmServer) -> None:
    llm_server.push(
        anthropic_error(429, "rate_limit_error", "Number of requests exceeded", retry_after=30)
    )

    result = await decide(llm_server)

    assert result.outcome == "rate_limited"
    assert result.is_hold


async def test_decide_when_500_then_hold_error(llm_server: LlmServer) -> None:
    llm_server.push(anthropic_error(500, "api_error", "Internal server error"))

    result = await decide(llm_server)

    assert result.outcome == "error"
    assert result.error is not None
    assert "InternalServerError" in result.error


async def test_decide_when_overloaded_529_then_hold_error(llm_server: LlmServer) -> None:
    llm_server.push(anthropic_error(529, "overloaded_error", "Overloaded"))

    result = await decide(llm_server)

    assert result.outcome == "error"
    assert result.is_hold


async def test_decide_when_server_slower_than_timeout_then_hold_timeout(
    llm_server: LlmServer,
) -> None:
    reply = anthropic_tool(SELL)
    llm_server.push(Reply(reply.body, delay_s=0.4))

    result = await decide(llm_server, timeout_s=0.1)

    assert result.outcome == "timeout"
    assert result.is_hold


async def test_decide_when_usage_reported_then_sonnet_cost(llm_server: LlmServer) -> None:
    llm_server.push(anthropic_tool(SELL, usage=(1_000_000, 100_000)))

    result = await decide(llm_server)

    # Claude Sonnet: $3 per 1M input tokens, $15 per 1M output tokens.
    assert result.cost == Decimal("4.5")


async def test_decide_when_error_echoes_key_then_key_absent_everywhere(
    llm_server: LlmServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    llm_server.push(anthropic_error(401, "authentication_error", f"invalid x-api-key {KEY}"))

    async with make_provider(llm_server) as provider:
        result = await provider.decide(make_context())
        shown = repr(provider)

    assert result.outcome == "error"
    assert provider.kind is ProviderKind.ANTHROPIC
    assert KEY not in result.model_dump_json()
    assert KEY not in shown
    assert KEY not in caplog.text
