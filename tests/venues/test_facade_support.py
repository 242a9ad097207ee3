"""Shared pieces of the facade tests: a predictable market, keys, and small HTTP helpers.

The market is hand-made so fills are predictable: every candle opens and closes at 60 000 and
swings 100 either side, so a buy resting at 59 950 fills in the next candle's low.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Sequence
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

import httpx
import numpy as np

from gridarena.marketdata.candles import Candles
from gridarena.venues.facade import FacadeApp, FacadeConfig, create_app
from gridarena.venues.facade.markets import build_exchange
from gridarena.venues.sim.exchange import SimExchange

T0 = 1_704_067_200_000  # 2024-01-01: the venue replays the past; clients sign with today
SYMBOL = "BTC/USDT:USDT"
KEY, SECRET, ACCOUNT = "alice-key", "alice-secret-0123456789", "alice"
KEY2, SECRET2, ACCOUNT2 = "bob-key", "bob-secret-9876543210", "bob"
KEYS = {KEY: (SECRET, ACCOUNT), KEY2: (SECRET2, ACCOUNT2)}


def swing_candles(
    n: int = 400, base: float = 60_000.0, swing: float = 100.0, symbol: str = "BTCUSDT"
) -> Candles:
    """Return ``n`` one-minute candles opening and closing at ``base``, ± ``swing``."""
    ones = np.ones(n)
    return Candles(
        symbol=symbol,
        timeframe_ms=60_000,
        ts_ms=T0 + np.arange(n, dtype=np.int64) * 60_000,
        open=base * ones,
        high=(base + swing) * ones,
        low=(base - swing) * ones,
        close=base * ones,
        volume=10.0 * ones,
    )


def make_exchange(
    candles: Sequence[Candles] | None = None,
    accounts: Sequence[str] = (ACCOUNT, ACCOUNT2),
    balance: str = "10000",
) -> SimExchange:
    """Return a sim exchange with funded accounts on the swing market."""
    markets = [(c, None) for c in (candles or [swing_candles()])]
    return build_exchange(markets, list(accounts), Decimal(balance))


def make_app(
    exchange: SimExchange | None = None, config: FacadeConfig | None = None, **kwargs: Any
) -> FacadeApp:
    """Return the facade over ``exchange`` (default: the swing market) with both test keys."""
    return create_app(exchange or make_exchange(), KEYS, config, **kwargs)


def advance(base_url: str, *, candles: int | None = None, ticks: int | None = None) -> Any:
    """Move the manual clock and return the answer."""
    query = {k: v for k, v in (("candles", candles), ("ticks", ticks)) if v is not None}
    resp = httpx.post(f"{base_url}/sim/advance", params=query)
    resp.raise_for_status()
    return resp.json()


def sim_get(base_url: str, path: str, **params: Any) -> Any:
    """Return a ``/sim`` route's JSON."""
    resp = httpx.get(f"{base_url}/sim/{path}", params=params)
    resp.raise_for_status()
    return resp.json()


def signed(params: dict[str, Any], secret: str = SECRET, *, timestamp: int | None = None) -> str:
    """Return a query string signed like Binance clients sign it (wall-clock timestamp)."""
    stamped = {**params, "timestamp": timestamp or time.time_ns() // 1_000_000}
    query = urlencode(stamped)
    sig = hmac.new(secret.encode(), query.encode(), hashlib.sha256).hexdigest()
    return f"{query}&signature={sig}"
