"""Tests for gridarena.config: defaults, seed env names, files, precedence, errors, secrets."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import SecretStr, ValidationError

from gridarena.config import (
    ConfigError,
    RiskSettings,
    Settings,
    env_bindings,
    load_settings,
)

# Every env var the seed documents name that gridarena keeps. Left out on purpose:
# N8N_* (n8n is replaced by the engine's jobs), MONGODB_URI (the store is SQLAlchemy)
# and PYTHONDONTWRITEBYTECODE (a Python switch, not a setting).
SEED_ENV_VARS = (
    "ANTHROPIC_API_KEY",
    "ASTER_API_KEY",
    "ASTER_API_SECRET",
    "ASTER_BASE_URL",
    "DATABASE_URL",
    "DRY_RUN",
    "FIRI_API_KEY",
    "FIRI_BASE_URL",
    "FIRI_CLIENT_ID",
    "FIRI_SECRET_KEY",
    "GROK_API_KEY",
    "LOG_LEVEL",
    "ORDERLY_ACCOUNT_ID",
    "ORDERLY_KEY",
    "ORDERLY_SECRET",
    "ORDERLY_TESTNET",
    "PUBLIC_API_BASE",
    "REDIS_URL",
    "RISK_MAX_DAILY_LOSS",
    "RISK_MAX_LEVERAGE",
    "RISK_MAX_SYMBOL_EXPOSURE",
    "SLIPPAGE_BPS",
    "TELEGRAM_BOT_TOKEN",
    "TELEGRAM_CHAT_ID",
    "TOPSTEPX_API_KEY",
    "TOPSTEPX_USERNAME",
    "UVICORN_HOST",
    "UVICORN_PORT",
    "VITE_API_BASE_URL",
)

SECRETS = {
    "ASTER_API_KEY": "aster-key-0001-SECRET",
    "ASTER_API_SECRET": "aster-secret-0002-SECRET",
    "TELEGRAM_BOT_TOKEN": "123456:telegram-token-0003-SECRET",
    "TELEGRAM_CHAT_ID": "-1001234",
    "OPENAI_API_KEY": "sk-openai-0004-SECRET",
    "FIRI_API_KEY": "firi-key-0005-SECRET",
    "FIRI_SECRET_KEY": "firi-secret-0006-SECRET",
    "FIRI_CLIENT_ID": "firi-client-0007-SECRET",
    "DATABASE_URL": "postgresql://tradeuser:db-pass-0008-SECRET@postgres:5432/trade",
}
SECRET_VALUES = [v for k, v in SECRETS.items() if k != "TELEGRAM_CHAT_ID"]


def _plain(value: Any) -> Any:
    return value.get_secret_value() if isinstance(value, SecretStr) else value


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --- defaults ---------------------------------------------------------------------


def test_settings_when_constructed_without_input_then_defaults_follow_seeds() -> None:
    settings = Settings()

    assert settings.database_url.get_secret_value() == "sqlite:///gridarena.db"
    assert settings.redis_url is None
    assert settings.execution.dry_run is True
    assert settings.execution.slippage_bps == Decimal(10)
    assert settings.execution.fill_rule in {"touch", "cross"}
    assert (settings.risk.provider_min_leverage, settings.risk.provider_max_leverage) == (3, 10)
    assert settings.risk.atr_spike_circuit_breaker == Decimal("0.30")
    assert settings.risk.max_position_per_trade == Decimal("0.20")
    assert settings.risk.trading_enabled is True
    assert settings.api.signal_cooldown_s == 60
    assert settings.jobs.price_sync_interval_s == 10
    assert settings.jobs.balance_sync_interval_s == 60
    assert settings.jobs.decision_interval_s == 180
    assert settings.venues.aster.base_url == "https://fapi.asterdex.com"
    assert settings.venues.default == "sim"


def test_load_when_env_empty_and_no_file_then_equals_defaults() -> None:
    assert load_settings(env={}) == Settings()


def test_settings_when_assigned_then_rejected_as_frozen() -> None:
    settings = Settings()

    with pytest.raises(ValidationError, match="frozen"):
        settings.risk.max_leverage = Decimal(50)  # type: ignore[misc]


def test_settings_when_unknown_keyword_then_validation_error_names_path() -> None:
    with pytest.raises(ValidationError, match=r"risk\.max_levrage"):
        Settings(risk={"max_levrage": 3})


# --- seed env var names -----------------------------------------------------------


def test_env_bindings_when_listed_then_every_seed_name_is_bound() -> None:
    bound = {name for binding in env_bindings() for name in binding.names}

    assert set(SEED_ENV_VARS) <= bound


def test_env_bindings_when_listed_then_no_name_sets_two_settings() -> None:
    names = [name for binding in env_bindings() for name in binding.names]

    assert len(names) == len(set(names))


Getter = Callable[[Settings], Any]

SEED_CASES: list[tuple[dict[str, str], Getter, Any]] = [
    ({"RISK_MAX_LEVERAGE": "3"}, lambda s: s.risk.max_leverage, Decimal(3)),
    ({"RISK_MAX_DAILY_LOSS": "-200"}, lambda s: s.risk.max_daily_loss, Decimal(200)),
    ({"RISK_MAX_DAILY_LOSS": "900"}, lambda s: s.risk.max_daily_loss, Decimal(900)),
    ({"RISK_MAX_SYMBOL_EXPOSURE": "5000"}, lambda s: s.risk.max_symbol_exposure, Decimal(5000)),
    ({"SLIPPAGE_BPS": "10"}, lambda s: s.execution.slippage_bps, Decimal(10)),
    ({"DRY_RUN": "false"}, lambda s: s.execution.dry_run, False),
    ({"DRY_RUN": "true"}, lambda s: s.execution.dry_run, True),
    (
        {"DATABASE_URL": "postgresql://tradeuser:tradepass@postgres:5432/trade"},
        lambda s: s.database_url,
        "postgresql://tradeuser:tradepass@postgres:5432/trade",
    ),
    ({"REDIS_URL": "redis://redis:6379"}, lambda s: s.redis_url, "redis://redis:6379"),
    (
        {"ASTER_API_KEY": "ak", "ASTER_API_SECRET": "as"},
        lambda s: (s.venues.aster.api_key, s.venues.aster.api_secret),
        ("ak", "as"),
    ),
    (
        {"ASTER_BASE_URL": "https://fapi.asterdex.com/"},
        lambda s: s.venues.aster.base_url,
        "https://fapi.asterdex.com",
    ),
    (
        {"ORDERLY_KEY": "ok", "ORDERLY_SECRET": "os", "ORDERLY_ACCOUNT_ID": "0xabc"},
        lambda s: (
            s.venues.orderly.api_key,
            s.venues.orderly.api_secret,
            s.venues.orderly.account_id,
        ),
        ("ok", "os", "0xabc"),
    ),
    ({"ORDERLY_TESTNET": "false"}, lambda s: s.venues.orderly.testnet, False),
    (
        {"TOPSTEPX_USERNAME": "trader", "TOPSTEPX_API_KEY": "tk"},
        lambda s: (s.venues.topstepx.username, s.venues.topstepx.api_key),
        ("trader", "tk"),
    ),
    (
        {
            "FIRI_API_KEY": "fk",
            "FIRI_SECRET_KEY": "fs",
            "FIRI_CLIENT_ID": "fc",
            "FIRI_BASE_URL": "https://api.firi.com",
        },
        lambda s: (
            s.venues.firi.api_key,
            s.venues.firi.secret_key,
            s.venues.firi.client_id,
            s.venues.firi.base_url,
        ),
        ("fk", "fs", "fc", "https://api.firi.com"),
    ),
    ({"OPENAI_API_KEY": "o"}, lambda s: s.providers.openai.api_key, "o"),
    ({"ANTHROPIC_API_KEY": "a"}, lambda s: s.providers.anthropic.api_key, "a"),
    ({"GROK_API_KEY": "g"}, lambda s: s.providers.xai.api_key, "g"),
    ({"XAI_API_KEY": "x"}, lambda s: s.providers.xai.api_key, "x"),
    ({"DEEPSEEK_API_KEY": "d"}, lambda s: s.providers.deepseek.api_key, "d"),
    (
        {"TELEGRAM_BOT_TOKEN": "1:t", "TELEGRAM_CHAT_ID": "-100"},
        lambda s: (s.alerts.telegram_bot_token, s.alerts.telegram_chat_id),
        ("1:t", "-100"),
    ),
    ({"UVICORN_HOST": "0.0.0.0"}, lambda s: s.api.host, "0.0.0.0"),
    ({"UVICORN_PORT": "8001"}, lambda s: s.api.port, 8001),
    (
        {"PUBLIC_API_BASE": "https://api.example.com"},
        lambda s: s.api.public_base_url,
        "https://api.example.com",
    ),
    (
        {"VITE_API_BASE_URL": "https://api.example.com"},
        lambda s: s.api.public_base_url,
        "https://api.example.com",
    ),
    ({"LOG_LEVEL": "debug"}, lambda s: s.logging.level, "DEBUG"),
]


@pytest.mark.parametrize(
    ("env", "getter", "expected"), SEED_CASES, ids=[",".join(c[0]) for c in SEED_CASES]
)
def test_load_when_seed_env_var_set_then_setting_follows(
    env: dict[str, str], getter: Getter, expected: Any
) -> None:
    value = getter(load_settings(env=env))

    if isinstance(value, tuple):
        value = tuple(_plain(item) for item in value)
    assert _plain(value) == expected


def test_load_when_generic_and_seed_name_both_set_then_generic_wins() -> None:
    env = {"RISK_MAX_LEVERAGE": "3", "GRIDARENA_RISK__MAX_LEVERAGE": "4"}

    assert load_settings(env=env).risk.max_leverage == Decimal(4)


def test_load_when_xai_and_grok_keys_both_set_then_xai_wins() -> None:
    env = {"GROK_API_KEY": "grok", "XAI_API_KEY": "xai"}

    assert _plain(load_settings(env=env).providers.xai.api_key) == "xai"


def test_load_when_generic_name_for_unseeded_setting_then_applied() -> None:
    env = {"GRIDARENA_JOBS__DECISION_INTERVAL_S": "90", "GRIDARENA_EXECUTION__FILL_RULE": "touch"}

    settings = load_settings(env=env)

    assert settings.jobs.decision_interval_s == 90
    assert settings.execution.fill_rule == "touch"


def test_load_when_env_value_blank_then_treated_as_unset() -> None:
    settings = load_settings(env={"REDIS_URL": "", "RISK_MAX_LEVERAGE": "  "})

    assert settings.redis_url is None
    assert settings.risk.max_leverage == Settings().risk.max_leverage


def test_load_when_list_env_is_comma_separated_then_tuple() -> None:
    env = {
        "GRIDARENA_API__CORS_ORIGINS": "https://app.example.com, http://localhost:5173/",
        "GRIDARENA_ARENA__SYMBOLS": "btcusdt,ethusdt",
    }

    settings = load_settings(env=env)

    assert settings.api.cors_origins == ("https://app.example.com", "http://localhost:5173")
    assert settings.arena.symbols == ("BTCUSDT", "ETHUSDT")


def test_load_when_table_list_env_is_json_then_parsed() -> None:
    accounts = [{"name": "chatgpt", "venue": "aster", "api_key": "k1", "api_secret": "s1"}]
    env = {"GRIDARENA_ARENA__ACCOUNTS": json.dumps(accounts)}

    (account,) = load_settings(env=env).arena.accounts

    assert (account.name, account.venue, _plain(account.api_key)) == ("chatgpt", "aster", "k1")


def test_load_when_env_json_invalid_then_error_names_var_not_value() -> None:
    env = {"GRIDARENA_ARENA__ACCOUNTS": "[{not-json hidden-value-77"}

    with pytest.raises(ConfigError, match="GRIDARENA_ARENA__ACCOUNTS") as info:
        load_settings(env=env)

    assert "hidden-value-77" not in str(info.value)


# --- files and precedence --------------------------------------------------------

TOML = """
database_url = "postgresql://app@db.internal:5432/grid"

