"""Orders and trades in Binance USD-M's JSON: field names, string decimals, integer ids.

Wire formats keep the venue's names (DESIGN.md §4); decimals travel as strings formatted to the
instrument's tick and step, money to eight places, as Binance sends them.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from fastapi.responses import JSONResponse

from gridarena.domain.instrument import Instrument
from gridarena.domain.orders import Fill, Liquidity
from gridarena.domain.types import Side
from gridarena.venues.sim.book import SimOrder

ZERO = Decimal(0)
MONEY_PLACES = 8

JSON = dict[str, object]


def places(unit: Decimal) -> int:
    """Return the number of decimals a tick or step has (0.10 → 1, 0.001 → 3, 5 → 0)."""
    exponent = unit.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def fmt(value: Decimal | None, digits: int) -> str:
    """Format ``value`` with exactly ``digits`` decimals (None → zero)."""
    v = value if value is not None else ZERO
    quantum = Decimal(1).scaleb(-digits)
    q = v.quantize(quantum, rounding=ROUND_HALF_UP)
    return f"{abs(q) if q == 0 else q:f}"  # never "-0.000": Binance sends no negative zero


def money(value: Decimal | None) -> str:
    """Format an amount of the settlement asset (eight decimals)."""
    return fmt(value, MONEY_PLACES)


class Formats:
    """Decimal formats of one instrument."""

    __slots__ = ("instrument", "price_places", "qty_places")

    def __init__(self, instrument: Instrument) -> None:
        self.instrument = instrument
        self.price_places = places(instrument.tick_size)
        self.qty_places = places(instrument.step_size)

    def price(self, value: Decimal | None) -> str:
        """Format a price to the tick's decimals."""
        return fmt(value, self.price_places)

    def qty(self, value: Decimal | None) -> str:
        """Format a quantity to the step's decimals."""
        return fmt(value, self.qty_places)


def order_json(order: SimOrder, f: Formats, *, with_time: bool, with_cum_qty: bool) -> JSON:
    """Return an order as Binance's order endpoints do.

    ``GET /fapi/v1/order`` carries ``time``; ``POST``/``DELETE`` answers carry ``cumQty``.
    """
    r = order.request
    mult = f.instrument.contract_multiplier
    avg = order.avg_price or ZERO
    out: JSON = {
        "orderId": int(order.venue_id),
        "symbol": r.symbol,
        "status": order.status.value,
        "clientOrderId": r.client_id,
        "price": f.price(r.price),
        "avgPrice": money(avg),
        "origQty": f.qty(r.qty),
        "executedQty": f.qty(order.filled),
        "cumQuote": money(avg * order.filled * mult),
        "timeInForce": r.time_in_force.value,
        "type": r.type.value,
        "reduceOnly": r.reduce_only or r.close_position,
        "closePosition": r.close_position,
        "side": r.side.value,
        "positionSide": "BOTH",
        "stopPrice": f.price(r.stop_price),
        "workingType": "CONTRACT_PRICE",
        "priceProtect": False,
        "origType": r.type.value,
        "priceMatch": "NONE",
        "selfTradePreventionMode": "NONE",
        "goodTillDate": 0,
        "updateTime": order.updated_ms or order.created_ms,
    }
    if with_cum_qty:
        out["cumQty"] = f.qty(order.filled)
    if with_time:
        out["time"] = order.created_ms
    return out


def ack_json(order: SimOrder, f: Formats) -> JSON:
    """Return the ``newOrderRespType=ACK`` answer: the order as the venue first saw it."""
    out = order_json(order, f, with_time=False, with_cum_qty=True)
    zero_qty = f.qty(ZERO)
    out.update(
        status="NEW",
        executedQty=zero_qty,
        cumQty=zero_qty,
        cumQuote=money(ZERO),
        avgPrice=money(ZERO),
        updateTime=order.created_ms,
    )
    return out


def trade_id(fill: Fill) -> int:
    """Return the numeric trade id of a simulator fill (``"BTCUSDT-17"`` → 17)."""
    return int(fill.trade_id.rsplit("-", 1)[-1])


def trade_json(fill: Fill, f: Formats) -> JSON:
    """Return a fill as ``GET /fapi/v1/userTrades`` does."""
    mult = f.instrument.contract_multiplier
    return {
        "buyer": fill.side is Side.BUY,
        "commission": money(fill.fee),
        "commissionAsset": fill.fee_asset,
        "id": trade_id(fill),
        "maker": fill.liquidity is Liquidity.MAKER,
        "orderId": int(fill.venue_order_id),
        "price": f.price(fill.price),
        "qty": f.qty(fill.qty),
        "quoteQty": money(fill.price * fill.qty * mult),
        "realizedPnl": money(fill.realized_pnl),
        "side": fill.side.value,
        "positionSide": "BOTH",
        "symbol": fill.symbol,
        "time": fill.ts_ms,
    }


def reply(data: object, status: int = 200) -> JSONResponse:
    """Return ``data`` as a compact JSON response (no model validation on the hot path)."""
    return JSONResponse(data, status_code=status)
