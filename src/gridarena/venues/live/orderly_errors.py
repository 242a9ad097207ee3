"""Orderly Network error codes mapped onto our error families (the table `errormap` reads).

Codes are Orderly's ``{"success": false, "code": -1006, "message": ...}``. Orderly matches
orders asynchronously, so a post-only order that would cross is usually cancelled after the
acknowledgement; the phrases below still catch the synchronous refusals.
"""

from __future__ import annotations

from gridarena.venues.errors import (
    AuthenticationError,
    DuplicateClientOrderId,
    InsufficientMargin,
    OrderNotFound,
    OrderRejected,
    PostOnlyWouldTake,
    RateLimited,
    ReduceOnlyRejected,
)
from gridarena.venues.live.errormap import UNAVAILABLE, ErrorTable, Kind

CODES: dict[str, Kind] = {
    "-1000": UNAVAILABLE,  # UNKNOWN (HTTP 500)
    "-1011": UNAVAILABLE,  # RPC_NOT_CONNECT: could not place/cancel, try again
    "-1001": AuthenticationError,  # INVALID_SIGNATURE
    "-1002": AuthenticationError,  # UNAUTHORIZED: key invalid, expired or without permission
    "2": AuthenticationError,  # timestamp expired
    "3": AuthenticationError,  # signature error
    "9": AuthenticationError,  # address and signature do not match
    "-1003": RateLimited,  # TOO_MANY_REQUEST
    "-1004": OrderRejected,  # UNKNOWN_PARAM
    "-1005": OrderRejected,  # INVALID_PARAM
    "-1006": OrderNotFound,  # RESOURCE_NOT_FOUND (e.g. cancelling a cancelled order)
    "-1007": DuplicateClientOrderId,  # DUPLICATE_REQUEST
    "-1008": OrderRejected,  # QUANTITY_TOO_HIGH
    "-1012": OrderRejected,  # RPC_REJECT (account in liquidation, ...)
    "-1101": InsufficientMargin,  # RISK_TOO_HIGH
    "-1102": OrderRejected,  # MIN_NOTIONAL
    "-1103": OrderRejected,  # PRICE_FILTER
    "-1104": OrderRejected,  # SIZE_FILTER
    "-1105": OrderRejected,  # PERCENTAGE_FILTER
}

MESSAGES: tuple[tuple[str, Kind], ...] = (
    ("post only", PostOnlyWouldTake),
    ("post_only", PostOnlyWouldTake),
    ("reduce only", ReduceOnlyRejected),
    ("reduce_only", ReduceOnlyRejected),
)

TABLE = ErrorTable("woofipro", CODES, MESSAGES)