[risk]
max_leverage = 4
max_daily_loss = 900
flatten_at = "15:55"
session_timezone = "America/Chicago"

[execution]
slippage_bps = 7
fill_rule = "touch"

[venues.aster]
base_url = "https://testnet.asterdex.com"

[[arena.accounts]]
name = "grok"
venue = "aster"
"""

YAML = """
risk:
  max_leverage: 4
  max_daily_loss: 900
execution:
  slippage_bps: 7
alerts:
  telegram_bot_token: "1:from-file"
  telegram_chat_id: -1001234
"""


def test_load_when_toml_file_then_values_applied(tmp_path: Path) -> None:
    settings = load_settings(_write(tmp_path, "gridarena.toml", TOML), env={})

    assert settings.risk.max_leverage == Decimal(4)
    assert settings.risk.flatten_at == time(15, 55)
    assert settings.execution.fill_rule == "touch"
    assert settings.venues.aster.base_url == "https://testnet.asterdex.com"
    assert settings.arena.accounts[0].name == "grok"
    assert settings.database_url.get_secret_value().startswith("postgresql://app@db.internal")


@pytest.mark.parametrize("suffix", [".yaml", ".yml"])
def test_load_when_yaml_file_then_values_applied(tmp_path: Path, suffix: str) -> None:
    settings = load_settings(_write(tmp_path, f"gridarena{suffix}", YAML), env={})

    assert settings.risk.max_daily_loss == Decimal(900)
    assert settings.execution.slippage_bps == Decimal(7)
    # YAML reads the chat id as an int; it is kept as the text Telegram expects.
    assert settings.alerts.telegram_chat_id == "-1001234"


def test_load_when_env_and_file_set_same_key_then_env_wins_and_rest_from_file(
    tmp_path: Path,
) -> None:
    path = _write(tmp_path, "gridarena.toml", TOML)

    settings = load_settings(path, env={"RISK_MAX_LEVERAGE": "3", "DRY_RUN": "false"})

    assert settings.risk.max_leverage == Decimal(3)  # env over file
    assert settings.risk.max_daily_loss == Decimal(900)  # file over default
    assert settings.execution.slippage_bps == Decimal(7)  # file, sibling of an env key
    assert settings.execution.dry_run is False  # env over default
    assert settings.risk.min_order_value == Settings().risk.min_order_value  # default


def test_load_when_gridarena_config_env_names_file_then_file_read(tmp_path: Path) -> None:
    path = _write(tmp_path, "gridarena.yaml", YAML)

    settings = load_settings(env={"GRIDARENA_CONFIG": str(path)})

    assert settings.risk.max_leverage == Decimal(4)


def test_load_when_path_and_gridarena_config_both_given_then_path_wins(tmp_path: Path) -> None:
    chosen = _write(tmp_path, "chosen.toml", "[risk]\nmax_leverage = 5\n")
    other = _write(tmp_path, "other.toml", "[risk]\nmax_leverage = 6\n")

    settings = load_settings(chosen, env={"GRIDARENA_CONFIG": str(other)})

    assert settings.risk.max_leverage == Decimal(5)


def test_load_when_yaml_file_empty_then_defaults(tmp_path: Path) -> None:
    assert load_settings(_write(tmp_path, "empty.yaml", ""), env={}) == Settings()


def test_load_when_file_uses_seed_env_name_as_key_then_env_still_wins(tmp_path: Path) -> None:
    path = _write(tmp_path, "seed.toml", "[risk]\nRISK_MAX_LEVERAGE = 4\n")

    assert load_settings(path, env={}).risk.max_leverage == Decimal(4)
    assert load_settings(path, env={"RISK_MAX_LEVERAGE": "2"}).risk.max_leverage == Decimal(2)


def test_load_when_file_gives_key_and_its_synonym_then_error_names_key(tmp_path: Path) -> None:
    path = _write(tmp_path, "twice.toml", "[risk]\nmax_leverage = 4\nRISK_MAX_LEVERAGE = 5\n")

    with pytest.raises(ConfigError, match=r"risk\.max_leverage is given twice"):
        load_settings(path, env={})


# --- file errors -----------------------------------------------------------------


def test_load_when_file_has_unknown_key_then_error_names_key_path_and_file(
    tmp_path: Path,
) -> None:
    path = _write(tmp_path, "typo.toml", "[risk]\nmax_levrage = 3\n")

    with pytest.raises(ConfigError) as info:
        load_settings(path, env={})

    message = str(info.value)
    assert "risk.max_levrage" in message
    assert str(path) in message
    assert "did you mean 'max_leverage'" in message
    assert info.value.keys == ("risk.max_levrage",)
    assert info.value.file == path
    assert isinstance(info.value, ValueError)


def test_load_when_yaml_has_unknown_nested_key_then_error_names_full_path(
    tmp_path: Path,
) -> None:
    path = _write(tmp_path, "typo.yaml", "venues:\n  aster:\n    api_sekret: x\n")

    with pytest.raises(ConfigError, match=r"venues\.aster\.api_sekret: unknown key"):
        load_settings(path, env={})


def test_load_when_file_has_unknown_section_then_error_names_section(tmp_path: Path) -> None:
    path = _write(tmp_path, "typo.toml", "[riks]\nmax_leverage = 3\n")

    with pytest.raises(ConfigError, match=r"riks: unknown key \(did you mean 'risk'\?\)"):
        load_settings(path, env={})


def test_load_when_file_missing_then_error_names_file(tmp_path: Path) -> None:
    path = tmp_path / "absent.toml"

    with pytest.raises(ConfigError, match=r"absent\.toml does not exist"):
        load_settings(path, env={})


def test_load_when_gridarena_config_names_missing_file_then_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(env={"GRIDARENA_CONFIG": str(tmp_path / "nope.yaml")})


@pytest.mark.parametrize("name", ["gridarena.json", "gridarena.ini", "gridarena"])
def test_load_when_file_extension_unsupported_then_error_names_file(
    tmp_path: Path, name: str
) -> None:
    path = _write(tmp_path, name, "{}")

    with pytest.raises(ConfigError, match="unsupported extension") as info:
        load_settings(path, env={})

    assert name in str(info.value)


def test_load_when_toml_malformed_then_error_names_file_and_line(tmp_path: Path) -> None:
    path = _write(tmp_path, "bad.toml", "[risk]\nmax_leverage = \n")

    with pytest.raises(ConfigError, match=r"bad\.toml: invalid TOML.*line 2"):
        load_settings(path, env={})


def test_load_when_yaml_malformed_then_error_names_line_but_not_text(tmp_path: Path) -> None:
    path = _write(tmp_path, "bad.yaml", 'alerts:\n  webhook_secret: "yaml-secret-42\n')

    with pytest.raises(ConfigError, match=r"bad\.yaml: invalid YAML at line") as info:
        load_settings(path, env={})

    assert "yaml-secret-42" not in str(info.value)


def test_load_when_yaml_top_level_is_list_then_error(tmp_path: Path) -> None:
    path = _write(tmp_path, "list.yaml", "- risk\n- execution\n")

    with pytest.raises(ConfigError, match="top level must be a table"):
        load_settings(path, env={})


def test_load_when_yaml_time_unquoted_then_error_asks_for_quotes(tmp_path: Path) -> None:
    path = _write(tmp_path, "time.yaml", "risk:\n  flatten_at: 15:55\n")

    with pytest.raises(ConfigError, match=r"risk\.flatten_at: write the time as quoted text"):
        load_settings(path, env={})


# --- bad values ------------------------------------------------------------------


def test_load_when_leverage_negative_in_env_then_error_names_key_and_var() -> None:
    with pytest.raises(ConfigError) as info:
        load_settings(env={"RISK_MAX_LEVERAGE": "-2"})

    message = str(info.value)
    assert "risk.max_leverage" in message
    assert "greater than 0" in message
    assert "env RISK_MAX_LEVERAGE" in message


def test_load_when_leverage_negative_in_file_then_error_names_file(tmp_path: Path) -> None:
    path = _write(tmp_path, "neg.toml", "[risk]\nmax_leverage = -1\n")

    with pytest.raises(
        ConfigError, match=rf"risk\.max_leverage: .*\[from {re.escape(str(path))}\]"
    ):
        load_settings(path, env={})


def test_risk_settings_when_leverage_zero_then_validation_error() -> None:
    with pytest.raises(ValidationError, match="max_leverage"):
        RiskSettings(max_leverage=Decimal(0))


def test_load_when_leverage_not_a_number_then_error_names_key() -> None:
    with pytest.raises(ConfigError, match=r"risk\.max_leverage: .*decimal"):
        load_settings(env={"RISK_MAX_LEVERAGE": "lots"})


def test_load_when_base_url_not_http_then_error_names_key() -> None:
    with pytest.raises(ConfigError, match=r"venues\.aster\.base_url: must be an http\(s\) URL"):
        load_settings(env={"ASTER_BASE_URL": "fapi.asterdex.com"})


def test_load_when_database_scheme_unsupported_then_error_hides_password() -> None:
    with pytest.raises(ConfigError, match=r"database_url: unsupported database URL") as info:
        load_settings(env={"DATABASE_URL": "mysql://root:hunter2-secret@db/grid"})

    assert "hunter2-secret" not in str(info.value)


def test_load_when_redis_scheme_unsupported_then_error_names_key() -> None:
    with pytest.raises(ConfigError, match=r"redis_url: unsupported Redis URL scheme 'http'"):
        load_settings(env={"REDIS_URL": "http://redis:6379"})


def test_load_when_database_url_uses_postgres_alias_then_normalised() -> None:
    settings = load_settings(env={"DATABASE_URL": "postgres://u@127.0.0.1:5432/db"})

    assert settings.database_url.get_secret_value() == "postgresql://u@127.0.0.1:5432/db"


def test_load_when_port_out_of_range_then_error_names_key() -> None:
    with pytest.raises(ConfigError, match=r"api\.port: .*less than or equal to 65535"):
        load_settings(env={"UVICORN_PORT": "70000"})


def test_load_when_key_without_secret_then_error_names_missing_field() -> None:
    with pytest.raises(ConfigError, match=r"venues\.aster: api_key is set but api_secret"):
        load_settings(env={"ASTER_API_KEY": "only-key"})


def test_load_when_telegram_token_without_chat_then_error_hides_token() -> None:
    with pytest.raises(ConfigError, match="telegram_chat_id") as info:
        load_settings(env={"TELEGRAM_BOT_TOKEN": "99:lonely-token-SECRET"})

    assert "lonely-token-SECRET" not in str(info.value)


def test_load_when_provider_leverage_band_inverted_then_error() -> None:
    env = {
        "GRIDARENA_RISK__PROVIDER_MIN_LEVERAGE": "8",
        "GRIDARENA_RISK__PROVIDER_MAX_LEVERAGE": "4",
    }

    with pytest.raises(ConfigError, match="provider_min_leverage must not exceed"):
        load_settings(env=env)


def test_load_when_fill_rule_unknown_then_error_lists_choices() -> None:
    with pytest.raises(ConfigError, match=r"execution\.fill_rule: .*'touch' or 'cross'"):
        load_settings(env={"GRIDARENA_EXECUTION__FILL_RULE": "sometimes"})


def test_load_when_timezone_unknown_then_error_names_key() -> None:
    with pytest.raises(ConfigError, match=r"risk\.session_timezone: unknown IANA time zone"):
        load_settings(env={"GRIDARENA_RISK__SESSION_TIMEZONE": "Mars/Olympus"})


def test_load_when_several_values_bad_then_error_lists_each_key() -> None:
    env = {"RISK_MAX_LEVERAGE": "-1", "SLIPPAGE_BPS": "-5"}

    with pytest.raises(ConfigError) as info:
        load_settings(env=env)

    assert set(info.value.keys) == {"risk.max_leverage", "execution.slippage_bps"}


@given(st.decimals(min_value=Decimal("0.01"), max_value=Decimal(125), places=2))
def test_load_when_any_positive_leverage_in_env_then_read_exactly(leverage: Decimal) -> None:
    settings = load_settings(env={"RISK_MAX_LEVERAGE": str(leverage)})

    assert settings.risk.max_leverage == leverage


@given(st.decimals(max_value=Decimal(0), allow_nan=False, allow_infinity=False, places=2))
def test_load_when_any_non_positive_leverage_in_env_then_config_error(leverage: Decimal) -> None:
    with pytest.raises(ConfigError, match=r"risk\.max_leverage"):
        load_settings(env={"RISK_MAX_LEVERAGE": str(leverage)})


# --- secrets ---------------------------------------------------------------------


def test_settings_when_secrets_loaded_then_repr_and_str_hide_them() -> None:
    settings = load_settings(env=SECRETS)

    for text in (repr(settings), str(settings), repr(settings.venues), str(settings.alerts)):
        for secret in SECRET_VALUES:
            assert secret not in text


def test_redacted_dict_when_secrets_loaded_then_masked_and_json_ready() -> None:
    settings = load_settings(env=SECRETS)

    redacted = settings.redacted_dict()
    dumped = json.dumps(redacted)

    for secret in SECRET_VALUES:
        assert secret not in dumped
    assert redacted["venues"]["aster"]["api_key"] == "***"
    assert redacted["alerts"]["telegram_bot_token"] == "***"
    assert redacted["providers"]["anthropic"]["api_key"] is None  # unset stays visible
    assert redacted["database_url"] == "postgresql://tradeuser:***@postgres:5432/trade"
    assert redacted["risk"]["max_leverage"] == "10"


def test_redacted_dict_when_arena_account_has_keys_then_masked() -> None:
    accounts = [{"name": "claude", "api_key": "acct-key-SECRET-1", "api_secret": "acct-s-SECRET"}]
    settings = Settings(arena={"accounts": accounts})

    dumped = json.dumps(settings.redacted_dict())

    assert "acct-key-SECRET-1" not in dumped
    assert "acct-s-SECRET" not in dumped


def test_model_dump_when_json_mode_then_secrets_not_revealed() -> None:
    dumped = load_settings(env=SECRETS).model_dump_json()

    for secret in SECRET_VALUES:
        assert secret not in dumped


def test_secret_values_when_secrets_loaded_then_lists_them_and_url_password() -> None:
    values = load_settings(env=SECRETS).secret_values()

    assert "aster-secret-0002-SECRET" in values
    assert "db-pass-0008-SECRET" in values
    # The URL itself is not scrubbed whole: only its password is secret.
    assert SECRETS["DATABASE_URL"] not in values
