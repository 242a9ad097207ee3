"""Read an account's trades of one symbol since a time, within the venue's query limits.

``userTrades`` (Binance USD-M rules, which Aster follows) answers at most 1000 rows, spans at
most seven days between ``startTime`` and ``endTime`` (with only ``startTime`` the window is
the seven days after it, not "until now"), and keeps six months. So the range [since, now] is
walked in seven-day windows, each paged by time; ``now`` is the venue's clock, asked only when
the range is longer than one window (a replaying venue lives in the past).
"""

from __future__ import annotations

import logging

from gridarena.venues.aster.config import AsterPaths
from gridarena.venues.aster.http import AsterHttp
from gridarena.venues.aster.wire import TradeWire

log = logging.getLogger(__name__)

PAGE = 1000
WINDOW_MS = 7 * 86_400_000
RETENTION_MS = 180 * 86_400_000


async def venue_now_ms(http: AsterHttp, paths: AsterPaths, wall_ms: int, since_ms: int) -> int:
    """Return the wall clock when one window from ``since_ms`` covers it, else the venue's."""
    if since_ms + WINDOW_MS > wall_ms:
        return wall_ms
    data = await http.public(paths.time, [])
    return int(data["serverTime"])


async def trades_since(
    http: AsterHttp, paths: AsterPaths, symbol: str, since_ms: int, now_ms: int
) -> list[TradeWire]:
    """Return the trades of ``symbol`` from ``since_ms`` to ``now_ms``, oldest first."""
    start = max(since_ms, now_ms - RETENTION_MS)
    seen: set[int] = set()
    out: list[TradeWire] = []
    while start <= now_ms:
        end = min(start + WINDOW_MS - 1, now_ms)
        page_start = start
        while True:
            params = [
                ("symbol", symbol),
                ("startTime", str(page_start)),
                ("endTime", str(end)),
                ("limit", str(PAGE)),
            ]
            rows = await http.signed("GET", paths.user_trades, params, mutating=False)
            page = [TradeWire.model_validate(row) for row in rows]
            out += [t for t in page if t.id not in seen]
            seen.update(t.id for t in page)
            if len(page) < PAGE:
                break
            # Full page: go on from its last millisecond (ids dedupe the overlap).
            last = page[-1].time
            if last <= page_start:
                log.warning("aster: over %s trades of %s in one ms; skipping on", PAGE, symbol)
                last = page_start + 1
            page_start = last
        start = end + 1
    out.sort(key=lambda t: (t.time, t.id))
    return out
