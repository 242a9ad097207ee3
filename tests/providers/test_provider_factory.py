"""ProviderConfig, ArenaSettings.providers, build_provider and the price table."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr, ValidationError

from gridarena.config import ProvidersSettings, Settings, load_settings
from gridarena.config.providers import ArenaSettings, ModelPrice, ProviderConfig
from gridarena.providers import (
    AnthropicProvider,
    AtrGridProvider,
    BuyAndHoldProvider,
    IndicatorVoterProvider,
    OpenAIProvider,
    Provider,
    ProviderBuildError,
    RandomProvider,
    StaticGridProvider,
    build_provider,
    close_provider,
    price_for,
)
from gridarena.providers.pricing import FREE, call_cost
from gridarena.store.enums import ProviderKind

KEY = "sk-factory-SECRET-93be"


@pytest.mark.parametrize(
    ("kind", "cls"),
    [
        ("static_grid", StaticGridProvider),
        ("atr_grid", AtrGridProvider),
        ("indicator_voter", IndicatorVoterProvider),
        ("buy_and_hold", BuyAndHoldProvider),
        ("random", RandomProvider),
    ],
)
def test_build_when_rule_kind_then_rule_provider(kind: Any, cls: type) -> None:
    provider = build_provider(ProviderConfig(name=f"rule-{kind}", kind=kind), env={})

    assert isinstance(provider, cls)
    assert isinstance(provider, Provider)
    assert provider.kind is ProviderKind.RULE
    assert provider.name == f"rule-{kind}"


@pytest.mark.parametrize(
    ("kind", "env_name", "model", "url"),
    [
        ("openai", "OPENAI_API_KEY", "gpt-4o-mini", "https://api.openai.com/v1"),
        ("xai", "GROK_API_KEY", "grok-3", "https://api.x.ai/v1"),
        ("deepseek", "DEEPSEEK_API_KEY", "deepseek-chat", "https://api.deepseek.com"),
    ],
)
async def test_build_when_llm_kind_then_family_defaults_and_key_from_env(
    kind: Any, env_name: str, model: str, url: str
) -> None:
    provider = build_provider(ProviderConfig(name=kind, kind=kind), env={env_name: KEY})
    try:
        assert isinstance(provider, OpenAIProvider)
        assert provider.kind is ProviderKind(kind)
        assert provider.model == model
        assert str(provider._client.base_url).rstrip("/") == url
        assert KEY not in repr(provider)
    finally:
        await close_provider(provider)


async def test_build_when_anthropic_then_anthropic_provider() -> None:
    cfg = ProviderConfig(name="claude", kind="anthropic", api_key_env="MY_CLAUDE_KEY")

    provider = build_provider(cfg, env={"MY_CLAUDE_KEY": KEY})
    try:
        assert isinstance(provider, AnthropicProvider)
        assert provider.model == "claude-sonnet-4-6"
    finally:
        await close_provider(provider)


def test_build_when_key_env_unset_then_error_names_variable_only() -> None:
    cfg = ProviderConfig(name="chatgpt", kind="openai", api_key_env="CHATGPT_KEY")

    with pytest.raises(ProviderBuildError, match="set the environment variable CHATGPT_KEY"):
        build_provider(cfg, env={"OPENAI_API_KEY": KEY})


async def test_build_when_key_only_in_settings_then_used() -> None:
    settings = ProvidersSettings(openai={"api_key": KEY, "model": "gpt-4.1-mini"})

    provider = build_provider(
        ProviderConfig(name="chatgpt", kind="openai"), env={}, settings=settings
    )
    try:
        assert isinstance(provider, OpenAIProvider)
        assert provider.model == "gpt-4.1-mini"
    finally:
        await close_provider(provider)


async def test_build_when_local_without_key_then_built() -> None:
    cfg = ProviderConfig(name="llama", kind="local", base_url="http://127.0.0.1:8000/v1")

    provider = build_provider(cfg, env={})
    try:
        assert isinstance(provider, OpenAIProvider)
        assert provider.output_mode == "json_schema"
    finally:
        await close_provider(provider)


def test_config_when_rule_kind_given_model_then_rejected() -> None:
    with pytest.raises(ValidationError, match="model apply to LLM providers only"):
        ProviderConfig(name="r", kind="random", model="gpt-4o")


@pytest.mark.parametrize(
    "fields",
    [
        {"name": "x", "kind": "gemini"},
        {"name": "x", "kind": "openai", "api_key_env": "sk-not-a-name"},
        {"name": "x", "kind": "openai", "max_attempts": 0},
        {"name": "x", "kind": "openai", "base_url": "ftp://example.com"},
        {"name": "x", "kind": "openai", "api_key": "sk-inline"},
        {"name": "", "kind": "random"},
    ],
)
def test_config_when_invalid_then_rejected(fields: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        ProviderConfig(**fields)


def test_arena_when_provider_names_repeat_then_rejected() -> None:
    providers = [{"name": "a", "kind": "random"}, {"name": "a", "kind": "buy_and_hold"}]

    with pytest.raises(ValidationError, match="duplicate providers: a"):
        ArenaSettings(providers=providers)


def test_settings_when_defaults_then_no_providers() -> None:
    assert Settings().arena.providers == ()


def test_load_when_toml_lists_providers_then_parsed(tmp_path: Path) -> None:
    path = tmp_path / "gridarena.toml"
    path.write_text(
        """
[[arena.providers]]
name = "chatgpt"
kind = "openai"
api_key_env = "OPENAI_API_KEY"
interval_s = 180
prices = { input_per_m = 0.15, output_per_m = 0.6 }

[[arena.providers]]
name = "dice"
kind = "random"
rule = { seed = 11 }
""",
        encoding="utf-8",
    )

    settings = load_settings(path, env={"OPENAI_API_KEY": KEY})

    chatgpt, dice = settings.arena.providers
    assert (chatgpt.kind, chatgpt.api_key_env, chatgpt.interval_s) == (
        "openai",
        "OPENAI_API_KEY",
        180.0,
    )
    assert chatgpt.prices == ModelPrice(input_per_m=Decimal("0.15"), output_per_m=Decimal("0.6"))
    assert dice.rule.seed == 11
    assert KEY not in str(settings.redacted_dict()["arena"])


def test_price_when_dated_model_then_longest_prefix_wins() -> None:
    mini = price_for("gpt-4o-mini-2024-07-18")
    sonnet = price_for("claude-sonnet-4-5-20250929")

    assert mini is not None
    assert mini.input_per_m == Decimal("0.15")
    assert sonnet is not None
    assert sonnet.output_per_m == Decimal(15)
    assert price_for("no-such-model") is None
    assert price_for("llama3.1", local=True) == FREE


def test_cost_when_tokens_unknown_then_none() -> None:
    price = ModelPrice(input_per_m=Decimal(1), output_per_m=Decimal(1))

    assert call_cost(price, None, 10) is None
    assert call_cost(price, 1_500, 500) == Decimal("0.002")


def test_config_when_repr_then_holds_no_secret_value() -> None:
    cfg = ProviderConfig(name="grok", kind="xai", api_key_env="XAI_API_KEY")

    assert "XAI_API_KEY" in repr(cfg)
    assert not any(isinstance(v, SecretStr) for v in cfg.model_dump().values())
