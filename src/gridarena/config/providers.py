"""Strategy-provider settings (LLM endpoints) and the arena that makes them compete."""

from __future__ import annotations

from decimal import Decimal
from typing import Final, Literal, Self

from pydantic import AliasChoices, Field, SecretStr, model_validator

from gridarena.config.types import (
    ConfigModel,
    Fraction,
    HttpBaseUrl,
    Money,
    PositiveDecimal,
    Seconds,
    Symbol,
)
from gridarena.config.venues import VenueName

__all__ = [
    "LLM_KINDS",
    "RULE_KINDS",
    "AnthropicSettings",
    "ArenaAccount",
    "ArenaSettings",
    "DeepSeekSettings",
    "LlmKind",
    "LlmSettings",
    "LocalLlmSettings",
    "ModelPrice",
    "OpenAISettings",
    "OutputMode",
    "ProviderConfig",
    "ProviderConfigKind",
    "ProvidersSettings",
    "RuleKind",
    "RuleParams",
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
    # Seed 001 ran Claude Sonnet 4.5; the anthropic SDK marks it deprecated (end of life
    # 2026-11-30) and warns on every call, so the default is its successor.
    model: str = "claude-sonnet-4-6"


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


RuleKind = Literal["static_grid", "atr_grid", "indicator_voter", "buy_and_hold", "random"]
LlmKind = Literal["openai", "anthropic", "xai", "deepseek", "local"]
ProviderConfigKind = Literal[
    "static_grid",
    "atr_grid",
    "indicator_voter",
    "buy_and_hold",
    "random",
    "openai",
    "anthropic",
    "xai",
    "deepseek",
    "local",
]
RULE_KINDS: Final[tuple[RuleKind, ...]] = (
    "static_grid",
    "atr_grid",
    "indicator_voter",
    "buy_and_hold",
    "random",
)
LLM_KINDS: Final[tuple[LlmKind, ...]] = ("openai", "anthropic", "xai", "deepseek", "local")
# How an OpenAI-compatible provider asks for structured output; "auto" picks per family.
OutputMode = Literal["auto", "json_schema", "json_object", "tool", "text"]


class ModelPrice(ConfigModel):
    """What a model costs, in USD per one million input and output tokens."""

    input_per_m: Money
    output_per_m: Money


class RuleParams(ConfigModel):
    """Parameters of the rule-based baselines; each baseline reads the ones it needs."""

    levels: int = Field(
        default=10,
        ge=1,
        le=200,
        description="Static grid: slots; ATR grid: levels on each side of the price.",
    )
    atr_k: PositiveDecimal = Field(
        default=Decimal(3), description="Static grid: half-range in ATRs around the price."
    )
    range_pct: Fraction | None = Field(
        default=None,
        description="Static grid: half-range as a fraction of price (used when set, or no ATR).",
    )
    atr_multiplier: PositiveDecimal = Field(
        default=Decimal("0.5"), description="ATR grid: level spacing in ATRs (raised to pay fees)."
    )
    allocation_pct: Fraction | None = Field(
        default=None, description="Share of balance to commit; unset = the rules' maximum."
    )
    leverage: PositiveDecimal | None = Field(
        default=None, description="Leverage to ask for; unset = the rules' minimum."
    )
    vote_threshold: int = Field(
        default=2, ge=1, le=3, description="Indicator voter: net votes needed to open."
    )
    seed: int = Field(default=0, description="Random baseline: seed of its random.Random.")


class ProviderConfig(ConfigModel):
    """One competitor's strategy provider: a rule baseline or an LLM endpoint.

    ``api_key_env`` is the *name* of the environment variable that holds the key; the key
    itself is read when the provider is built and never stored in configuration.
    """

    name: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    kind: ProviderConfigKind
    model: str | None = Field(default=None, min_length=1, max_length=128)
    base_url: HttpBaseUrl | None = None
    api_key_env: str | None = Field(default=None, pattern=r"^[A-Z_][A-Z0-9_]*$", max_length=128)
    symbols: tuple[Symbol, ...] = Field(
        default=(), description="Symbols this provider trades; empty = the arena's symbols."
    )
    interval_s: Seconds = Field(default=180.0, description="Seconds between decisions (seed 001).")
    temperature: float | None = Field(default=None, ge=0, le=2)
    timeout_s: Seconds | None = None
    max_tokens: int | None = Field(default=None, ge=1)
    max_attempts: int = Field(
        default=2, ge=1, le=5, description="Calls per decision when replies fail validation."
    )
    max_retries: int = Field(
        default=2, ge=0, le=10, description="SDK retries of transport errors, 429 and 5xx."
    )
    output_mode: OutputMode = "auto"
    prices: ModelPrice | None = Field(
        default=None, description="Price of this provider's model; unset = the built-in table."
    )
    rule: RuleParams = Field(default_factory=RuleParams)

    @property
    def is_llm(self) -> bool:
        """Return True when the provider calls an LLM API."""
        return self.kind in LLM_KINDS

    @model_validator(mode="after")
    def _fields_fit_kind(self) -> Self:
        if not self.is_llm:
            given = [n for n in ("model", "base_url", "api_key_env") if getattr(self, n)]
            if given:
                raise ValueError(
                    f"{', '.join(given)} apply to LLM providers only, not kind={self.kind}"
                )
        return self


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
    providers: tuple[ProviderConfig, ...] = ()

    @model_validator(mode="after")
    def _unique_names(self) -> Self:
        for label, names in (
            ("competitors", self.competitors),
            ("accounts", tuple(account.name for account in self.accounts)),
            ("providers", tuple(provider.name for provider in self.providers)),
        ):
            duplicates = sorted({name for name in names if names.count(name) > 1})
            if duplicates:
                raise ValueError(f"duplicate {label}: {', '.join(duplicates)}")
        return self
