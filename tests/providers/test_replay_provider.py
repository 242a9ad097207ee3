"""ReplayProvider re-parses stored responses into the same decisions, offline."""

from __future__ import annotations

import json

from llm_server import LlmServer, Reply, openai_error, openai_text, openai_tool
from provider_snapshots import make_context, real_snapshots

from gridarena.config.providers import ProviderConfig
from gridarena.providers import (
    DecisionContext,
    ProviderResult,
    ReplayKey,
    ReplayProvider,
    StaticGridProvider,
    build_provider,
    close_provider,
)
from gridarena.store.enums import ProviderKind

KEY_ENV = "GRIDARENA_TEST_REPLAY_KEY"


def _replies(contexts: list[DecisionContext]) -> list[Reply]:
    """Script one live answer per context: buys, holds, a grid, a retry, an API error."""
    scripted: list[Reply] = []
    for i, ctx in enumerate(contexts):
        price = ctx.snapshot.price
        buy = {
            "action": "BUY",
            "symbol": ctx.symbol,
            "size_pct": 0.05,
            "leverage": 4,
            "take_profit": round(price * 1.02, 6),
            "stop_loss": round(price * 0.98, 6),
            "confidence": 0.6,
            "reasoning": f"decision {i}",
        }
        kind = i % 5
        if kind == 0:
            scripted.append(openai_text(json.dumps(buy)))
        elif kind == 1:
            hold = {"action": "HOLD", "symbol": ctx.symbol, "confidence": 0.2, "reasoning": "wait"}
            scripted.append(openai_tool(hold))
        elif kind == 2:
            grid = {
                "spacing": "arithmetic",
                "lower": round(price * 0.95, 6),
                "upper": round(price * 1.05, 6),
                "grids": 10,
                "base_allocation": 50,
                "leverage": 3,
            }
            envelope = {"action": "GRID", "confidence": 0.5, "reasoning": "range", "grid": grid}
            scripted.append(openai_text(f"```json\n{json.dumps(envelope)}\n```"))
        elif kind == 3:
            scripted += [openai_text("not json"), openai_text(json.dumps(buy))]
        else:
            scripted.append(openai_error(500, "boom", kind="server_error"))
    return scripted


async def _live_season(server: LlmServer, contexts: list[DecisionContext]) -> list[ProviderResult]:
    server.push(*_replies(contexts))
    cfg = ProviderConfig(
        name="chatgpt",
        kind="openai",
        base_url=server.openai_url,
        api_key_env=KEY_ENV,
        max_retries=0,
    )
    provider = build_provider(cfg, env={KEY_ENV: "sk-replay-test-key"})
    try:
        return [await provider.decide(ctx) for ctx in contexts]
    finally:
        await close_provider(provider)


async def test_replay_when_list_of_raw_responses_then_same_decisions(
    llm_server: LlmServer,
) -> None:
    contexts = [make_context(s) for s in real_snapshots(4)]
    live = await _live_season(llm_server, contexts)
    assert {r.outcome for r in live} == {"ok", "error"}
    assert any(r.attempts == 2 for r in live)

    replay = ReplayProvider("chatgpt", [r.raw_response for r in live], kind=ProviderKind.OPENAI)
    replayed = [await replay.decide(ctx) for ctx in contexts]

    assert [r.decision for r in replayed] == [r.decision for r in live]
    assert [r.outcome for r in replayed] == [r.outcome for r in live]
    assert [r.prompt for r in replayed] == [r.prompt for r in live]
    assert replay.kind is ProviderKind.OPENAI


async def test_replay_when_keyed_lookup_then_same_decisions(llm_server: LlmServer) -> None:
    contexts = [make_context(s) for s in real_snapshots(2)]
    live = await _live_season(llm_server, contexts)
    stored = {
        ReplayKey("chatgpt", ctx.symbol, ctx.snapshot.digest()): result.raw_response
        for ctx, result in zip(contexts, live, strict=True)
    }

    replay = ReplayProvider("chatgpt", stored.get)
    replayed = [await replay.decide(ctx) for ctx in reversed(contexts)]

    assert [r.decision for r in replayed] == [r.decision for r in reversed(live)]


async def test_replay_when_rule_provider_results_then_same_decisions() -> None:
    contexts = [make_context(s) for s in real_snapshots(2)]
    live = [await StaticGridProvider("static").decide(ctx) for ctx in contexts]

    replay = ReplayProvider("static", [r.raw_response for r in live])
    replayed = [await replay.decide(ctx) for ctx in contexts]

    assert [r.decision for r in replayed] == [r.decision for r in live]


async def test_replay_when_exhausted_then_hold_with_error() -> None:
    replay = ReplayProvider("chatgpt", [])

    result = await replay.decide(make_context())

    assert result.is_hold
    assert result.outcome == "error"
    assert result.error == "replay exhausted: no stored response left"


async def test_replay_when_stored_reply_breaks_rules_then_hold_invalid() -> None:
    too_big = {"action": "BUY", "size_pct": 0.9, "leverage": 5, "confidence": 1}
    replay = ReplayProvider("chatgpt", [json.dumps(too_big)])

    result = await replay.decide(make_context())

    assert result.outcome == "invalid"
    assert result.is_hold
    assert result.raw_response == json.dumps(too_big)


async def test_replay_when_lookup_raises_then_hold_error_not_raise() -> None:
    def broken(key: ReplayKey) -> str | None:
        raise KeyError(key.symbol)

    result = await ReplayProvider("chatgpt", broken).decide(make_context())

    assert result.outcome == "error"
    assert result.error is not None
    assert "KeyError" in result.error
