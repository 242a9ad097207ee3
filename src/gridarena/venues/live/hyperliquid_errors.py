"""Hyperliquid error messages mapped onto our error families (the table `errormap` reads).

Hyperliquid has no error codes: ``/exchange`` answers HTTP 200 with ``{"status": "err",
"response": "..."}`` or a per-order ``{"error": "..."}``, and ``/info`` answers
``{"status": "unknownOid"}`` for an unknown order. A bad signature recovers some other address,
which the venue reports as "User or API Wallet 0x... does not exist."
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
from gridarena.venues.live.errormap import ErrorTable, Kind

MESSAGES: tuple[tuple[str, Kind], ...] = (
    ("unknownOid", OrderNotFound),
    ("Order was never placed, already canceled, or filled", OrderNotFound),
    ("Post only order would have immediately matched", PostOnlyWouldTake),
    ("Reduce only order would increase position", ReduceOnlyRejected),
    ("Insufficient margin", InsufficientMargin),
    ("does not exist", AuthenticationError),  # "User or API Wallet 0x... does not exist."
    ("duplicate", DuplicateClientOrderId),  # unverified against the real venue
    ("Too many cumulative requests", RateLimited),
    ("Price must be divisible by tick size", OrderRejected),
    ("Order must have minimum value", OrderRejected),
    ("Order has invalid size", OrderRejected),
    ("Order has zero size", OrderRejected),
    ("Order price cannot be more than", OrderRejected),
    ("Order could not immediately match", OrderRejected),
    ("No liquidity available for market order", OrderRejected),
)

TABLE = ErrorTable("hyperliquid", {}, MESSAGES, code_keys=())
