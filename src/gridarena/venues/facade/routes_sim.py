"""Simulator routes (not Binance's): move the clock, read the truth, reconfigure faults.

``/sim/orders`` shows every order the venue holds, whatever the client was told — the ground
truth to compare a client's belief against after injected faults.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from fastapi import APIRouter, Request, Response

from gridarena.venues.facade.errors import BinanceError
from gridarena.venues.facade.params import Params
from gridarena.venues.facade.state import Query, Venue, VenueState
from gridarena.venues.facade.wire import JSON, money, order_json, reply, trade_json
from gridarena.venues.sim.market import PHASES

router = APIRouter(prefix="/sim")


def _accounts(venue: VenueState, q: Params) -> list[str]:
    name = q.opt("account")
    if name is None:
        return list(venue.exchange.accounts)
    if name not in venue.exchange.accounts:
        raise BinanceError(-1130, f"Unknown account {name!r}.", status=404)
    return [name]


@router.post("/advance")
async def advance(venue: Venue, q: Query) -> Response:
    """Advance the market ``candles`` candles or ``ticks`` ticks; return the new market time."""
    candles = q.integer("candles")
    ticks = q.integer("ticks")
    if candles is None and ticks is None:
        candles = 1
    total = (candles or 0) * PHASES + (ticks or 0)
    if total < 0:
        raise BinanceError(-1130, "candles and ticks must be >= 0")
    stepped = venue.clock.advance(total)
    return reply({**venue.clock.state(), "advanced": stepped})


@router.get("/orders")
async def orders(venue: Venue, q: Query) -> Response:
    """Return every order each account holds, by client id, with status and fills."""
    out: dict[str, JSON] = {}
    for name in _accounts(venue, q):
        by_order: dict[str, list[JSON]] = {}
        for fill in venue.exchange.fills[name]:
            by_order.setdefault(fill.client_id, []).append(
                trade_json(fill, venue.formats[fill.symbol])
            )
        out[name] = {
            cid: {
                **order_json(o, venue.formats[o.request.symbol], with_time=True, with_cum_qty=True),
                "fills": by_order.get(cid, []),
            }
            for cid, o in venue.exchange.orders[name].items()
        }
    return reply({"time": venue.now_ms(), "accounts": out})


@router.get("/stats")
async def stats(venue: Venue) -> Response:
    """Return order, request, rate-limit and fault counters."""
    ex_stats = venue.exchange.stats
    return reply(
        {
            "orders": {
                "accepted": ex_stats["accepted"],
                "rejected": ex_stats["rejected"],
                "duplicate_client_id": ex_stats["duplicate_client_id"],
            },
            "requests": dict(venue.requests),
            "limits": venue.limiter.usage(),
            "faults": venue.faults.summary(),
        }
    )


@router.get("/faults")
async def fault_log(venue: Venue, q: Query) -> Response:
    """Return the injected faults, oldest first (``since`` = first sequence number wanted)."""
    since = q.integer("since", 0) or 0
    return reply([e.to_dict() for e in venue.faults.events if e.seq >= since])


@router.post("/faults")
async def configure_faults(venue: Venue, request: Request) -> Response:
    """Replace the fault settings (JSON body with FaultConfig fields); reseeds the RNG.

    ``{"force": "503_after_accept", "endpoint": "POST /fapi/v1/order"}`` queues one fault for
    the next matching request instead.
    """
    raw = await request.body()
    try:
        body: dict[str, Any] = json.loads(raw or b"{}")
        if "force" in body:
            venue.faults.force(
                str(body["force"]), phase=body.get("phase"), endpoint=body.get("endpoint")
            )
        else:
            fields: dict[str, Any] = {
                k: tuple(v) if isinstance(v, list) else v for k, v in body.items()
            }
            venue.faults.configure(dataclasses.replace(venue.faults.config, **fields))
    except (TypeError, ValueError) as exc:
        raise BinanceError(-1130, f"Bad fault settings: {exc}") from exc
    return reply(venue.faults.summary())


@router.get("/state")
async def state(venue: Venue) -> Response:
    """Return the market cursor and every account's wallet and positions."""
    ex = venue.exchange
    markets = {
        s: {
            "candle": m.i,
            "phase": m.phase,
            "candles": len(m.candles),
            "price": venue.formats[s].price(m.price_decimal),
            "time": m.ts_ms(),
            "done": m.done,
        }
        for s, m in ex.markets.items()
    }
    accounts: dict[str, JSON] = {}
    for name, acct in ex.accounts.items():
        bal = ex.balance(name)
        accounts[name] = {
            "wallet": money(bal.wallet),
            "unrealized_pnl": money(bal.unrealized_pnl),
            "available": money(bal.available),
            "realized_pnl": money(acct.realized),
            "fees": money(acct.fees),
            "funding": money(acct.funding),
            "positions": [
                {
                    "symbol": p.symbol,
                    "qty": venue.formats[p.symbol].qty(p.qty),
                    "entry_price": venue.formats[p.symbol].price(p.entry_price),
                    "unrealized_pnl": money(p.unrealized_pnl),
                    "leverage": p.leverage,
                    "margin_mode": p.margin_mode.value,
                }
                for p in ex.positions(name)
            ],
        }
    return reply({"clock": venue.clock.state(), "markets": markets, "accounts": accounts})
