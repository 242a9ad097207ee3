"""Strategy-provider settings (LLM endpoints) and the arena that makes them compete."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal, Self

from pydantic import AliasChoices, Field, SecretStr, model_validator

from gridarena.config.types import ConfigModel, HttpBaseUrl, PositiveDecimal, Seconds, Symbol
from gridarena.config.venues import VenueName

__all__ = [
    "AnthropicSettings",
    "ArenaAccount",
    "ArenaSettings",
    "DeepSeekSettings",
    "LlmSettings",
    "LocalLlmSettings",
    "OpenAISettings",
    "ProvidersSettings",
    "XaiSettings",
]


class LlmSettings(ConfigModel):
    """Fields shared by every LLM endpoint; subclasses set defaults and env var names."""

    api_key: SecretStr | None = None
    base_url: HttpBaseUrl
    model: str
    timeout_s: Seconds = 60.0
    max_tokens: int = Field(default=1024, ge=1)
    temperature: float = Field(default=0.2, ge=0, le=2)


class OpenAISettings(LlmSettings):
    """OpenAI (ChatGPT in the arena)."""

    api_key: SecretStr | None = Field(default=None, validation_alias=AliasChoices("OPENAI_API_KEY"))
    base_url: HttpBaseUrl = Field(
        default="https://api.openai.com/v1", validation_alias=AliasChoices("OPENAI_BASE_URL")
    )
    model: str = "gpt-4o-mini"


class AnthropicSettings(LlmSettings):
    """Anthropic (Claude in the arena)."""

    api_key: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("ANTHROPIC_API_KEY")
    )
    base_url: HttpBaseUrl = Field(
        default="https://api.anthropic.com", validation_alias=AliasChoices("ANTHROPIC_BASE_URL")
    )
    model: str = "claude-sonnet-4-5"


class XaiSettings(LlmSettings):
    """xAI (Grok in the arena); seed 000 called the key GROK_API_KEY."""

    api_key: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("XAI_API_KEY", "GROK_API_KEY")
    )
    # Seed 001 reached Grok through a Cloudflare AI Gateway: override the base URL.
    base_url: HttpBaseUrl = Field(
        default="https://api.x.ai/v1",
        validation_alias=AliasChoices("XAI_BASE_URL", "GROK_BASE_URL"),
    )
    model: str = "grok-3"


class DeepSeekSettings(LlmSettings):
    """DeepSeek (OpenAI-compatible API)."""

    api_key: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("DEEPSEEK_API_KEY")
    )
    base_url: HttpBaseUrl = Field(
        default="https://api.deepseek.com", validation_alias=AliasChoices("DEEPSEEK_BASE_URL")
    )
    model: str = "deepseek-chat"


class LocalLlmSettings(LlmSettings):
    """A local OpenAI-compatible server (Ollama, llama.cpp, vLLM); no key needed."""

    base_url: HttpBaseUrl = "http://127.0.0.1:11434/v1"
    model: str = "llama3.1"


class ProvidersSettings(ConfigModel):
    """Endpoints for LLM strategy providers; rule-based baselines need no settings."""

    openai: OpenAISettings = Field(default_factory=OpenAISettings)
    anthropic: AnthropicSettings = Field(default_factory=AnthropicSettings)
    xai: XaiSettings = Field(default_factory=XaiSettings)
    deepseek: DeepSeekSettings = Field(default_factory=DeepSeekSettings)
    local: LocalLlmSettings = Field(default_factory=LocalLlmSettings)


class ArenaAccount(ConfigModel):
    """A competitor's own venue account (seed 001 gave each model separate Aster keys)."""

    name: str = Field(min_length=1)
    venue: VenueName = "sim"
    api_key: SecretStr | None = None
    api_secret: SecretStr | None = None
    initial_balance: PositiveDecimal | None = None


class ArenaSettings(ConfigModel):
    """Who competes, on which symbols, with how much money."""

    competitors: tuple[str, ...] = ("chatgpt", "grok", "claude", "deepseek")
    symbols: tuple[Symbol, ...] = Field(
        default=("BTCUSDT", "ETHUSDT", "BNBUSDT", "SOLUSDT", "ASTERUSDT"), min_length=1
    )
    initial_balance: PositiveDecimal = Field(
        default=Decimal(500), description="Starting balance per competitor (seed 001)."
    )
    symbol_selection: Literal["random", "round_robin"] = Field(
        default="random", description="How each decision round picks a symbol per competitor."
    )
    seed: int | None = Field(default=None, description="Seed for random symbol selection.")
    # A tuple, not a dict, so the frozen settings stay immutable all the way down.
    accounts: tuple[ArenaAccount, ...] = ()

    @model_validator(mode="after")
    def _unique_names(self) -> Self:
        for label, names in (
            ("competitors", self.competitors),
            ("accounts", tuple(account.name for account in self.accounts)),
        ):
            duplicates = sorted({name for name in names if names.count(name) > 1})
            if duplicates:
                raise ValueError(f"duplicate {label}: {', '.join(duplicates)}")
        return self
