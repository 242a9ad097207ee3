"""Structured logging: JSON lines through structlog and stdlib, with secrets masked.

Every record, from gridarena code (structlog) or from libraries (stdlib ``logging``),
passes one redaction step before it is rendered:

* a value whose key looks secret (``api_key``, ``secret``, ``token``, ``password``,
  ``signature``, ``authorization``..., any case, at any depth) becomes ``"***"``;
* a ``SecretStr``/``SecretBytes`` anywhere becomes ``"***"``;
* inside text: registered secret values, URL passwords (``://user:pw@``), secret-looking
  ``name=value`` pairs (signed query strings), ``Bearer`` tokens and Telegram bot
  tokens in URL paths are masked.

Finally the rendered line is scrubbed once more for registered secret values, which
catches a secret hidden in some object's ``repr``.
"""

from __future__ import annotations

import logging
import re
import sys
import threading
from collections.abc import Iterable, Mapping
from typing import IO, Any, Final

import structlog
from pydantic import SecretBytes, SecretStr
from structlog.typing import EventDict, Processor, WrappedLogger

__all__ = [
    "MASK",
    "configure_logging",
    "get_logger",
    "is_secret_key",
    "redact_event_dict",
    "register_secrets",
    "scrub_text",
]

MASK: Final = "***"
_LEVELS: Final = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
# Shorter values would mask innocent substrings all over the log ("1", "abc").
_MIN_SECRET_LENGTH: Final = 6
# Nested payloads deeper than this are masked whole rather than walked forever.
_MAX_DEPTH: Final = 8

_SECRET_KEY = re.compile(
    r"key|secret|token|passw|pwd|signature|authori[sz]ation|auth|cookie|credential|private",
    re.IGNORECASE,
)
_TEXT_PATTERNS: Final = (
    # scheme://user:password@host
    (re.compile(r"(?P<keep>://[^/\s:@]*:)[^/\s@]+@"), rf"\g<keep>{MASK}@"),
    # api_key=..., &signature=..., X-MBX-APIKEY: ..., Authorization: Bearer ...
    # (signed query strings and header dumps); an auth scheme word is masked with it.
    (
        re.compile(
            r"(?P<keep>\b[\w-]*(?:key|secret|token|passw|pwd|signature|auth)[\w-]*\s*[=:]\s*)"
            r"(?!\*\*\*)(?:(?:bearer|basic|token)\s+)?[^\s&;,'\"}\]]+",
            re.IGNORECASE,
        ),
        rf"\g<keep>{MASK}",
    ),
    (re.compile(r"(?P<keep>\bBearer\s+)(?!\*\*\*)[\w.~+/=-]+", re.IGNORECASE), rf"\g<keep>{MASK}"),
    # Telegram puts the bot token in the URL path: /bot123456:AA.../sendMessage
    (re.compile(r"(?P<keep>/bot)\d+:[\w-]+"), rf"\g<keep>{MASK}"),
)

_secrets_lock = threading.Lock()
_secrets: tuple[str, ...] = ()
_handler: logging.Handler | None = None


def is_secret_key(key: str) -> bool:
    """Return True when a mapping key names something that must not be logged."""
    return bool(_SECRET_KEY.search(key))


def register_secrets(values: Iterable[str | SecretStr]) -> None:
    """Mask these exact values wherever they appear in a log line, from now on.

    Call it with ``Settings.secret_values()`` at start-up, so a secret that reaches a
    log inside free text (an error message, a URL) is still masked. Values shorter
    than six characters are ignored.
    """
    global _secrets
    plain = (v.get_secret_value() if isinstance(v, SecretStr) else v for v in values)
    with _secrets_lock:
        merged = set(_secrets) | {v for v in plain if len(v) >= _MIN_SECRET_LENGTH}
        # Longest first, so a secret containing another is masked whole.
        _secrets = tuple(sorted(merged, key=len, reverse=True))


def scrub_text(text: str) -> str:
    """Return *text* with registered secrets and secret-looking fragments masked."""
    for secret in _secrets:
        text = text.replace(secret, MASK)
    for pattern, replacement in _TEXT_PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def _redact(value: Any, depth: int) -> Any:
    if isinstance(value, SecretStr | SecretBytes):
        return MASK
    if isinstance(value, str):
        return scrub_text(value)
    if depth >= _MAX_DEPTH and isinstance(value, Mapping | list | tuple | set):
        return MASK
    if isinstance(value, Mapping):
        return {key: _redact_item(str(key), item, depth + 1) for key, item in value.items()}
    if isinstance(value, list | tuple | set):
        return [_redact(item, depth + 1) for item in value]
    return value


def _redact_item(key: str, value: Any, depth: int) -> Any:
    if value is None or isinstance(value, bool):
        return value
    # LLM usage counts ("prompt_tokens": 812) are numbers, not credentials.
    if isinstance(value, int) and key.lower().endswith("tokens"):
        return value
    if is_secret_key(key):
        return MASK
    return _redact(value, depth)


def redact_event_dict(logger: WrappedLogger, method_name: str, event_dict: EventDict) -> EventDict:
    """Mask secrets in an event dict (a structlog processor); see the module docstring."""
    del logger, method_name  # part of the processor signature, unused here
    return {key: _redact_item(key, value, 0) for key, value in event_dict.items()}


def _scrubbed(renderer: Processor) -> Processor:
    """Wrap a renderer so its output is scrubbed of registered secrets."""

    def render(logger: WrappedLogger, method_name: str, event_dict: EventDict) -> str:
        rendered = renderer(logger, method_name, event_dict)
        text = rendered if isinstance(rendered, str) else str(rendered)
        for secret in _secrets:
            text = text.replace(secret, MASK)
        return text

    return render


def configure_logging(
    *, json: bool = True, level: str = "INFO", stream: IO[str] | None = None
) -> None:
    """Route structlog and stdlib logging through one redacting renderer.

    Write JSON lines (``json=True``: ``timestamp`` in ISO 8601 UTC, ``level``,
    ``logger``, ``event`` and the event's fields) or human-readable lines to *stream*
    (default ``sys.stderr``), dropping records below *level*. Calling it again replaces
    the previous configuration.
    """
    name = level.strip().upper()
    if name not in _LEVELS:
        raise ValueError(f"unknown log level {level!r}; use one of {', '.join(_LEVELS)}")

    shared: list[Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.StackInfoRenderer(),
        # Render tracebacks to text before redaction so exception messages are scrubbed
        # too; plain text also keeps local variables (possible secrets) out of the log.
        structlog.processors.format_exc_info,
    ]
    renderer: Processor = (
        structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer(colors=False)
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[*shared, structlog.stdlib.ExtraAdder(), redact_event_dict],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            _scrubbed(renderer),
        ],
    )
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            structlog.stdlib.PositionalArgumentsFormatter(),
            *shared,
            redact_event_dict,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        # Not cached: loggers created before a reconfiguration must follow it.
        cache_logger_on_first_use=False,
    )

    global _handler
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    if _handler is not None:
        root.removeHandler(_handler)
    root.addHandler(handler)
    root.setLevel(name)
    _handler = handler


def get_logger(name: str) -> structlog.stdlib.BoundLogger:
    """Return a structured logger whose records carry ``logger=<name>``."""
    logger: structlog.stdlib.BoundLogger = structlog.stdlib.get_logger(name)
    return logger
