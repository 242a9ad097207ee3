"""Aster endpoints per API version and network, and the HTTP client's settings.

Sources: github.com/asterdex/api-docs, ``V1(Legacy)/EN/aster-finance-futures-api.md`` and
``V3(Recommended)/EN/aster-finance-futures-api-v3.md`` ("The base endpoint is:
https://fapi.asterdex.com"), ``V3(Recommended)/EN/aster-finance-futures-api-testnet.md``
(host ``https://fapi.asterdex-testnet.com``, EIP-712 ``chainId`` 714; mainnet uses 1666).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import httpx


class AsterNetwork(StrEnum):
    """Which Aster deployment to trade."""

    MAINNET = "mainnet"
    TESTNET = "testnet"


# Both versions are served from the same hosts (the V3 docs' demo also names the alias
# https://fapi3.asterdex.com); the testnet host answers /fapi/v1 routes as well.
V1_BASE_URLS: dict[AsterNetwork, str] = {
    AsterNetwork.MAINNET: "https://fapi.asterdex.com",
    AsterNetwork.TESTNET: "https://fapi.asterdex-testnet.com",
}
V3_BASE_URLS: dict[AsterNetwork, str] = dict(V1_BASE_URLS)

# The EIP-712 domain's chainId is an off-chain signing id, not the chain funds live on.
V3_CHAIN_IDS: dict[AsterNetwork, int] = {
    AsterNetwork.MAINNET: 1666,
    AsterNetwork.TESTNET: 714,
}


@dataclass(frozen=True, slots=True)
class AsterHttpConfig:
    """Timeouts (seconds) and the V1 receive window (milliseconds)."""

    timeout_s: float = 10.0
    connect_timeout_s: float = 5.0
    recv_window_ms: int = 5_000
    settle_asset: str = "USDT"

    def __post_init__(self) -> None:
        if self.timeout_s <= 0 or self.connect_timeout_s <= 0:
            raise ValueError("timeouts must be > 0")
        if not 0 < self.recv_window_ms <= 60_000:
            raise ValueError(f"recv_window_ms must be within (0, 60000], got {self.recv_window_ms}")

    def timeout(self) -> httpx.Timeout:
        """Return the httpx timeout: ``connect_timeout_s`` to connect, ``timeout_s`` otherwise."""
        return httpx.Timeout(self.timeout_s, connect=self.connect_timeout_s)


@dataclass(frozen=True, slots=True)
class AsterPaths:
    """REST paths of one API version (V1 keeps Binance's v2 account routes)."""

    order: str
    open_orders: str
    user_trades: str
    position_risk: str
    balance: str
    leverage: str
    margin_type: str
    exchange_info: str
    klines: str
    depth: str
    book_ticker: str
    time: str


V1_PATHS = AsterPaths(
    order="/fapi/v1/order",
    open_orders="/fapi/v1/openOrders",
    user_trades="/fapi/v1/userTrades",
    position_risk="/fapi/v2/positionRisk",
    balance="/fapi/v2/balance",
    leverage="/fapi/v1/leverage",
    margin_type="/fapi/v1/marginType",
    exchange_info="/fapi/v1/exchangeInfo",
    klines="/fapi/v1/klines",
    depth="/fapi/v1/depth",
    book_ticker="/fapi/v1/ticker/bookTicker",
    time="/fapi/v1/time",
)

V3_PATHS = AsterPaths(
    order="/fapi/v3/order",
    open_orders="/fapi/v3/openOrders",
    user_trades="/fapi/v3/userTrades",
    position_risk="/fapi/v3/positionRisk",
    balance="/fapi/v3/balance",
    leverage="/fapi/v3/leverage",
    margin_type="/fapi/v3/marginType",
    exchange_info="/fapi/v3/exchangeInfo",
    klines="/fapi/v3/klines",
    depth="/fapi/v3/depth",
    book_ticker="/fapi/v3/ticker/bookTicker",
    time="/fapi/v3/time",
)
