"""Shared building blocks for the settings models: a frozen base and validated field types."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Final
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, SecretStr

__all__ = [
    "CREDENTIAL_URL",
    "ConfigModel",
    "DatabaseUrl",
    "Fraction",
    "HttpBaseUrl",
    "Money",
    "PositiveDecimal",
    "RedisUrl",
    "Seconds",
    "SecretHttpUrl",
    "Symbol",
    "TimezoneName",
    "mask_url_password",
    "require_together",
]

MASK: Final = "***"


class ConfigModel(BaseModel):
    """Base of every settings section: immutable, strict about keys, silent about inputs."""

    # hide_input_in_errors: a rejected value may be a secret (or a URL holding a
    # password), so validation errors name the key and the rule, never the value.
    # validate_by_name: fields declare their seed env var names as aliases, and the
    # snake_case field name must keep working in files and keyword arguments.
    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        hide_input_in_errors=True,
        validate_by_name=True,
        validate_default=True,
    )


class _CredentialUrl:
    """Mark a secret URL whose host may be shown once its password is masked."""

    def __repr__(self) -> str:
        return "CREDENTIAL_URL"


# Metadata marker read by Settings.redacted_dict / secret_values: a database URL is
# worth printing (which host?) with only its password hidden; other secrets are opaque.
CREDENTIAL_URL: Final = _CredentialUrl()


def mask_url_password(url: str) -> str:
    """Return *url* with the password of its user-info part replaced by ``***``."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    netloc = f"{parts.username or ''}:{MASK}@{host}"
    return urlunsplit(parts._replace(netloc=netloc))


def _scheme(url: str) -> str:
    return url.split("://", 1)[0].lower() if "://" in url else ""


def _check_database_url(value: SecretStr) -> SecretStr:
    url = value.get_secret_value().strip()
    scheme = _scheme(url)
    # Heroku-style "postgres://" is refused by SQLAlchemy >= 1.4; accept and normalise it.
    if scheme == "postgres" or scheme.startswith("postgres+"):
        url = "postgresql" + url[len("postgres") :]
        scheme = _scheme(url)
    dialect = scheme.split("+", 1)[0]
    if dialect not in {"sqlite", "postgresql"}:
        # Name only the scheme: the rest of the URL may carry a password.
        shown = scheme or "none"
        msg = f"unsupported database URL scheme {shown!r}; use sqlite:/// or postgresql://"
        raise ValueError(msg)
    if dialect == "postgresql" and not urlsplit(url).hostname:
        raise ValueError("postgresql URL needs a host, e.g. postgresql://user@127.0.0.1:5432/db")
    return SecretStr(url)


def _check_redis_url(value: SecretStr) -> SecretStr:
    url = value.get_secret_value().strip()
    scheme = _scheme(url)
    if scheme not in {"redis", "rediss", "unix"}:
        shown = scheme or "none"
        raise ValueError(f"unsupported Redis URL scheme {shown!r}; use redis:// or rediss://")
    return SecretStr(url)


def _check_http_url(url: str) -> str:
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ValueError("must be an http(s) URL with a host, e.g. https://api.example.com")
    # Adapters join paths onto the base; a trailing slash would double it.
    return url.rstrip("/")


def _check_secret_http_url(value: SecretStr) -> SecretStr:
    return SecretStr(_check_http_url(value.get_secret_value()))


def _check_symbol(symbol: str) -> str:
    normalised = symbol.strip().upper()
    allowed = set("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/:._-")
    if not normalised or not normalised[0].isalnum() or not set(normalised) <= allowed:
        raise ValueError("symbol must be letters and digits, e.g. BTCUSDT, MES or BTC/USDT:USDT")
    return normalised


def _check_timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown IANA time zone {name!r}, e.g. UTC or America/Chicago") from None
    return name


def require_together(model: BaseModel, *names: str) -> None:
    """Raise ValueError unless the named fields are all set or all unset."""
    given = [name for name in names if getattr(model, name) is not None]
    if given and len(given) != len(names):
        missing = ", ".join(name for name in names if name not in given)
        raise ValueError(f"{', '.join(given)} is set but {missing} is not; set both or neither")


DatabaseUrl = Annotated[SecretStr, AfterValidator(_check_database_url), CREDENTIAL_URL]
RedisUrl = Annotated[SecretStr, AfterValidator(_check_redis_url), CREDENTIAL_URL]
HttpBaseUrl = Annotated[str, AfterValidator(_check_http_url)]
# A webhook URL often carries its token in the path (Slack, Discord), so it is opaque.
SecretHttpUrl = Annotated[SecretStr, AfterValidator(_check_secret_http_url)]
Symbol = Annotated[str, AfterValidator(_check_symbol)]
TimezoneName = Annotated[str, AfterValidator(_check_timezone)]

# Money and ratios are Decimal: they feed risk checks that compare against Decimal
# prices and quantities (DESIGN §2.4), and float would not mix with them.
Money = Annotated[Decimal, Field(ge=0, allow_inf_nan=False)]
PositiveDecimal = Annotated[Decimal, Field(gt=0, allow_inf_nan=False)]
Fraction = Annotated[Decimal, Field(ge=0, le=1, allow_inf_nan=False)]
Seconds = Annotated[float, Field(gt=0, allow_inf_nan=False)]
