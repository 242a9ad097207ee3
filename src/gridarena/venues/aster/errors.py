"""Aster (Binance-style) wire errors → our two error families, in one table.

Rules, first match wins:

1. Transport: the connection could not be opened (nothing was sent) → `VenueUnavailable`;
   any other failure (timeout, dropped connection, broken stream) → UNCERTAIN.
2. HTTP 429 / 418 (and 403, Aster's WAF limit) → `RateLimited(retry_after=Retry-After)`.
3. HTTP 5xx → UNCERTAIN. Aster's docs: "HTTP 503 … the API successfully sent the message but
   not get a response within the timeout period. It is important to NOT treat this as a
   failure operation; the execution status is UNKNOWN and could have been a success."
4. The body's ``code`` in `CODE_FAMILIES`; codes that say "execution status unknown"
   (-1000, -1001, -1006, -1007) are UNCERTAIN whatever the status.
5. Any other 401 → `AuthenticationError`; any other 4xx → `OrderRejected` on mutating calls,
   `PermanentVenueError` on reads.

UNCERTAIN resolves by the call: `OutcomeUnknown` for a mutating call (the order may exist: ask
by client id before sending again), `VenueUnavailable` for a read (just retry). Messages name
the route, status, code and the venue's text; never a parameter, header or key.
"""

from __future__ import annotations

import json
from typing import Final

import httpx

from gridarena.venues.errors import (
    AuthenticationError,
    DuplicateClientOrderId,
    InsufficientMargin,
    OrderNotFound,
    OrderRejected,
    OutcomeUnknown,
    PermanentVenueError,
    PostOnlyWouldTake,
    RateLimited,
    ReduceOnlyRejected,
    VenueError,
    VenueUnavailable,
)


class _Uncertain:
    """Marker: the request may or may not have taken effect."""


UNCERTAIN: Final = _Uncertain
Family = type[VenueError] | type[_Uncertain]

RATE_LIMIT_STATUSES: Final = frozenset({418, 429, 403})

_FILTER_CODES = (
    # 11xx: malformed or invalid parameters.
    -1013, -1014, -1100, -1101, -1102, -1103, -1104, -1105, -1106, -1111, -1112, -1114,
    -1115, -1116, -1117, -1118, -1119, -1120, -1121, -1128, -1130, -1136,
    # 20xx: processing refusals that are not margin or order lookups.
    -2010, -2020, -2021, -2023, -2024, -2025, -2026, -2027, -2028,
    # 40xx: price/quantity filters, client id format, position side, notional, leverage.
    -4000, -4001, -4002, -4003, -4004, -4005, -4006, -4007, -4013, -4014, -4015, -4016,
    -4023, -4024, -4028, -4045, -4047, -4048, -4061, -4062, -4087, -4088, -4118, -4131,
    -4135, -4137, -4138, -4139, -4140, -4141, -4142, -4164, -4183, -4184,
)  # fmt: skip

CODE_FAMILIES: Final[dict[int, Family]] = {
    -1000: UNCERTAIN,  # UNKNOWN: "An unknown error occurred while processing the request."
    -1006: UNCERTAIN,  # UNEXPECTED_RESP: "... Execution status unknown."
    -1007: UNCERTAIN,  # TIMEOUT: "... Send status unknown; execution status unknown."
    -1001: UNCERTAIN,  # DISCONNECTED: "unable to process" — but nothing proves it did not
    -1016: VenueUnavailable,  # SERVICE_SHUTTING_DOWN
    -1003: RateLimited,  # TOO_MANY_REQUESTS
    -1015: RateLimited,  # TOO_MANY_ORDERS
    -1002: AuthenticationError,  # UNAUTHORIZED
    -1021: AuthenticationError,  # timestamp outside recvWindow
    -1022: AuthenticationError,  # INVALID_SIGNATURE
    -2014: AuthenticationError,  # BAD_API_KEY_FMT
    -2015: AuthenticationError,  # REJECTED_MBX_KEY
    -4225: AuthenticationError,  # V3 "Nonce Expired" (stale or reused nonce)
    -2011: OrderNotFound,  # CANCEL_REJECTED: unknown or already closed order
    -2013: OrderNotFound,  # NO_SUCH_ORDER
    -4116: DuplicateClientOrderId,
    -2018: InsufficientMargin,  # BALANCE_NOT_SUFFICIENT
    -2019: InsufficientMargin,  # MARGIN_NOT_SUFFICIENT
    -5022: PostOnlyWouldTake,
    -2022: ReduceOnlyRejected,
    **dict.fromkeys(_FILTER_CODES, OrderRejected),
}

_MAX_MSG = 200


def resolve(family: Family, *, mutating: bool) -> type[VenueError]:
    """Return the class an UNCERTAIN outcome becomes for this kind of call."""
    if family is UNCERTAIN:
        return OutcomeUnknown if mutating else VenueUnavailable
    assert issubclass(family, VenueError)
    return family


def from_transport(exc: httpx.TransportError, *, what: str, mutating: bool) -> VenueError:
    """Map a connection-level failure of the call ``what`` (``"POST /fapi/v1/order"``)."""
    never_sent = isinstance(
        exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout | httpx.ProxyError
    )
    family: Family = VenueUnavailable if never_sent else UNCERTAIN
    cls = resolve(family, mutating=mutating)
    return cls(f"{what}: {type(exc).__name__} (no answer)", code=type(exc).__name__)


def _retry_after(headers: httpx.Headers) -> float | None:
    raw = headers.get("Retry-After")
    if raw is None:
        return None
    try:
        value = float(raw)
    except ValueError:
        return None
    return value if value >= 0 else None


def parse_error_body(content: bytes) -> tuple[int | None, str]:
    """Return (code, msg) of a Binance-style error body; (None, summary) when it is not JSON."""
    try:
        data = json.loads(content)
    except ValueError:
        return None, f"non-JSON body ({len(content)} bytes)"
    if not isinstance(data, dict):
        return None, "unexpected JSON body"
    code = data.get("code")
    msg = str(data.get("msg", ""))[:_MAX_MSG]
    return (code if isinstance(code, int) and not isinstance(code, bool) else None), msg


def from_response(response: httpx.Response, *, what: str, mutating: bool) -> VenueError:
    """Map an error answer (status >= 400, or a 2xx carrying a negative ``code``)."""
    status = response.status_code
    code, msg = parse_error_body(response.content)
    text = f"{what}: HTTP {status}" + (f" code {code}" if code is not None else "") + f": {msg}"
    if status in RATE_LIMIT_STATUSES:
        return RateLimited(text, code=code, retry_after=_retry_after(response.headers))
    family: Family
    if status >= 500:
        family = UNCERTAIN
    elif code is not None and code in CODE_FAMILIES:
        family = CODE_FAMILIES[code]
    elif status == 401:
        family = AuthenticationError
    else:
        family = OrderRejected if mutating else PermanentVenueError
    cls = resolve(family, mutating=mutating)
    if cls is RateLimited:
        return RateLimited(text, code=code, retry_after=_retry_after(response.headers))
    return cls(text, code=code)
