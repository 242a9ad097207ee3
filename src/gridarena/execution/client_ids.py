"""Deterministic client order ids (DESIGN.md §2.2): the same intent always gets the same id.

An id is derived from (account, grid session, slot, cycle), so a restarted engine recomputes
the ids of the orders it had sent and can ask the venue about them instead of sending again.
The format fits every venue's limits: at most 36 characters of ``[A-Za-z0-9-]`` (Binance and
Aster allow ``[.A-Z:/a-z0-9_-]{1,36}``, Orderly 36).
"""

from __future__ import annotations

import hashlib
from functools import lru_cache

MAX_LEN = 36
WHOLE_POSITION = -1  # orders that belong to no slot: flatten, TP/SL closes


@lru_cache(maxsize=4096)  # every order of a session hashes the same pair
def session_tag(account: str, session_id: str) -> str:
    """Return a short, stable tag for (account, session)."""
    return hashlib.blake2b(f"{account}\x00{session_id}".encode(), digest_size=6).hexdigest()


def client_order_id(account: str, session_id: str, slot: int, cycle: int) -> str:
    """Return the client id of the ``cycle``-th order of ``slot`` in a session.

    Slot ``WHOLE_POSITION`` is for orders on the session's whole position.
    """
    if cycle < 0:
        raise ValueError(f"cycle must be >= 0, got {cycle}")
    where = "x" if slot == WHOLE_POSITION else str(slot)
    cid = f"ga-{session_tag(account, session_id)}-{where}-{cycle}"
    if len(cid) > MAX_LEN:
        raise ValueError(f"client id {cid!r} exceeds {MAX_LEN} characters")
    return cid


def hyperliquid_cloid(client_id: str) -> str:
    """Return Hyperliquid's 128-bit hex cloid for a client id (stable mapping)."""
    return "0x" + hashlib.blake2b(client_id.encode(), digest_size=16).hexdigest()
