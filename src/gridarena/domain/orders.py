"""Orders, fills, positions and balances as every venue reports them (money in Decimal)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from gridarena.domain.types import Side


class OrderType(StrEnum):
    """Order types the venues share (Binance USD-M names)."""

    LIMIT = "LIMIT"
    MARKET = "MARKET"
    STOP_MARKET = "STOP_MARKET"
    TAKE_PROFIT_MARKET = "TAKE_PROFIT_MARKET"


class TimeInForce(StrEnum):
    """Time in force; GTX is post-only (rejected instead of taking liquidity)."""

    GTC = "GTC"
    IOC = "IOC"
    FOK = "FOK"
    GTX = "GTX"


class OrderStatus(StrEnum):
    """Venue-side order status."""

    NEW = "NEW"
    PARTIALLY_FILLED = "PARTIALLY_FILLED"
    FILLED = "FILLED"
    CANCELED = "CANCELED"
    REJECTED = "REJECTED"
    EXPIRED = "EXPIRED"

    @property
    def is_open(self) -> bool:
        """Tell whether the order can still fill."""
        return self in (OrderStatus.NEW, OrderStatus.PARTIALLY_FILLED)


class Liquidity(StrEnum):
    """Whether a fill added (maker) or took (taker) liquidity."""

    MAKER = "MAKER"
    TAKER = "TAKER"


class MarginMode(StrEnum):
    """Cross margin shares the wallet across positions; isolated fences each position."""

    CROSS = "CROSS"
    ISOLATED = "ISOLATED"


@dataclass(frozen=True, slots=True)
class OrderRequest:
    """What the engine asks a venue to do; ``client_id`` makes the request idempotent."""

    symbol: str
    side: Side
    type: OrderType
    qty: Decimal
    client_id: str
    price: Decimal | None = None
    time_in_force: TimeInForce = TimeInForce.GTC
    reduce_only: bool = False
    stop_price: Decimal | None = None
    close_position: bool = False

    @property
    def post_only(self) -> bool:
        """Tell whether the order must not take liquidity."""
        return self.time_in_force is TimeInForce.GTX


@dataclass(frozen=True, slots=True)
class Order:
    """A venue's view of one order."""

    symbol: str
    client_id: str
    venue_id: str
    side: Side
    type: OrderType
    qty: Decimal
    price: Decimal | None
    status: OrderStatus
    filled_qty: Decimal = Decimal(0)
    avg_price: Decimal | None = None
    time_in_force: TimeInForce = TimeInForce.GTC
    reduce_only: bool = False
    stop_price: Decimal | None = None
    created_ms: int = 0
    updated_ms: int = 0


@dataclass(frozen=True, slots=True)
class Fill:
    """One execution against an order."""

    trade_id: str
    symbol: str
    client_id: str
    venue_order_id: str
    side: Side
    price: Decimal
    qty: Decimal
    fee: Decimal
    liquidity: Liquidity
    realized_pnl: Decimal
    ts_ms: int
    fee_asset: str = "USDT"
    candle: int | None = None  # simulator only: index of the candle that produced it


@dataclass(frozen=True, slots=True)
class Position:
    """A net (one-way) position in one symbol."""

    symbol: str
    qty: Decimal  # signed: > 0 long, < 0 short
    entry_price: Decimal
    mark_price: Decimal
    unrealized_pnl: Decimal
    leverage: int
    margin_mode: MarginMode = MarginMode.CROSS
    liquidation_price: Decimal | None = None
    isolated_margin: Decimal = Decimal(0)


@dataclass(frozen=True, slots=True)
class Balance:
    """Account money in the settlement asset."""

    asset: str
    wallet: Decimal  # deposits + realized PnL − fees ± funding
    unrealized_pnl: Decimal
    available: Decimal  # what new orders may use as margin

    @property
    def equity(self) -> Decimal:
        """Return wallet balance plus unrealized PnL (the margin balance)."""
        return self.wallet + self.unrealized_pnl


@dataclass(frozen=True, slots=True)
class BookTop:
    """Best bid and ask."""

    symbol: str
    bid: Decimal
    bid_qty: Decimal
    ask: Decimal
    ask_qty: Decimal
    ts_ms: int


@dataclass(frozen=True, slots=True)
class OrderBook:
    """Price levels of a book, best first."""

    symbol: str
    bids: list[tuple[Decimal, Decimal]] = field(default_factory=list)
    asks: list[tuple[Decimal, Decimal]] = field(default_factory=list)
    ts_ms: int = 0
