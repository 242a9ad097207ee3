"""What differs between ccxt venues, behind one interface: a `VenueProfile` per venue.

`CcxtVenue` does everything the venues share through ccxt's unified methods; a profile builds
the client (URLs, options that switch off builder fees, referral codes and order tags), turns
our `OrderRequest` into the venue's parameters (our client id in the venue's own field) and
reads the venue's raw ``info`` strings into domain types, so money stays exact.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar

from pydantic import SecretStr

from gridarena.domain.instrument import Instrument
from gridarena.domain.orders import Balance, Fill, MarginMode, Order, OrderRequest, Position
from gridarena.venues.base import Capability
from gridarena.venues.live.errormap import ErrorTable

Raw = Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Credentials:
    """API credentials; secrets stay `SecretStr` until the client is built, and never print."""

    api_key: SecretStr | None = None
    secret: SecretStr | None = None
    account_id: str | None = None  # Orderly account id
    wallet_address: str | None = None  # Hyperliquid main wallet
    private_key: SecretStr | None = None  # Hyperliquid wallet or agent key

    def secret_values(self) -> list[str]:
        """Return every value that must never reach a log line."""
        found = [self.api_key, self.secret, self.private_key]
        return [s.get_secret_value() for s in found if s is not None and s.get_secret_value()]

    @property
    def present(self) -> bool:
        """Tell whether any trading credential is set."""
        return bool(self.secret_values())


@dataclass(frozen=True, slots=True)
class ClientSettings:
    """How to build a ccxt client: where, which network, with which keys and limits."""

    base_url: str
    testnet: bool
    credentials: Credentials
    timeout_ms: int
    rate_limit: bool
    logger: logging.Logger


@dataclass(frozen=True, slots=True)
class OrderArgs:
    """Arguments of ccxt's ``create_order``."""

    type: str
    side: str
    amount: str  # decimal strings: ccxt formats them to the venue's precision unchanged
    price: str | None
    params: dict[str, Any]


def dec(value: Any, default: Decimal | None = None) -> Decimal:
    """Return a wire value (string, int or float) as an exact Decimal."""
    if value is None or value == "":
        if default is None:
            raise ValueError("missing numeric value")
        return default
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        return Decimal(repr(value))  # shortest repr: 0.1 → Decimal("0.1"), not the binary float
    return Decimal(str(value))


def dec_or_none(value: Any) -> Decimal | None:
    """Return a wire value as Decimal, or None when absent or zero-as-missing."""
    if value is None or value == "":
        return None
    result = dec(value)
    return result if result != 0 else None


def millis(value: Any, default: int = 0) -> int:
    """Return a timestamp field in milliseconds (Orderly sometimes sends seconds.millis)."""
    if value is None or value == "":
        return default
    number = Decimal(str(value))
    return int(number * 1000) if number < 10**11 else int(number)


class VenueProfile(ABC):
    """The venue-specific half of a ccxt adapter."""

    name: ClassVar[str]
    ccxt_id: ClassVar[str]
    capabilities: ClassVar[Mapping[Capability, bool]]
    errors: ClassVar[ErrorTable]
    settle_asset: ClassVar[str]
    mainnet_url: ClassVar[str]
    testnet_url: ClassVar[str]
    trades_need_symbol: ClassVar[bool] = False  # fetch_my_trades wants a symbol
    separate_trigger_orders: ClassVar[bool] = False  # stop orders live under other routes
    default_max_leverage: ClassVar[int] = 50

    def default_url(self, testnet: bool) -> str:
        """Return the REST base URL of the network."""
        return self.testnet_url if testnet else self.mainnet_url

    @abstractmethod
    def create_client(self, settings: ClientSettings) -> Any:
        """Return a configured ccxt async client with builder fees, referrals and tags off."""

    def is_tradable(self, market: Raw) -> bool:
        """Tell whether a ccxt market is one this adapter trades (linear perpetuals)."""
        return bool(market.get("swap")) and bool(market.get("linear"))

    def instrument(self, symbol: str, market: Raw) -> Instrument:
        """Return the instrument of a ccxt market from its precision and limits."""
        precision, limits = market["precision"], market["limits"]
        step = dec(precision["amount"])
        max_qty = dec_or_none(limits["amount"].get("max"))
        max_leverage = limits.get("leverage", {}).get("max") or self.default_max_leverage
        return Instrument(
            symbol=symbol,
            tick_size=dec(precision["price"]),
            step_size=step,
            min_qty=dec(limits["amount"].get("min"), step),
            min_notional=dec(limits["cost"].get("min"), Decimal(0)),
            max_leverage=int(max_leverage),
            max_qty=max_qty if max_qty is not None and max_qty >= step else None,
        )

    def needs_reference_price(self, request: OrderRequest) -> bool:  # noqa: ARG002
        """Tell whether a market order needs a reference price (to bound its slippage)."""
        return False

    def venue_client_id(self, client_id: str) -> str:
        """Return the id the venue stores for our client id."""
        return client_id

    @abstractmethod
    def order_args(self, request: OrderRequest, reference_price: Decimal | None) -> OrderArgs:
        """Return ccxt ``create_order`` arguments carrying our client id in the venue field."""

    @abstractmethod
    def lookup_params(self, client_id: str, *, trigger: bool = False) -> dict[str, Any]:
        """Return ccxt params that address an order by client id (for fetch and cancel)."""

    @abstractmethod
    def parse_order(self, raw: Raw, symbol: str, client_id: str) -> Order:
        """Return a ccxt order (its raw ``info``) as a domain order."""

    def parse_placed(self, raw: Raw, request: OrderRequest, symbol: str) -> Order:
        """Return the order a placement answered with."""
        return self.parse_order(raw, symbol, request.client_id)

    def book_limit(self, limit: int) -> int | None:
        """Return the depth to ask the venue for when ``limit`` levels are wanted."""
        return limit

    def parse_cancel(self, raw: Raw, symbol: str, client_id: str) -> Order | None:  # noqa: ARG002
        """Return the order a cancel answered with, or None when the answer has no order."""
        return None

    @abstractmethod
    def parse_fill(self, raw: Raw, symbol: str, client_id: str) -> Fill:
        """Return a ccxt trade (its raw ``info``) as a domain fill."""

    @abstractmethod
    async def positions(self, exchange: Any, symbols: Mapping[str, str]) -> list[Position]:
        """Return non-flat positions; ``symbols`` maps ccxt symbols to ours."""

    @abstractmethod
    async def balance(self, exchange: Any) -> Balance:
        """Return the balance in the settlement asset."""

    @abstractmethod
    async def set_leverage(
        self, exchange: Any, symbol: str, leverage: int, margin_mode: MarginMode | None
    ) -> None:
        """Set leverage (and margin mode where the venue has one) on a ccxt symbol."""
