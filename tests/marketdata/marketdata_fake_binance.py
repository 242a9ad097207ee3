"""A loopback HTTP server speaking the part of Binance's spot REST API that ccxt uses.

Endpoints: ``GET /api/v3/exchangeInfo`` (the real schema, enough for ccxt's
``parse_market``) and ``GET /api/v3/klines`` (real array format, honouring symbol,
interval, startTime, endTime and limit like Binance does). Candles come from
:class:`Candles` given at start, so tests can serve a real data file or a generated one.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import numpy as np

from gridarena.marketdata import Candles, resample

INTERVALS = ("1m", "3m", "5m", "15m", "30m", "1h", "2h", "4h", "6h", "8h", "12h", "1d")


def _symbol_info(symbol: str, base: str, quote: str) -> dict[str, object]:
    """Return one entry of exchangeInfo ``symbols`` as Binance sends it (2024 schema)."""
    return {
        "symbol": symbol,
        "status": "TRADING",
        "baseAsset": base,
        "baseAssetPrecision": 8,
        "quoteAsset": quote,
        "quotePrecision": 8,
        "quoteAssetPrecision": 8,
        "baseCommissionPrecision": 8,
        "quoteCommissionPrecision": 8,
        "orderTypes": ["LIMIT", "LIMIT_MAKER", "MARKET", "STOP_LOSS_LIMIT", "TAKE_PROFIT_LIMIT"],
        "icebergAllowed": True,
        "ocoAllowed": True,
        "otoAllowed": True,
        "quoteOrderQtyMarketAllowed": True,
        "allowTrailingStop": True,
        "cancelReplaceAllowed": True,
        "isSpotTradingAllowed": True,
        "isMarginTradingAllowed": True,
        "filters": [
            {
                "filterType": "PRICE_FILTER",
                "minPrice": "0.01000000",
                "maxPrice": "1000000.00000000",
                "tickSize": "0.01000000",
            },
            {
                "filterType": "LOT_SIZE",
                "minQty": "0.00001000",
                "maxQty": "9000.00000000",
                "stepSize": "0.00001000",
            },
            {"filterType": "ICEBERG_PARTS", "limit": 10},
            {
                "filterType": "MARKET_LOT_SIZE",
                "minQty": "0.00000000",
                "maxQty": "83.50000000",
                "stepSize": "0.00000000",
            },
            {"filterType": "TRAILING_DELTA", "minTrailingAboveDelta": 10},
            {
                "filterType": "NOTIONAL",
                "minNotional": "5.00000000",
                "applyMinToMarket": True,
                "maxNotional": "9000000.00000000",
                "applyMaxToMarket": False,
                "avgPriceMins": 5,
            },
            {"filterType": "MAX_NUM_ORDERS", "maxNumOrders": 200},
        ],
        "permissions": [],
        "permissionSets": [["SPOT", "MARGIN"]],
        "defaultSelfTradePreventionMode": "EXPIRE_MAKER",
        "allowedSelfTradePreventionModes": ["EXPIRE_TAKER", "EXPIRE_MAKER", "EXPIRE_BOTH"],
    }


@dataclass
class FakeBinance:
    """State shared with the handler: served candles, request log, injected failures."""

    candles: dict[str, Candles]
    assets: dict[str, tuple[str, str]]
    fail_klines: int = 0  # answer this many klines requests with HTTP 503 first
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    base_url: str = ""

    def exchange_info(self) -> dict[str, object]:
        return {
            "timezone": "UTC",
            "serverTime": 1_700_000_000_000,
            "rateLimits": [
                {
                    "rateLimitType": "REQUEST_WEIGHT",
                    "interval": "MINUTE",
                    "intervalNum": 1,
                    "limit": 6000,
                }
            ],
            "exchangeFilters": [],
            "symbols": [_symbol_info(s, *self.assets[s]) for s in self.candles],
        }

    def klines(self, query: dict[str, str]) -> tuple[int, object]:
        symbol = query.get("symbol", "")
        if symbol not in self.candles:
            return 400, {"code": -1121, "msg": "Invalid symbol."}
        interval = query.get("interval", "")
        if interval not in INTERVALS:
            return 400, {"code": -1120, "msg": "Invalid interval."}
        limit = min(int(query.get("limit", "500")), 1000)
        source = self.candles[symbol]
        c = source if interval == "1m" else resample(source, interval)
        start = query.get("startTime")
        end = query.get("endTime")
        lo = 0 if start is None else int(np.searchsorted(c.ts_ms, int(start), "left"))
        hi = len(c) if end is None else int(np.searchsorted(c.ts_ms, int(end), "right"))
        # Binance: with only endTime (or nothing) the most recent candles are returned.
        rows = (
            range(lo, min(hi, lo + limit)) if start is not None else range(max(lo, hi - limit), hi)
        )
        tf = c.timeframe_ms
        return 200, [
            [
                int(c.ts_ms[i]),
                f"{c.open[i]:.8f}",
                f"{c.high[i]:.8f}",
                f"{c.low[i]:.8f}",
                f"{c.close[i]:.8f}",
                f"{c.volume[i]:.8f}",
                int(c.ts_ms[i]) + tf - 1,
                f"{c.volume[i] * c.close[i]:.8f}",
                100,
                f"{c.volume[i] / 2:.8f}",
                f"{c.volume[i] * c.close[i] / 2:.8f}",
                "0",
            ]
            for i in rows
        ]

    def handle(self, path: str, query: dict[str, str]) -> tuple[int, object]:
        with self.lock:
            self.requests.append((path, query))
            if path == "/api/v3/klines" and self.fail_klines > 0:
                self.fail_klines -= 1
                return 503, {"code": -1001, "msg": "Internal error; unable to process request."}
        if path == "/api/v3/exchangeInfo":
            return 200, self.exchange_info()
        if path == "/api/v3/klines":
            return self.klines(query)
        return 404, {"code": -1, "msg": f"no route {path}"}


def _handler(state: FakeBinance) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
            status, body = state.handle(parts.path, query)
            payload = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json;charset=UTF-8")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: object) -> None:
            """Keep test output quiet."""

    return Handler


@contextmanager
def serve(state: FakeBinance) -> Iterator[FakeBinance]:
    """Run the fake venue on 127.0.0.1 (free port) for the duration of the block."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    state.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
