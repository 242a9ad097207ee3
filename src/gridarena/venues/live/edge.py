"""ccxt clients that keep the HTTP reply behind every error, and never log credentials.

ccxt raises the same class for answers that mean different things (a 503 "execution status
unknown" and a 503 "service unavailable" are both ``OperationFailed``), and it does not put the
HTTP status on the exception. `client_class` subclasses a ccxt exchange so that any error raised
while handling a response carries an `HttpReply` (status, headers, body); the error tables then
decide by status and venue code, not by ccxt class.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

_REPLY_ATTR = "gridarena_reply"
_MASK = "***"


@dataclass(frozen=True, slots=True)
class HttpReply:
    """The HTTP answer an error was raised from."""

    status: int
    headers: Mapping[str, str]
    body: str

    def header(self, name: str) -> str | None:
        """Return a header's value, matching its name case-insensitively."""
        wanted = name.lower()
        for key, value in self.headers.items():
            if key.lower() == wanted:
                return value
        return None


def reply_of(exc: BaseException) -> HttpReply | None:
    """Return the HTTP reply an error was raised from, if it came from one."""
    reply = getattr(exc, _REPLY_ATTR, None)
    return reply if isinstance(reply, HttpReply) else None


def _handle_errors(base: type[Any]) -> Callable[..., Any]:
    def handle_errors(
        self: Any,
        code: int,
        reason: str,
        url: str,
        method: str,
        headers: Mapping[str, str],
        body: str,
        response: Any,
        request_headers: Any,
        request_body: Any,
    ) -> Any:
        try:
            result = base.handle_errors(
                self,
                code,
                reason,
                url,
                method,
                headers,
                body,
                response,
                request_headers,
                request_body,
            )
            if code is not None and code >= 400:
                # ccxt checks the status right after this hook; doing it here tags the error too.
                self.handle_http_status_code(code, reason, url, method, body)
        except Exception as exc:
            setattr(exc, _REPLY_ATTR, HttpReply(int(code), dict(headers or {}), body or ""))
            raise
        return result

    return handle_errors


async def _no_initialize(self: Any) -> bool:  # noqa: ARG001 - a method
    # ccxt's Hyperliquid client would approve its builder fee and set its referral code here.
    return True


def client_class(
    base: type[Any], *, skip_initialize: bool = False, overrides: dict[str, Any] | None = None
) -> type[Any]:
    """Return a subclass of the ccxt exchange class ``base`` that tags errors with the reply."""
    members: dict[str, Any] = {"handle_errors": _handle_errors(base), **(overrides or {})}
    if skip_initialize:
        members["initialize_client"] = _no_initialize
    return type(f"Edge{base.__name__}", (base,), members)


class _MaskFilter(logging.Filter):
    """Mask credential values in ccxt's request and response debug lines."""

    def __init__(self) -> None:
        super().__init__()
        self.secrets: tuple[str, ...] = ()

    def add(self, secrets: Iterable[str]) -> None:
        """Mask these values too (longest first, so a secret containing another goes whole)."""
        merged = set(self.secrets) | {s for s in secrets if s}
        self.secrets = tuple(sorted(merged, key=len, reverse=True))

    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage()
        for secret in self.secrets:
            text = text.replace(secret, _MASK)
        record.msg, record.args = text, None
        return True


def wire_logger(venue: str, secrets: Iterable[str]) -> logging.Logger:
    """Return the logger ccxt clients of ``venue`` write to, with ``secrets`` masked."""
    logger = logging.getLogger(f"gridarena.venues.live.wire.{venue}")
    mask = next((f for f in logger.filters if isinstance(f, _MaskFilter)), None)
    if mask is None:
        mask = _MaskFilter()
        logger.addFilter(mask)
    mask.add(secrets)
    return logger
