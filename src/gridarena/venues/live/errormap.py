"""Turn a ccxt or transport error into one of our two venue error families.

The decision reads, in order: the HTTP status (429/418 → `RateLimited`; 5xx → unknown or
unavailable), the venue's own error code, then phrases of its message, then — for errors that
never got an answer (timeouts, dropped connections) — whether the call changes anything. Only
after that does ccxt's class count. Each venue fills an `ErrorTable` in its own module.

``UNAVAILABLE`` in a table means "the venue could not tell": a mutating call becomes
`OutcomeUnknown` (the caller must ask by client id before sending again, DESIGN.md §2.2) and a
read becomes `VenueUnavailable`.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final, Literal

import ccxt

from gridarena.venues.errors import (
    AuthenticationError,
    DuplicateClientOrderId,
    InsufficientMargin,
    OrderNotFound,
    OrderRejected,
    OutcomeUnknown,
    PermanentVenueError,
    RateLimited,
    VenueError,
    VenueUnavailable,
)
from gridarena.venues.live.edge import HttpReply, reply_of

UNAVAILABLE: Final = "unavailable"
Kind = type[VenueError] | Literal["unavailable"]

# Signed query strings end up in ccxt's messages (the URL); a signature is not a secret, but
# it has no business in an error either.
_SIGNED = re.compile(r"(signature|orderly-signature)=[^&\s\"']+", re.IGNORECASE)

# ccxt classes that still say something when no table matched.
_CCXT_FALLBACK: tuple[tuple[type[Exception], type[VenueError]], ...] = (
    (ccxt.AuthenticationError, AuthenticationError),
    (ccxt.OrderNotFound, OrderNotFound),
    (ccxt.DuplicateOrderId, DuplicateClientOrderId),
    (ccxt.InsufficientFunds, InsufficientMargin),
    (ccxt.InvalidOrder, OrderRejected),
)


@dataclass(frozen=True, slots=True)
class ErrorTable:
    """A venue's error vocabulary: codes and message phrases mapped to our classes.

    ``code_keys`` name the JSON fields holding the venue's code; ``messages`` are matched
    case-insensitively as substrings of the body (or of ccxt's message when there is none).
    """

    venue: str
    codes: Mapping[str, Kind] = field(default_factory=dict)
    messages: tuple[tuple[str, Kind], ...] = ()
    code_keys: tuple[str, ...] = ("code",)


def redact(text: str) -> str:
    """Return ``text`` with request signatures masked."""
    return _SIGNED.sub(r"\1=***", text)


def _venue_code(reply: HttpReply | None, keys: tuple[str, ...]) -> str | None:
    if reply is None or not reply.body:
        return None
    try:
        payload = json.loads(reply.body)
    except ValueError:
        return None
    if not isinstance(payload, dict):
        return None
    for key in keys:
        value = payload.get(key)
        if value is not None and not isinstance(value, bool):
            return str(value)
    return None


def _retry_after(reply: HttpReply) -> float | None:
    value = reply.header("Retry-After")
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def _build(kind: Kind, message: str, code: str | None, *, mutating: bool) -> VenueError:
    if kind == UNAVAILABLE:
        return (OutcomeUnknown if mutating else VenueUnavailable)(message, code=code)
    return kind(message, code=code)


def _lookup(table: ErrorTable, code: str | None, text: str) -> Kind | None:
    if code is not None and code in table.codes:
        return table.codes[code]
    lowered = text.lower()
    for phrase, kind in table.messages:
        if phrase.lower() in lowered:
            return kind
    return None


def translate(exc: BaseException, table: ErrorTable, *, mutating: bool) -> VenueError:
    """Return the venue error ``exc`` means; ``mutating`` says whether the call changes state."""
    if isinstance(exc, VenueError):
        return exc
    reply = reply_of(exc)
    status = reply.status if reply is not None else None
    code = _venue_code(reply, table.code_keys)
    text = reply.body if reply is not None and reply.body else str(exc)
    where = f"{table.venue} {type(exc).__name__}"
    message = redact(f"{where} (HTTP {status}): {text}" if status else f"{where}: {text}")[:500]
    if reply is not None and status in (418, 429):
        return RateLimited(message, code=code or status, retry_after=_retry_after(reply))
    if status is not None and status >= 500:
        return _build(UNAVAILABLE, message, code, mutating=mutating)
    kind = _lookup(table, code, text)
    if kind is not None:
        return _build(kind, message, code, mutating=mutating)
    if isinstance(exc, ccxt.RateLimitExceeded | ccxt.DDoSProtection):
        return RateLimited(message, code=code)
    failed = isinstance(exc, ccxt.OperationFailed | asyncio.TimeoutError | OSError)
    if failed and (status is None or status < 400):
        # No answer (timeout, dropped connection) or an unreadable one: it may have happened.
        return _build(UNAVAILABLE, message, code, mutating=mutating)
    if mutating and not isinstance(exc, ccxt.BaseError):
        # Not the venue's answer nor a check before sending: the request may have gone out.
        return OutcomeUnknown(message, code=code)
    for ccxt_class, ours in _CCXT_FALLBACK:
        if isinstance(exc, ccxt_class):
            return ours(message, code=code)
    return (OrderRejected if mutating else PermanentVenueError)(message, code=code)
