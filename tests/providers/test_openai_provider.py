"""OpenAIProvider driven through the real openai SDK against a loopback server."""

from __future__ import annotations

import json
import logging
from decimal import Decimal
from typing import Any

import pytest
from llm_server import LlmServer, openai_error, openai_text, openai_tool
from provider_snapshots import make_context

from gridarena.config.providers import ModelPrice, ProviderConfig
from gridarena.engine.clock import ManualClock
from gridarena.providers import (
    ActionDecision,
    GridDecision,
    OpenAIProvider,
    ProviderResult,
    build_provider,
)
from gridarena.store.enums import ProviderKind

KEY = "sk-test-SECRET-4f1c9a7e2b"
KEY_ENV = "GRIDARENA_TEST_OPENAI_KEY"
BUY = {
    "action": "BUY",
    "symbol": "BTCUSDT",
    "size_pct": 0.1,
    "leverage": 5,
    "take_profit": 61_000,
    "stop_loss": 59_000,
    "confidence": 0.7,
    "reasoning": "MACD histogram positive, RSI neutral, bids outweigh asks.",
}
GRID = {
    "action": "GRID",
    "symbol": "BTCUSDT",
    "confidence": 0.6,
    "reasoning": "Range-bound market.",
    "grid": {
        "spacing": "arithmetic",
        "lower": 58_000,
        "upper": 62_000,
        "grids": 12,
        "base_allocation": 80,
        "leverage": 3,
        "tp_pct": 0.03,
        "sl_pct": 0.05,
    },
}


class TickingClock(ManualClock):
    """A manual clock that moves 0.25 s every time it is read."""

    def now(self) -> float:
        value = super().now()
        self.advance(0.25)
        return value


def make_provider(server: LlmServer, **overrides: Any) -> OpenAIProvider:
    fields: dict[str, Any] = {
        "name": "chatgpt",
        "kind": "openai",
        "base_url": server.openai_url,
        "api_key_env": KEY_ENV,
        "max_retries": 0,
        "timeout_s": 5.0,
        **overrides,
    }
    clock = fields.pop("clock", None)
    provider = build_provider(ProviderConfig(**fields), env={KEY_ENV: KEY}, clock=clock)
    assert isinstance(provider, OpenAIProvider)
    return provider


async def decide(server: LlmServer, **overrides: Any) -> ProviderResult:
    async with make_provider(server, **overrides) as provider:
        return await provider.decide(make_context())


def action_of(result: ProviderResult) -> ActionDecision:
    assert isinstance(result.decision, ActionDecision)
    return result.decision


async def test_decide_when_content_is_valid_json_then_action_ok(llm_server: LlmServer) -> None:
    llm_server.push(openai_text(json.dumps(BUY)))

    result = await decide(llm_server)

    assert result.outcome == "ok"
    assert result.error is None
    assert result.attempts == 1
    action = action_of(result).action
    assert (action.action, action.symbol, action.size_pct, action.leverage) == (
        "BUY",
        "BTCUSDT",
        Decimal("0.1"),
        Decimal(5),
    )
    assert (action.take_profit, action.stop_loss) == (Decimal(61_000), Decimal(59_000))
    assert result.raw_response == json.dumps(BUY)


async def test_decide_when_json_schema_mode_then_request_carries_schema(
    llm_server: LlmServer,
) -> None:
    llm_server.push(openai_text(json.dumps(BUY)))

    await decide(llm_server)

    (request,) = llm_server.requests
    assert request.path == "/v1/chat/completions"
    fmt = request.body["response_format"]
    assert fmt["type"] == "json_schema"
    schema = fmt["json_schema"]["schema"]
    assert schema["properties"]["action"]["enum"] == ["BUY", "SELL", "CLOSE", "HOLD", "GRID"]
    assert schema["properties"]["leverage"]["maximum"] == 10.0
    assert [m["role"] for m in request.body["messages"]] == ["system", "user"]
    assert request.body["model"] == "gpt-4o-mini"


async def test_decide_when_content_is_fenced_json_then_parsed(llm_server: LlmServer) -> None:
    text = f"Here is my decision:\n```json\n{json.dumps(BUY, indent=2)}\n```\nGood luck."
    llm_server.push(openai_text(text))

    result = await decide(llm_server)

    assert result.outcome == "ok"
    assert action_of(result).action.action == "BUY"


