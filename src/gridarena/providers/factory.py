"""Build a provider from its ``ProviderConfig``; LLM defaults come from ``ProvidersSettings``."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Final

import httpx2
from pydantic import SecretStr

from gridarena.config.providers import LlmSettings, ProviderConfig, ProvidersSettings
from gridarena.engine.clock import Clock
from gridarena.providers.anthropic_provider import AnthropicProvider
from gridarena.providers.baselines import (
    BuyAndHoldProvider,
    IndicatorVoterProvider,
    RandomProvider,
)
from gridarena.providers.grids import AtrGridProvider, StaticGridProvider
from gridarena.providers.openai_provider import OpenAIProvider
from gridarena.providers.pricing import price_for
from gridarena.providers.rule_base import RuleProvider
from gridarena.providers.types import Provider
from gridarena.store.enums import ProviderKind

__all__ = ["DEFAULT_KEY_ENV", "ProviderBuildError", "build_provider", "close_provider"]

# Where each family's key is read from when the config names no variable.
DEFAULT_KEY_ENV: Final[Mapping[str, tuple[str, ...]]] = {
    "openai": ("OPENAI_API_KEY",),
    "anthropic": ("ANTHROPIC_API_KEY",),
    "xai": ("XAI_API_KEY", "GROK_API_KEY"),
    "deepseek": ("DEEPSEEK_API_KEY",),
    "local": (),
}


class ProviderBuildError(ValueError):
    """A provider that cannot be built as configured (the message never holds a secret)."""


def _rule_provider(cfg: ProviderConfig, clock: Clock | None) -> RuleProvider:
    p = cfg.rule
    if cfg.kind == "static_grid":
        return StaticGridProvider(
            cfg.name,
            levels=p.levels,
            atr_k=p.atr_k,
            range_pct=p.range_pct,
            allocation_pct=p.allocation_pct,
            leverage=p.leverage,
            clock=clock,
        )
    if cfg.kind == "atr_grid":
        return AtrGridProvider(
            cfg.name,
            levels=p.levels,
            atr_multiplier=p.atr_multiplier,
            allocation_pct=p.allocation_pct,
            leverage=p.leverage,
            clock=clock,
        )
    if cfg.kind == "indicator_voter":
        return IndicatorVoterProvider(
            cfg.name,
            threshold=p.vote_threshold,
            size_pct=p.allocation_pct,
            leverage=p.leverage,
            clock=clock,
        )
    if cfg.kind == "buy_and_hold":
        return BuyAndHoldProvider(
            cfg.name, size_pct=p.allocation_pct, leverage=p.leverage, clock=clock
        )
    if cfg.kind == "random":
        return RandomProvider(cfg.name, seed=p.seed, clock=clock)
    raise ProviderBuildError(f"{cfg.name}: kind {cfg.kind} is not a rule provider")


def _api_key(cfg: ProviderConfig, family: LlmSettings, env: Mapping[str, str]) -> SecretStr | None:
    names = (cfg.api_key_env,) if cfg.api_key_env else DEFAULT_KEY_ENV[cfg.kind]
    for name in names:
        value = env.get(name, "").strip()
        if value:
            return SecretStr(value)
    if family.api_key is not None and not cfg.api_key_env:
        return family.api_key
    if cfg.kind == "local":
        return None
    wanted = " or ".join(names) if names else "api_key_env"
    raise ProviderBuildError(f"{cfg.name}: no API key; set the environment variable {wanted}")


def build_provider(
    cfg: ProviderConfig,
    *,
    clock: Clock | None = None,
    http_client: httpx2.AsyncClient | None = None,
    settings: ProvidersSettings | None = None,
    env: Mapping[str, str] | None = None,
) -> Provider:
    """Build the provider ``cfg`` describes, reading its API key from the environment now.

    ``settings`` supplies each LLM family's default base URL, model, timeout and
    temperature; ``env`` replaces ``os.environ`` (tests). Raise ProviderBuildError when a
    needed key is missing.
    """
    if not cfg.is_llm:
        return _rule_provider(cfg, clock)
    defaults = settings or ProvidersSettings()
    family: LlmSettings = getattr(defaults, cfg.kind)
    key = _api_key(cfg, family, os.environ if env is None else env)
    model = cfg.model or family.model
    base_url = cfg.base_url or family.base_url
    temperature = cfg.temperature if cfg.temperature is not None else family.temperature
    max_tokens = cfg.max_tokens or family.max_tokens
    timeout_s = cfg.timeout_s or family.timeout_s
    price = price_for(model, local=cfg.kind == "local", override=cfg.prices)
    if cfg.kind == "anthropic":
        return AnthropicProvider(
            name=cfg.name,
            model=model,
            base_url=base_url,
            api_key=key,
            temperature=cfg.temperature,
            max_tokens=max_tokens,
            timeout_s=timeout_s,
            max_retries=cfg.max_retries,
            max_attempts=cfg.max_attempts,
            price=price,
            clock=clock,
            http_client=http_client,
        )
    return OpenAIProvider(
        name=cfg.name,
        model=model,
        base_url=base_url,
        api_key=key,
        kind=ProviderKind(cfg.kind),
        output_mode=cfg.output_mode,
        temperature=temperature,
        max_tokens=max_tokens,
        timeout_s=timeout_s,
        max_retries=cfg.max_retries,
        max_attempts=cfg.max_attempts,
        price=price,
        clock=clock,
        http_client=http_client,
    )


async def close_provider(provider: Provider) -> None:
    """Close the provider's API client, if it has one (rule providers have none)."""
    aclose = getattr(provider, "aclose", None)
    if aclose is not None:
        await aclose()
