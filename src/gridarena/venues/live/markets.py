"""Symbols across three spellings: ours (``BTCUSDT``), ccxt's (``BTC/USDT:USDT``), the venue's.

Our symbol is base + quote, the spelling the simulator and the backtests use; callers may also
pass ccxt's unified symbol or the venue's own id (``PERP_BTC_USDC``, Hyperliquid's ``BTC``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import numpy as np

from gridarena.domain.instrument import Instrument
from gridarena.domain.orders import OrderBook
from gridarena.marketdata.candles import Candles
from gridarena.marketdata.timeframes import parse_timeframe
from gridarena.venues.errors import PermanentVenueError
from gridarena.venues.live.profile import Raw, VenueProfile, dec


def candles_from(symbol: str, timeframe: str, rows: list[list[Any]]) -> Candles:
    """Return ccxt OHLCV rows as candles (floats: they feed numeric kernels)."""
    table = np.asarray(rows, dtype=np.float64).reshape(-1, 6)
    return Candles(
        symbol=symbol,
        timeframe_ms=parse_timeframe(timeframe),
        ts_ms=table[:, 0].astype(np.int64),
        open=table[:, 1],
        high=table[:, 2],
        low=table[:, 3],
        close=table[:, 4],
        volume=table[:, 5],
    )


def book_from(symbol: str, book: Raw, limit: int) -> OrderBook:
    """Return a ccxt order book as ours, ``limit`` levels a side, best first."""

    def levels(side: list[list[Any]]) -> list[tuple[Decimal, Decimal]]:
        return [(dec(level[0]), dec(level[1])) for level in side[:limit]]

    ts = int(book.get("timestamp") or 0)
    return OrderBook(symbol, levels(book["bids"]), levels(book["asks"]), ts)


def our_symbol(market: Raw) -> str:
    """Return our spelling of a ccxt market: base + quote (``BTCUSDC``)."""
    return f"{market['base']}{market['quote']}".upper()


@dataclass(slots=True)
class Markets:
    """The tradable markets of one venue, indexed by every spelling."""

    by_symbol: dict[str, Raw] = field(default_factory=dict)  # ours → ccxt market
    ours: dict[str, str] = field(default_factory=dict)  # ccxt symbol → ours
    aliases: dict[str, str] = field(default_factory=dict)  # any spelling (upper) → ours

    @classmethod
    def build(cls, profile: VenueProfile, markets: Mapping[str, Any]) -> Markets:
        """Index ccxt's loaded markets, keeping those the profile trades."""
        result = cls()
        for unified, market in markets.items():
            if not profile.is_tradable(market):
                continue
            symbol = our_symbol(market)
            result.by_symbol[symbol] = market
            result.ours[unified] = symbol
            spellings = (symbol, unified, str(market["id"]), str(market.get("baseName") or ""))
            for spelling in spellings:
                if spelling:
                    result.aliases.setdefault(spelling.upper(), symbol)
        return result

    def resolve(self, symbol: str) -> str:
        """Return our spelling of ``symbol``; an unknown one is a permanent error."""
        key = symbol.strip().upper()
        if key in self.aliases:
            return self.aliases[key]
        raise PermanentVenueError(f"unknown symbol {symbol!r}", code="unknown_symbol")

    def market(self, symbol: str) -> Raw:
        """Return the ccxt market of ``symbol`` (any spelling)."""
        return self.by_symbol[self.resolve(symbol)]

    def unified(self, symbol: str) -> str:
        """Return ccxt's symbol for ``symbol`` (any spelling)."""
        return str(self.market(symbol)["symbol"])

    def from_ccxt(self, unified: str | None) -> str:
        """Return our symbol for a ccxt symbol (unknown ones pass through)."""
        if unified is None:
            return ""
        return self.ours.get(unified, unified)

    def instruments(self, profile: VenueProfile) -> dict[str, Instrument]:
        """Return every market as an instrument."""
        return {s: profile.instrument(s, m) for s, m in self.by_symbol.items()}