async def test_decide_when_tool_call_then_arguments_parsed(llm_server: LlmServer) -> None:
    sell = {**BUY, "action": "SELL", "take_profit": 59_000, "stop_loss": 61_000}
    llm_server.push(openai_tool(sell))

    result = await decide(llm_server, output_mode="tool")

    assert result.outcome == "ok"
    assert action_of(result).action.action == "SELL"
    body = llm_server.requests[0].body
    assert body["tool_choice"] == {"type": "function", "function": {"name": "submit_decision"}}
    assert body["tools"][0]["function"]["parameters"]["type"] == "object"
    assert "response_format" not in body


async def test_decide_when_grid_decision_then_gridspec_returned(llm_server: LlmServer) -> None:
    llm_server.push(openai_text(json.dumps(GRID)))

    result = await decide(llm_server)

    assert result.outcome == "ok", result.error
    assert isinstance(result.decision, GridDecision)
    spec = result.decision.spec
    assert (spec.symbol, spec.lower, spec.upper, spec.grids) == (
        "BTCUSDT",
        Decimal(58_000),
        Decimal(62_000),
        12,
    )
    assert spec.model == "chatgpt"
    assert result.decision.reasoning == "Range-bound market."


async def test_decide_when_seed_grid_signal_then_gridspec_returned(llm_server: LlmServer) -> None:
    signal = {
        "model": "chatgpt",
        "strategy": "grid",
        "symbol": "BTCUSDT",
        "lower": 58_000.0,
        "upper": 62_000.0,
        "grids": 12,
        "spacing": "arithmetic",
        "base_allocation": 100,
        "leverage": 3,
        "entry_mode": "maker_first",
        "tp_pct": 0.03,
        "sl_pct": 0.05,
        "rebalance": False,
        "notes": "Range-bound strategy",
    }
    llm_server.push(openai_text(json.dumps(signal)))

    result = await decide(llm_server)

    assert result.outcome == "ok", result.error
    assert isinstance(result.decision, GridDecision)
    assert result.decision.spec.notes == "Range-bound strategy"


async def test_decide_when_malformed_then_valid_then_retries_with_error_fed_back(
    llm_server: LlmServer,
) -> None:
    too_big = {**BUY, "size_pct": 0.5}
    llm_server.push(openai_text(json.dumps(too_big)), openai_text(json.dumps(BUY)))

    result = await decide(llm_server)

    assert result.outcome == "ok"
    assert result.attempts == 2
    assert action_of(result).action.size_pct == Decimal("0.1")
    retry = llm_server.requests[1].body["messages"]
    assert [m["role"] for m in retry] == ["system", "user", "assistant", "user"]
    assert retry[2]["content"] == json.dumps(too_big)
    assert "size_pct at most 0.20" in retry[3]["content"]
    assert result.tokens_in == 240
    assert result.tokens_out == 60


async def test_decide_when_malformed_twice_then_hold_with_error_stored(
    llm_server: LlmServer,
) -> None:
    llm_server.push(openai_text("I think BTC goes up."), openai_text('{"action": "MOON"}'))

    result = await decide(llm_server)

    assert result.outcome == "invalid"
    assert result.is_hold
    assert result.attempts == 2
    assert result.error is not None
    assert "no valid decision after 2 attempts" in result.error
    assert "action" in result.error
    assert result.raw_response == '{"action": "MOON"}'
    assert len(llm_server.requests) == 2


async def test_decide_when_server_slower_than_timeout_then_hold_timeout(
    llm_server: LlmServer,
) -> None:
    reply = openai_text(json.dumps(BUY))
    llm_server.push(type(reply)(reply.body, delay_s=0.4))

    result = await decide(llm_server, timeout_s=0.1)

    assert result.outcome == "timeout"
    assert result.is_hold
    assert result.error is not None
    assert "Timeout" in result.error
    assert result.raw_response is None


async def test_decide_when_429_then_hold_rate_limited(llm_server: LlmServer) -> None:
    llm_server.push(
        openai_error(
            429,
            "Rate limit reached for gpt-4o-mini",
            kind="requests",
            code="rate_limit_exceeded",
            retry_after=20,
        )
    )

    result = await decide(llm_server)

    assert result.outcome == "rate_limited"
    assert result.is_hold
    assert result.error is not None
    assert "RateLimitError" in result.error
    assert len(llm_server.requests) == 1


async def test_decide_when_500_then_hold_error(llm_server: LlmServer) -> None:
    llm_server.push(openai_error(500, "The server had an error", kind="server_error"))

    result = await decide(llm_server)

    assert result.outcome == "error"
    assert result.is_hold
    assert result.error is not None
    assert "InternalServerError" in result.error


