"""Service settings: HTTP API, alerts, scheduled jobs and logging."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal, Self

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator

from gridarena.config.types import (
    ConfigModel,
    HttpBaseUrl,
    Seconds,
    SecretHttpUrl,
    require_together,
)

__all__ = ["AlertsSettings", "ApiSettings", "JobsSettings", "LoggingSettings"]

LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]


class ApiSettings(ConfigModel):
    """The FastAPI service: bind address, browser access, inbound webhooks and limits."""

    # Loopback by default: exposing the control API is a deliberate act (seed 002 used 0.0.0.0).
    host: str = Field(default="127.0.0.1", validation_alias=AliasChoices("UVICORN_HOST"))
    port: int = Field(default=8000, ge=1, le=65_535, validation_alias=AliasChoices("UVICORN_PORT"))
    public_base_url: HttpBaseUrl | None = Field(
        default=None,
        validation_alias=AliasChoices("PUBLIC_API_BASE", "VITE_API_BASE_URL"),
        description="URL the dashboard and alerts use to reach the API.",
    )
    cors_origins: tuple[str, ...] = Field(
        default=(), description="Browser origins allowed to call the API; empty = same origin."
    )
    webhook_secret: SecretStr | None = Field(
        default=None, description="HMAC key inbound signals (POST /signal/grid) are signed with."
    )
    admin_token: SecretStr | None = Field(
        default=None, description="Bearer token for control endpoints (pause, flatten, kill)."
    )
    signal_cooldown_s: Seconds = Field(
        default=60.0, description="Minimum gap between signals per model and symbol (seed 000)."
    )
    rate_limit_per_minute: int = Field(default=120, ge=1)
    signature_max_age_s: Seconds = Field(
        default=300.0, description="Oldest signed request accepted; older ones are replays."
    )
    metrics_enabled: bool = Field(default=True, description="Serve Prometheus metrics.")

    @field_validator("cors_origins")
    @classmethod
    def _origins_are_urls(cls, origins: tuple[str, ...]) -> tuple[str, ...]:
        for origin in origins:
            if origin != "*" and not origin.startswith(("http://", "https://")):
                raise ValueError(f"CORS origin {origin!r} must be '*' or start with http(s)://")
        return tuple(origin.rstrip("/") for origin in origins)


class AlertsSettings(ConfigModel):
    """Where operational alerts go: Telegram and/or a generic signed webhook."""

    telegram_bot_token: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("TELEGRAM_BOT_TOKEN")
    )
    telegram_chat_id: str | None = Field(
        default=None, validation_alias=AliasChoices("TELEGRAM_CHAT_ID")
    )
    webhook_url: SecretHttpUrl | None = None
    webhook_secret: SecretStr | None = Field(
        default=None, description="HMAC key outgoing webhook alerts are signed with."
    )
    min_severity: Literal["info", "warning", "critical"] = "warning"

    @field_validator("telegram_chat_id", mode="before")
    @classmethod
    def _chat_id_as_text(cls, value: Any) -> Any:
        # Chat ids are numbers (-1001234...), and TOML/YAML will hand us an int.
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        return value

    @model_validator(mode="after")
    def _pairs(self) -> Self:
        require_together(self, "telegram_bot_token", "telegram_chat_id")
        return self


class JobsSettings(ConfigModel):
    """Intervals of the engine's scheduled jobs (seeds 000, 001, 004)."""

    price_sync_interval_s: Seconds = 10.0
    balance_sync_interval_s: Seconds = 60.0
    decision_interval_s: Seconds = 180.0
    order_sync_interval_s: Seconds = 5.0
    risk_monitor_interval_s: Seconds = 5.0


class LoggingSettings(ConfigModel):
    """Structured logging output."""

    level: LogLevel = Field(default="INFO", validation_alias=AliasChoices("LOG_LEVEL"))
    json_output: bool = Field(default=True, description="JSON lines; false = human console.")
    file: Path | None = Field(default=None, description="Also append log lines to this file.")

    @field_validator("level", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.strip().upper() if isinstance(value, str) else value
