"""Public market-data routes: ping, time, exchangeInfo, klines, depth, tickers, premium index."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
from fastapi import APIRouter, Response

from gridarena.venues.facade.candles import day_stats, interval_ms, klines
from gridarena.venues.facade.errors import BinanceError
from gridarena.venues.facade.info import exchange_info, spot_exchange_info
from gridarena.venues.facade.state import Query, Venue, VenueState
from gridarena.venues.facade.wire import JSON, Formats, fmt, money, reply
from gridarena.venues.sim.market import SimMarket

router = APIRouter()

_DEPTH_LIMITS = (5, 10, 20, 50, 100, 500, 1000)
_EIGHT_HOURS = 8 * 3_600_000


def _dec(x: float) -> Decimal:
    return Decimal(repr(float(x)))


@router.get("/fapi/v1/ping")
async def ping() -> Response:
    """Answer the connectivity test."""
    return reply({})


@router.get("/fapi/v1/time")
async def server_time(venue: Venue) -> Response:
    """Return the venue (replay) time."""
    return reply({"serverTime": venue.now_ms()})


@router.get("/fapi/v1/exchangeInfo")
async def futures_info(venue: Venue) -> Response:
    """Return rate limits and the perpetual symbols with their filters."""
    return reply(exchange_info(venue))


@router.get("/api/v3/exchangeInfo")
async def spot_info(venue: Venue) -> Response:
    """Return the same symbols in the spot schema (for clients that load spot markets)."""
    return reply(spot_exchange_info(venue))


@router.get("/fapi/v1/klines")
async def get_klines(venue: Venue, q: Query) -> Response:
    """Return candles up to the replay cursor in Binance's array format."""
    market = venue.market(q.opt("symbol"))
    size = interval_ms(q.req("interval"), market.candles.timeframe_ms)
    limit = q.integer("limit", 500) or 500
    if not 1 <= limit <= 1500:
        raise BinanceError(-1130, "Data sent for parameter 'limit' is not valid.")
    bars = klines(market, size, q.integer("startTime"), q.integer("endTime"), limit)
    f = venue.formats[market.symbol]
    rows: list[list[object]] = []
    for k in range(len(bars)):
        vol = _dec(bars.volume[k])
        quote = vol * _dec(bars.close[k])
        open_ms = int(bars.ts[k])
        rows.append(
            [
                open_ms,
                f.price(_dec(bars.open[k])),
                f.price(_dec(bars.high[k])),
                f.price(_dec(bars.low[k])),
                f.price(_dec(bars.close[k])),
                f.qty(vol),
                open_ms + size - 1,
                money(quote),
                0,
                f.qty(vol / 2),
                money(quote / 2),
                "0",
            ]
        )
    return reply(rows)


def _book_qty(market: SimMarket) -> Decimal:
    return market.instrument.min_qty * 1000


@router.get("/fapi/v1/depth")
async def depth(venue: Venue, q: Query) -> Response:
    """Return a synthetic book one tick either side of the last price (the sim has no spread)."""
    market = venue.market(q.opt("symbol"))
    limit = q.integer("limit", 500) or 500
    if limit not in _DEPTH_LIMITS:
        raise BinanceError(-1130, "Data sent for parameter 'limit' is not valid.")
    f = venue.formats[market.symbol]
    tick = market.instrument.tick_size
    px = market.price_decimal
    qty = f.qty(_book_qty(market))
    now = venue.now_ms()
    book = {
        "lastUpdateId": venue.clock.ticks,
        "E": now,
        "T": now,
        "bids": [[f.price(px - tick * (k + 1)), qty] for k in range(limit)],
        "asks": [[f.price(px + tick * (k + 1)), qty] for k in range(limit)],
    }
    return reply(book)


def _one_or_all(rows: list[JSON], symbol: str | None) -> Response:
    return reply(rows[0] if symbol is not None else rows)


@router.get("/fapi/v1/ticker/price")
@router.get("/fapi/v2/ticker/price")
async def ticker_price(venue: Venue, q: Query) -> Response:
    """Return the last price of one or every symbol."""
    symbol = q.opt("symbol")
    now = venue.now_ms()
    rows: list[JSON] = [
        {"symbol": m.symbol, "price": venue.formats[m.symbol].price(m.price_decimal), "time": now}
        for m in venue.markets(symbol)
    ]
    return _one_or_all(rows, symbol)