async def test_decide_when_schema_refused_with_400_then_falls_back_to_plain_json(
    llm_server: LlmServer,
) -> None:
    llm_server.push(
        openai_error(400, "response_format json_schema is not supported", kind="invalid_request"),
        openai_text(json.dumps(BUY)),
        openai_text(json.dumps(BUY)),
    )

    async with make_provider(llm_server, kind="local", api_key_env=None) as provider:
        assert isinstance(provider, OpenAIProvider)
        first = await provider.decide(make_context())
        second = await provider.decide(make_context())

    assert (first.outcome, second.outcome) == ("ok", "ok")
    assert first.attempts == 2
    assert provider.output_mode == "text"
    bodies = [r.body for r in llm_server.requests]
    assert "response_format" in bodies[0]
    assert "response_format" not in bodies[1]
    assert "response_format" not in bodies[2]


async def test_decide_when_deepseek_auto_mode_then_json_object_requested(
    llm_server: LlmServer,
) -> None:
    llm_server.push(openai_text(json.dumps(BUY)))

    result = await decide(llm_server, name="deepseek", kind="deepseek")

    assert result.outcome == "ok"
    body = llm_server.requests[0].body
    assert body["response_format"] == {"type": "json_object"}
    assert body["model"] == "deepseek-chat"
    assert body["max_tokens"] == 1024


async def test_decide_when_usage_reported_then_tokens_and_cost_computed(
    llm_server: LlmServer,
) -> None:
    llm_server.push(openai_text(json.dumps(BUY), usage=(1_000_000, 500_000)))

    result = await decide(llm_server)

    # gpt-4o-mini: $0.15 per 1M input tokens, $0.60 per 1M output tokens.
    assert (result.tokens_in, result.tokens_out) == (1_000_000, 500_000)
    assert result.cost == Decimal("0.45")


async def test_decide_when_prices_configured_then_they_override_table(
    llm_server: LlmServer,
) -> None:
    llm_server.push(openai_text(json.dumps(BUY), usage=(2_000, 1_000)))
    price = ModelPrice(input_per_m=Decimal(1), output_per_m=Decimal(2))

    result = await decide(llm_server, model="my-finetune", prices=price)

    assert result.cost == Decimal("0.004")


async def test_decide_when_model_unknown_then_cost_unknown_but_tokens_kept(
    llm_server: LlmServer,
) -> None:
    llm_server.push(openai_text(json.dumps(BUY), usage=(10, 5)))

    result = await decide(llm_server, model="mystery-model")

    assert (result.tokens_in, result.tokens_out, result.cost) == (10, 5, None)


async def test_decide_when_local_server_then_cost_zero(llm_server: LlmServer) -> None:
    llm_server.push(openai_text(json.dumps(BUY), usage=(3_000, 200)))

    result = await decide(llm_server, name="llama", kind="local", api_key_env=None)

    assert result.cost == Decimal(0)


async def test_decide_when_clock_injected_then_latency_from_clock(llm_server: LlmServer) -> None:
    llm_server.push(openai_text(json.dumps(BUY)))

    result = await decide(llm_server, clock=TickingClock())

    assert result.latency_ms == 250


async def test_decide_when_error_echoes_key_then_key_absent_from_result_and_logs(
    llm_server: LlmServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    llm_server.push(
        openai_error(401, f"Incorrect API key provided: {KEY}.", kind="invalid_request_error")
    )

    async with make_provider(llm_server) as provider:
        result = await provider.decide(make_context())
        shown = repr(provider)

    assert result.outcome == "error"
    assert llm_server.requests[0].headers["authorization"] == f"Bearer {KEY}"
    assert KEY not in result.model_dump_json()
    assert KEY not in result.prompt
    assert KEY not in shown
    assert KEY not in caplog.text
    assert "***" in (result.error or "")


async def test_decide_when_reply_echoes_key_then_raw_response_scrubbed(
    llm_server: LlmServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    llm_server.push(openai_text(json.dumps({**BUY, "reasoning": f"my key is {KEY}"})))

    result = await decide(llm_server)

    assert result.outcome == "ok"
    assert KEY not in result.model_dump_json()
    assert KEY not in caplog.text


async def test_build_when_xai_then_kind_and_grok_defaults(llm_server: LlmServer) -> None:
    llm_server.push(openai_text(json.dumps(BUY)))

    async with make_provider(llm_server, name="grok", kind="xai") as provider:
        result = await provider.decide(make_context())

    assert provider.kind is ProviderKind.XAI
    assert result.outcome == "ok"
    assert llm_server.requests[0].body["model"] == "grok-3"
