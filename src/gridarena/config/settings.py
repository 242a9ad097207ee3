"""The root settings model: every section plus the storage URLs."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote, urlsplit

from pydantic import AliasChoices, BaseModel, Field, SecretStr
from pydantic.fields import FieldInfo
from pydantic_core import to_jsonable_python
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from gridarena.config.providers import ArenaSettings, ProvidersSettings
from gridarena.config.service import AlertsSettings, ApiSettings, JobsSettings, LoggingSettings
from gridarena.config.trading import (
    ExecutionSettings,
    GridSettings,
    HedgeSettings,
    IndicatorSettings,
    RiskSettings,
)
from gridarena.config.types import CREDENTIAL_URL, MASK, DatabaseUrl, RedisUrl, mask_url_password
from gridarena.config.venues import VenuesSettings

__all__ = ["Settings"]

# Shorter secrets would turn value-based log scrubbing into noise (every "1" masked).
_MIN_SCRUBBABLE_SECRET = 6


class Settings(BaseSettings):
    """Effective gridarena configuration: typed, frozen, unknown keys rejected.

    ``Settings()`` is the pure defaults and never reads the environment, so tests and
    components stay hermetic; ``gridarena.config.load_settings`` layers a config file
    and the environment on top.
    """

    model_config = SettingsConfigDict(
        frozen=True,
        extra="forbid",
        hide_input_in_errors=True,
        validate_by_name=True,
        validate_default=True,
    )

    database_url: DatabaseUrl = Field(
        default=SecretStr("sqlite:///gridarena.db"),
        validation_alias=AliasChoices("DATABASE_URL"),
        description="SQLAlchemy URL: sqlite:///file.db or postgresql://user:pass@host/db.",
    )
    redis_url: RedisUrl | None = Field(
        default=None,
        validation_alias=AliasChoices("REDIS_URL"),
        description="Optional Redis for queues and rate limits; in-process when unset.",
    )
    risk: RiskSettings = Field(default_factory=RiskSettings)
    execution: ExecutionSettings = Field(default_factory=ExecutionSettings)
    grid: GridSettings = Field(default_factory=GridSettings)
    hedge: HedgeSettings = Field(default_factory=HedgeSettings)
    indicators: IndicatorSettings = Field(default_factory=IndicatorSettings)
    jobs: JobsSettings = Field(default_factory=JobsSettings)
    arena: ArenaSettings = Field(default_factory=ArenaSettings)
    venues: VenuesSettings = Field(default_factory=VenuesSettings)
    providers: ProvidersSettings = Field(default_factory=ProvidersSettings)
    api: ApiSettings = Field(default_factory=ApiSettings)
    alerts: AlertsSettings = Field(default_factory=AlertsSettings)
    logging: LoggingSettings = Field(default_factory=LoggingSettings)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],  # noqa: ARG003 - signature fixed by BaseSettings
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,  # noqa: ARG003
        dotenv_settings: PydanticBaseSettingsSource,  # noqa: ARG003
        file_secret_settings: PydanticBaseSettingsSource,  # noqa: ARG003
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Use keyword arguments only; load_settings supplies the file and environment."""
        return (init_settings,)

    def redacted_dict(self) -> dict[str, Any]:
        """Return the effective configuration as JSON-ready data with secrets masked.

        A secret prints as ``"***"`` (``None`` when unset); a database or Redis URL keeps
        its scheme and host and masks only its password.
        """
        return _redact_model(self)

    def secret_values(self) -> tuple[str, ...]:
        """Return every configured secret value, for log scrubbing (never print these)."""
        found: list[str] = []
        _collect_secrets(self, found)
        return tuple(dict.fromkeys(v for v in found if len(v) >= _MIN_SCRUBBABLE_SECRET))


def _is_credential_url(info: FieldInfo | None) -> bool:
    return info is not None and any(item is CREDENTIAL_URL for item in info.metadata)


def _redact_value(value: Any, info: FieldInfo | None) -> Any:
    if isinstance(value, SecretStr):
        if _is_credential_url(info):
            return mask_url_password(value.get_secret_value())
        return MASK
    if isinstance(value, BaseModel):
        return _redact_model(value)
    if isinstance(value, tuple | list):
        return [_redact_value(item, None) for item in value]
    return to_jsonable_python(value)


def _redact_model(model: BaseModel) -> dict[str, Any]:
    fields = type(model).model_fields
    return {name: _redact_value(getattr(model, name), info) for name, info in fields.items()}


def _collect_secrets(value: Any, found: list[str], info: FieldInfo | None = None) -> None:
    if isinstance(value, SecretStr):
        secret = value.get_secret_value()
        if _is_credential_url(info):
            # Only the password of a URL is secret; masking the whole URL would also
            # hide harmless mentions of the host or of sqlite:///gridarena.db.
            password = urlsplit(secret).password
            if password:
                # Logs may show the URL-encoded or the decoded form; scrub both.
                found.extend((password, unquote(password)))
            return
        found.append(secret)
    elif isinstance(value, BaseModel):
        for name, field_info in type(value).model_fields.items():
            _collect_secrets(getattr(value, name), found, field_info)
    elif isinstance(value, tuple | list):
        for item in value:
            _collect_secrets(item, found)
