"""Venue settings: credentials and endpoints for each exchange, plus the simulated venue."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal, Self

from pydantic import AliasChoices, Field, SecretStr, model_validator

from gridarena.config.types import ConfigModel, HttpBaseUrl, PositiveDecimal, require_together

__all__ = [
    "AsterSettings",
    "BinanceSettings",
    "FiriSettings",
    "HyperliquidSettings",
    "OrderlySettings",
    "SimSettings",
    "TopstepXSettings",
    "VenueName",
    "VenuesSettings",
]

VenueName = Literal["sim", "aster", "orderly", "hyperliquid", "binance", "topstepx", "firi"]


def _env(*names: str) -> AliasChoices:
    return AliasChoices(*names)


class SimSettings(ConfigModel):
    """The simulated venue used by backtest and paper modes."""

    initial_balance: PositiveDecimal = Field(
        default=Decimal(500), description="Starting quote balance per account (seed 001: $500)."
    )
    quote_asset: str = "USDT"


class AsterSettings(ConfigModel):
    """Aster perpetuals (Binance fapi-compatible REST)."""

    api_key: SecretStr | None = Field(default=None, validation_alias=_env("ASTER_API_KEY"))
    api_secret: SecretStr | None = Field(default=None, validation_alias=_env("ASTER_API_SECRET"))
    base_url: HttpBaseUrl = Field(
        default="https://fapi.asterdex.com", validation_alias=_env("ASTER_BASE_URL")
    )
    rate_limit_per_s: PositiveDecimal = Decimal(10)

    @model_validator(mode="after")
    def _pair(self) -> Self:
        require_together(self, "api_key", "api_secret")
        return self


class OrderlySettings(ConfigModel):
    """Orderly Network (seed 002); ``base_url`` unset means the default for ``testnet``."""

    api_key: SecretStr | None = Field(default=None, validation_alias=_env("ORDERLY_KEY"))
    api_secret: SecretStr | None = Field(default=None, validation_alias=_env("ORDERLY_SECRET"))
    account_id: str | None = Field(default=None, validation_alias=_env("ORDERLY_ACCOUNT_ID"))
    testnet: bool = Field(default=True, validation_alias=_env("ORDERLY_TESTNET"))
    base_url: HttpBaseUrl | None = Field(default=None, validation_alias=_env("ORDERLY_BASE_URL"))
    rate_limit_per_s: PositiveDecimal = Field(
        default=Decimal(10), description="Orderly allows 10 requests per second (seed 002)."
    )

    @property
    def effective_base_url(self) -> str:
        """Return the configured base URL, or the public endpoint for the network."""
        if self.base_url is not None:
            return self.base_url
        if self.testnet:
            return "https://testnet-api-evm.orderly.org"
        return "https://api-evm.orderly.org"

    @model_validator(mode="after")
    def _triple(self) -> Self:
        require_together(self, "api_key", "api_secret", "account_id")
        return self


class HyperliquidSettings(ConfigModel):
    """Hyperliquid perpetuals: an agent wallet's private key signs for the main address."""

    private_key: SecretStr | None = Field(
        default=None, validation_alias=_env("HYPERLIQUID_PRIVATE_KEY")
    )
    wallet_address: str | None = Field(
        default=None, validation_alias=_env("HYPERLIQUID_WALLET_ADDRESS")
    )
    testnet: bool = Field(default=True, validation_alias=_env("HYPERLIQUID_TESTNET"))
    base_url: HttpBaseUrl | None = Field(
        default=None, validation_alias=_env("HYPERLIQUID_BASE_URL")
    )

    @property
    def effective_base_url(self) -> str:
        """Return the configured base URL, or the public endpoint for the network."""
        if self.base_url is not None:
            return self.base_url
        if self.testnet:
            return "https://api.hyperliquid-testnet.xyz"
        return "https://api.hyperliquid.xyz"

    @model_validator(mode="after")
    def _pair(self) -> Self:
        require_together(self, "private_key", "wallet_address")
        return self


class BinanceSettings(ConfigModel):
    """Binance USD-M futures (also the public candle source used by seed 004)."""

    api_key: SecretStr | None = Field(default=None, validation_alias=_env("BINANCE_API_KEY"))
    api_secret: SecretStr | None = Field(default=None, validation_alias=_env("BINANCE_API_SECRET"))
    testnet: bool = Field(default=True, validation_alias=_env("BINANCE_TESTNET"))
    base_url: HttpBaseUrl | None = Field(default=None, validation_alias=_env("BINANCE_BASE_URL"))

    @property
    def effective_base_url(self) -> str:
        """Return the configured base URL, or the public endpoint for the network."""
        if self.base_url is not None:
            return self.base_url
        if self.testnet:
            return "https://testnet.binancefuture.com"
        return "https://fapi.binance.com"

    @model_validator(mode="after")
    def _pair(self) -> Self:
        require_together(self, "api_key", "api_secret")
        return self


class TopstepXSettings(ConfigModel):
    """TopstepX futures through the ProjectX Gateway API (seed 003)."""

    username: str | None = Field(default=None, validation_alias=_env("TOPSTEPX_USERNAME"))
    api_key: SecretStr | None = Field(default=None, validation_alias=_env("TOPSTEPX_API_KEY"))
    base_url: HttpBaseUrl = Field(
        default="https://api.topstepx.com", validation_alias=_env("TOPSTEPX_BASE_URL")
    )
    account_id: int | None = Field(default=None, validation_alias=_env("TOPSTEPX_ACCOUNT_ID"))

    @model_validator(mode="after")
    def _pair(self) -> Self:
        require_together(self, "username", "api_key")
        return self


class FiriSettings(ConfigModel):
    """Firi spot exchange with HMAC-signed requests (seed 004)."""

    api_key: SecretStr | None = Field(default=None, validation_alias=_env("FIRI_API_KEY"))
    secret_key: SecretStr | None = Field(default=None, validation_alias=_env("FIRI_SECRET_KEY"))
    client_id: SecretStr | None = Field(default=None, validation_alias=_env("FIRI_CLIENT_ID"))
    base_url: HttpBaseUrl = Field(
        default="https://api.firi.com", validation_alias=_env("FIRI_BASE_URL")
    )

    @model_validator(mode="after")
    def _triple(self) -> Self:
        require_together(self, "api_key", "secret_key", "client_id")
        return self


class VenuesSettings(ConfigModel):
    """Every venue the engine can talk to; ``default`` is used when a caller names none."""

    default: VenueName = "sim"
    sim: SimSettings = Field(default_factory=SimSettings)
    aster: AsterSettings = Field(default_factory=AsterSettings)
    orderly: OrderlySettings = Field(default_factory=OrderlySettings)
    hyperliquid: HyperliquidSettings = Field(default_factory=HyperliquidSettings)
    binance: BinanceSettings = Field(default_factory=BinanceSettings)
    topstepx: TopstepXSettings = Field(default_factory=TopstepXSettings)
    firi: FiriSettings = Field(default_factory=FiriSettings)
