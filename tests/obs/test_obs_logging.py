"""Tests for gridarena.obs.logging: JSON shape, levels, and that secrets never reach output."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
import structlog
from pydantic import SecretStr

from gridarena.config import load_settings
from gridarena.obs.logging import (
    configure_logging,
    get_logger,
    is_secret_key,
    redact_event_dict,
    register_secrets,
    scrub_text,
)


@pytest.fixture
def out() -> Iterator[io.StringIO]:
    """Capture rendered log output; restore the root logger and structlog afterwards."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    stream = io.StringIO()
    yield stream
    for handler in root.handlers:
        if handler not in handlers:
            root.removeHandler(handler)
    root.setLevel(level)
    structlog.reset_defaults()


def _records(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def test_configure_when_json_then_line_has_timestamp_level_logger_event(
    out: io.StringIO,
) -> None:
    configure_logging(stream=out)

    get_logger("gridarena.engine").info("grid applied", symbol="SOLUSDT", levels=12)

    (record,) = _records(out)
    assert record["event"] == "grid applied"
    assert record["level"] == "info"
    assert record["logger"] == "gridarena.engine"
    assert record["timestamp"].endswith("Z")
    assert datetime.fromisoformat(record["timestamp"]).tzinfo is not None
    assert (record["symbol"], record["levels"]) == ("SOLUSDT", 12)


def test_log_when_secret_looking_keys_then_values_masked(out: io.StringIO) -> None:
    configure_logging(stream=out)

    get_logger("t").info(
        "request",
        api_key="ak-visible-1",
        API_SECRET="as-visible-2",
        token="tok-visible-3",
        password="pw-visible-4",
        signature="sig-visible-5",
        headers={"Authorization": "Basic au-visible-6", "Accept": "json"},
        attempts=[{"private_key": "pk-visible-7"}],
    )

    text = out.getvalue()
    for n in range(1, 8):
        assert f"visible-{n}" not in text
    (record,) = _records(out)
    assert record["api_key"] == "***"
    assert record["headers"] == {"Authorization": "***", "Accept": "json"}


def test_log_when_secretstr_under_any_key_then_masked(out: io.StringIO) -> None:
    configure_logging(stream=out)

    get_logger("t").info("connect", credential_hint=SecretStr("ss-value-1"), note=SecretStr("x"))

    assert "ss-value-1" not in out.getvalue()
    assert _records(out)[0]["note"] == "***"


def test_log_when_registered_secret_in_free_text_then_masked(out: io.StringIO) -> None:
    configure_logging(stream=out)
    register_secrets([SecretStr("registered-secret-0101")])

    log = get_logger("t")
    log.info("sent with registered-secret-0101 inside", detail=("x", "registered-secret-0101"))
    try:
        raise RuntimeError("venue refused registered-secret-0101")
    except RuntimeError:
        log.exception("order failed")

    text = out.getvalue()
    assert "registered-secret-0101" not in text
    assert "RuntimeError" in text  # the traceback itself is kept


def test_log_when_secret_hides_in_object_repr_then_masked_after_render(
    out: io.StringIO,
) -> None:
    class Leaky:
        def __repr__(self) -> str:
            return "Leaky(repr-secret-0202)"

    configure_logging(stream=out)
    register_secrets(["repr-secret-0202"])

    get_logger("t").info("object", thing=Leaky())

    assert "repr-secret-0202" not in out.getvalue()


def test_stdlib_log_when_url_carries_credentials_then_masked(out: io.StringIO) -> None:
    configure_logging(stream=out)

    logging.getLogger("httpx").info(
        "HTTP Request: POST %s",
        "https://api.telegram.org/bot123456:AAtelegram-0303/sendMessage",
        extra={"client_secret": "extra-secret-0404"},
    )
    logging.getLogger("sqlalchemy").warning("connect postgresql://app:db-pw-0505@db/grid")
    logging.getLogger("ccxt").info("GET /fapi/v1/order?symbol=BTCUSDT&signature=sig0606 200")

    text = out.getvalue()
    for leaked in ("AAtelegram-0303", "extra-secret-0404", "db-pw-0505", "sig0606"):
        assert leaked not in text
    records = _records(out)
    assert records[0]["logger"] == "httpx"
    assert "symbol=BTCUSDT" in records[2]["event"]


def test_log_when_token_counts_then_numbers_kept(out: io.StringIO) -> None:
    configure_logging(stream=out)

    get_logger("providers").info("llm usage", prompt_tokens=812, completion_tokens=64)

    (record,) = _records(out)
    assert (record["prompt_tokens"], record["completion_tokens"]) == (812, 64)


def test_log_when_settings_logged_then_no_secret_reaches_output(out: io.StringIO) -> None:
    env = {
        "ASTER_API_KEY": "settings-key-0707",
        "ASTER_API_SECRET": "settings-secret-0808",
        "DATABASE_URL": "postgresql://app:settings-db-0909@db:5432/grid",
    }
    settings = load_settings(env=env)
    configure_logging(stream=out)
    register_secrets(settings.secret_values())

    log = get_logger("gridarena.app")
    log.info("settings", effective=settings.redacted_dict(), raw=repr(settings))
    log.info("dsn is %s", settings.database_url.get_secret_value())

    text = out.getvalue()
    for secret in env.values():
        assert secret not in text
    for secret in ("settings-key-0707", "settings-secret-0808", "settings-db-0909"):
        assert secret not in text


def test_configure_when_level_warning_then_info_dropped(out: io.StringIO) -> None:
    configure_logging(stream=out, level="warning")

    log = get_logger("t")
    log.info("quiet")
    log.warning("loud")
    logging.getLogger("lib").info("quiet too")

    assert [r["event"] for r in _records(out)] == ["loud"]


def test_configure_when_called_twice_then_each_line_written_once(out: io.StringIO) -> None:
    configure_logging(stream=out)
    configure_logging(stream=out)

    get_logger("t").info("once")

    assert len(_records(out)) == 1


def test_configure_when_console_mode_then_secrets_masked(out: io.StringIO) -> None:
    configure_logging(stream=out, json=False)

    get_logger("t").info("console line", api_key="console-key-1010")

    text = out.getvalue()
    assert "console line" in text
    assert "console-key-1010" not in text
    assert "api_key=***" in text


def test_configure_when_level_unknown_then_value_error() -> None:
    with pytest.raises(ValueError, match="unknown log level 'LOUD'"):
        configure_logging(level="LOUD")


@pytest.mark.parametrize(
    "key",
    ["api_key", "ASTER_API_SECRET", "Authorization", "bot_token", "passwd", "x-signature"],
)
def test_is_secret_key_when_secret_looking_then_true(key: str) -> None:
    assert is_secret_key(key)


@pytest.mark.parametrize("key", ["symbol", "price", "event", "level", "order_id"])
def test_is_secret_key_when_ordinary_then_false(key: str) -> None:
    assert not is_secret_key(key)


def test_scrub_text_when_bearer_and_kv_pairs_then_masked() -> None:
    text = "Authorization: Bearer abc.def-ghi api_key=k123 apiKey: k456 price=10"

    scrubbed = scrub_text(text)

    for leaked in ("abc.def-ghi", "k123", "k456"):
        assert leaked not in scrubbed
    assert "price=10" in scrubbed


def test_redact_event_dict_when_called_then_input_not_mutated() -> None:
    event = {"event": "x", "token": "t-1", "nested": {"secret": "s-1"}}

    redacted = redact_event_dict(None, "info", dict(event))

    assert redacted == {"event": "x", "token": "***", "nested": {"secret": "***"}}
    assert event["nested"] == {"secret": "s-1"}