@router.get("/fapi/v1/ticker/bookTicker")
async def book_ticker(venue: Venue, q: Query) -> Response:
    """Return the best bid and ask of one or every symbol."""
    symbol = q.opt("symbol")
    now = venue.now_ms()
    rows: list[JSON] = []
    for m in venue.markets(symbol):
        f = venue.formats[m.symbol]
        tick, px, qty = m.instrument.tick_size, m.price_decimal, f.qty(_book_qty(m))
        rows.append(
            {
                "symbol": m.symbol,
                "bidPrice": f.price(px - tick),
                "bidQty": qty,
                "askPrice": f.price(px + tick),
                "askQty": qty,
                "time": now,
                "lastUpdateId": venue.clock.ticks,
            }
        )
    return _one_or_all(rows, symbol)


def _day(venue: VenueState, market: SimMarket) -> JSON:
    f = venue.formats[market.symbol]
    now = venue.now_ms()
    bars = day_stats(market, now)
    last = market.price_decimal
    if bars is None or len(bars) == 0:
        first, high, low, vol, quote, open_ms = last, last, last, Decimal(0), Decimal(0), now
    else:
        first = _dec(bars.open[0])
        high = max(_dec(float(np.max(bars.high))), last)
        low = min(_dec(float(np.min(bars.low))), last)
        vol = _dec(float(np.sum(bars.volume)))
        quote = _dec(float(np.sum(bars.volume * bars.close)))
        open_ms = int(bars.ts[0])
    change = last - first
    pct = change / first * 100 if first else Decimal(0)
    return {
        "symbol": market.symbol,
        "priceChange": f.price(change),
        "priceChangePercent": fmt(pct, 3),
        "weightedAvgPrice": f.price(quote / vol if vol else last),
        "lastPrice": f.price(last),
        "lastQty": f.qty(market.instrument.min_qty),
        "openPrice": f.price(first),
        "highPrice": f.price(high),
        "lowPrice": f.price(low),
        "volume": f.qty(vol),
        "quoteVolume": money(quote),
        "openTime": open_ms,
        "closeTime": now,
        "firstId": 0,
        "lastId": 0,
        "count": 0,
    }


@router.get("/fapi/v1/ticker/24hr")
async def ticker_24hr(venue: Venue, q: Query) -> Response:
    """Return 24-hour statistics of one or every symbol, up to the replay cursor."""
    symbol = q.opt("symbol")
    return _one_or_all([_day(venue, m) for m in venue.markets(symbol)], symbol)


def _funding_at(market: SimMarket, now: int) -> tuple[Decimal, int]:
    """Return (last funding rate at or before now, next funding time)."""
    fund = market.funding
    if fund is None or len(fund) == 0:
        return Decimal(0), (now // _EIGHT_HOURS + 1) * _EIGHT_HOURS
    k = int(np.searchsorted(fund.ts_ms, now, "right"))
    rate = _dec(fund.rate[k - 1]) if k > 0 else Decimal(0)
    nxt = int(fund.ts_ms[k]) if k < len(fund) else (now // _EIGHT_HOURS + 1) * _EIGHT_HOURS
    return rate, nxt


@router.get("/fapi/v1/premiumIndex")
async def premium_index(venue: Venue, q: Query) -> Response:
    """Return mark price (the last price), last funding rate and next funding time."""
    symbol = q.opt("symbol")
    now = venue.now_ms()
    rows: list[JSON] = []
    for m in venue.markets(symbol):
        f = venue.formats[m.symbol]
        rate, nxt = _funding_at(m, now)
        px = f.price(m.price_decimal)
        rows.append(
            {
                "symbol": m.symbol,
                "markPrice": px,
                "indexPrice": px,
                "estimatedSettlePrice": px,
                "lastFundingRate": fmt(rate, 8),
                "interestRate": "0.00010000",
                "nextFundingTime": nxt,
                "time": now,
            }
        )
    return _one_or_all(rows, symbol)


@router.get("/fapi/v1/fundingRate")
async def funding_rate(venue: Venue, q: Query) -> Response:
    """Return funding events already settled by the replay."""
    market = venue.market(q.opt("symbol"))
    fund = market.funding
    if fund is None:
        return reply([])
    now = venue.now_ms()
    limit = min(max(q.integer("limit", 100) or 100, 1), 1000)
    start, end = q.integer("startTime"), q.integer("endTime")
    hi = int(np.searchsorted(fund.ts_ms, min(now, end) if end is not None else now, "right"))
    lo = 0 if start is None else int(np.searchsorted(fund.ts_ms, start, "left"))
    idx = range(lo, min(hi, lo + limit)) if start is not None else range(max(lo, hi - limit), hi)
    f: Formats = venue.formats[market.symbol]
    px = f.price(market.price_decimal)
    return reply(
        [
            {
                "symbol": market.symbol,
                "fundingTime": int(fund.ts_ms[k]),
                "fundingRate": fmt(_dec(fund.rate[k]), 8),
                "markPrice": px,
            }
            for k in idx
        ]
    )
