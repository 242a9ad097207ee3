# ruff: noqa: N815  (wire schemas keep Aster's camelCase field names, DESIGN.md §4)
"""Aster's JSON answers as pydantic models with the venue's field names, and their domain forms.

Numbers arrive as strings and become `Decimal` here, at the edge; nothing past this module
sees a wire string.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict

from gridarena.domain.instrument import Instrument
from gridarena.domain.orders import (
    Balance,
    BookTop,
    Fill,
    Liquidity,
    MarginMode,
    Order,
    OrderBook,
    OrderStatus,
    OrderType,
    Position,
    TimeInForce,
)
from gridarena.domain.types import Side
from gridarena.marketdata.candles import Candles

ZERO = Decimal(0)


class _Wire(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


def _positive(value: Decimal) -> Decimal | None:
    return value if value > 0 else None


class OrderWire(_Wire):
    """An order as ``/fapi/v*/order`` and ``/openOrders`` return it."""

    orderId: int
    symbol: str
    status: str
    clientOrderId: str
    side: str
    type: str
    price: Decimal = ZERO
    avgPrice: Decimal = ZERO
    origQty: Decimal = ZERO
    executedQty: Decimal = ZERO
    timeInForce: str = "GTC"
    reduceOnly: bool = False
    closePosition: bool = False
    stopPrice: Decimal = ZERO
    time: int | None = None
    updateTime: int = 0

    def to_order(self) -> Order:
        """Return the domain order; raise `ValueError` for a type or status we do not model."""
        tif = self.timeInForce if self.timeInForce in TimeInForce.__members__ else "GTC"
        created = self.time if self.time is not None else self.updateTime
        return Order(
            symbol=self.symbol,
            client_id=self.clientOrderId,
            venue_id=str(self.orderId),
            side=Side(self.side),
            type=OrderType(self.type),
            qty=self.origQty,
            price=_positive(self.price),
            status=OrderStatus(self.status),
            filled_qty=self.executedQty,
            avg_price=_positive(self.avgPrice),
            time_in_force=TimeInForce(tif),
            reduce_only=self.reduceOnly or self.closePosition,
            stop_price=_positive(self.stopPrice),
            created_ms=created,
            updated_ms=self.updateTime or created,
        )


class TradeWire(_Wire):
    """One fill from ``/userTrades`` (it names the order id, not the client id)."""

    id: int
    orderId: int
    symbol: str
    side: str
    price: Decimal
    qty: Decimal
    commission: Decimal = ZERO
    commissionAsset: str = "USDT"
    realizedPnl: Decimal = ZERO
    maker: bool = False
    time: int

    def to_fill(self, client_id: str) -> Fill:
        """Return the domain fill of the order whose client id is ``client_id``."""
        return Fill(
            trade_id=str(self.id),
            symbol=self.symbol,
            client_id=client_id,
            venue_order_id=str(self.orderId),
            side=Side(self.side),
            price=self.price,
            qty=self.qty,
            fee=self.commission,
            liquidity=Liquidity.MAKER if self.maker else Liquidity.TAKER,
            realized_pnl=self.realizedPnl,
            ts_ms=self.time,
            fee_asset=self.commissionAsset,
        )


class PositionWire(_Wire):
    """One row of ``/positionRisk`` (one-way mode: ``positionAmt`` is signed)."""

    symbol: str
    positionAmt: Decimal
    entryPrice: Decimal = ZERO
    markPrice: Decimal = ZERO
    unRealizedProfit: Decimal = ZERO
    liquidationPrice: Decimal = ZERO
    leverage: int = 1
    marginType: str = "cross"
    isolatedMargin: Decimal = ZERO

    def to_position(self) -> Position:
        """Return the domain position."""
        isolated = self.marginType.lower() == "isolated"
        return Position(
            symbol=self.symbol,
            qty=self.positionAmt,
            entry_price=self.entryPrice,
            mark_price=self.markPrice,
            unrealized_pnl=self.unRealizedProfit,
            leverage=self.leverage,
            margin_mode=MarginMode.ISOLATED if isolated else MarginMode.CROSS,
            liquidation_price=_positive(self.liquidationPrice),
            isolated_margin=self.isolatedMargin,
        )


class BalanceWire(_Wire):
    """One asset row of ``/balance``."""

    asset: str
    balance: Decimal
    crossUnPnl: Decimal = ZERO
    availableBalance: Decimal = ZERO

    def to_balance(self) -> Balance:
        """Return the domain balance."""
        return Balance(self.asset, self.balance, self.crossUnPnl, self.availableBalance)


class BookTickerWire(_Wire):
    """``/ticker/bookTicker`` for one symbol."""

    symbol: str
    bidPrice: Decimal
    bidQty: Decimal
    askPrice: Decimal
    askQty: Decimal
    time: int = 0

    def to_book_top(self) -> BookTop:
        """Return the best bid and ask."""
        return BookTop(
            self.symbol, self.bidPrice, self.bidQty, self.askPrice, self.askQty, self.time
        )


class DepthWire(_Wire):
    """``/depth``: ``[price, qty]`` levels, best first; ``T`` is the transaction time."""

    bids: list[tuple[Decimal, Decimal]]
    asks: list[tuple[Decimal, Decimal]]
    E: int = 0
    T: int = 0

    def to_book(self, symbol: str, limit: int) -> OrderBook:
        """Return at most ``limit`` levels a side."""
        return OrderBook(symbol, self.bids[:limit], self.asks[:limit], self.T or self.E)


class SymbolWire(_Wire):
    """One symbol of ``/exchangeInfo`` with its filters."""

    symbol: str
    status: str = "TRADING"
    contractType: str = "PERPETUAL"
    filters: list[dict[str, Any]] = []

    def to_instrument(self) -> Instrument:
        """Return the instrument with PRICE_FILTER, LOT_SIZE and MIN_NOTIONAL applied."""
        by_type = {str(f.get("filterType")): f for f in self.filters}
        price = by_type.get("PRICE_FILTER", {})
        lot = by_type.get("LOT_SIZE", {})
        notional = by_type.get("MIN_NOTIONAL", {})
        step = Decimal(str(lot.get("stepSize", "0")))
        max_qty = Decimal(str(lot.get("maxQty", "0")))
        return Instrument(
            symbol=self.symbol,
            tick_size=Decimal(str(price.get("tickSize", "0"))),
            step_size=step,
            min_qty=Decimal(str(lot.get("minQty", step))),
            min_notional=Decimal(str(notional.get("notional", "0"))),
            max_qty=max_qty if max_qty > 0 else None,
        )


def to_candles(symbol: str, timeframe_ms: int, rows: list[list[Any]]) -> Candles:
    """Return candles from ``/klines`` rows ``[openTime, open, high, low, close, volume, ...]``."""
    ts = np.array([int(r[0]) for r in rows], dtype=np.int64)
    cols = [np.array([float(r[k]) for r in rows], dtype=np.float64) for k in range(1, 6)]
    return Candles(symbol, timeframe_ms, ts, *cols)
