"""Tradable instrument and its venue filters (tick, step, minimum quantity and notional)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal, localcontext
from typing import Literal

from gridarena.domain.money import DecimalLike, to_decimal

RoundMode = Literal["nearest", "down", "up"]

_ROUNDING = {"nearest": ROUND_HALF_UP, "down": ROUND_FLOOR, "up": ROUND_CEILING}


class FilterViolation(ValueError):
    """An order a venue would reject; `code` mirrors the venue's filter name."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


# Enough digits that price/tick and qty/step are exact for any realistic magnitude; the
# default 28 would silently round e.g. 1e20 / 1e-10 and yield an off-grid result.
_PRECISION = 80


def _snap(value: Decimal, unit: Decimal, rounding: str) -> Decimal:
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        return (value / unit).to_integral_value(rounding=rounding) * unit


def _multiple_of(value: Decimal, unit: Decimal) -> bool:
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        return value % unit == 0


@dataclass(frozen=True, slots=True)
class Instrument:
    """A symbol with the filters every order price and quantity must satisfy.

    Notional is `price × qty × contract_multiplier` in quote currency.
    """

    symbol: str
    tick_size: Decimal
    step_size: Decimal
    min_qty: Decimal
    min_notional: Decimal
    contract_multiplier: Decimal = Decimal(1)
    max_leverage: int = 125
    max_qty: Decimal | None = None

    def __post_init__(self) -> None:
        if not self.symbol:
            raise ValueError("symbol must not be empty")
        # Accept int/str/float from callers and presets, but store exact Decimals.
        for name in ("tick_size", "step_size", "min_qty", "min_notional", "contract_multiplier"):
            object.__setattr__(self, name, to_decimal(getattr(self, name), name=name))
        if self.max_qty is not None:
            object.__setattr__(self, "max_qty", to_decimal(self.max_qty, name="max_qty"))
        for name in ("tick_size", "step_size", "contract_multiplier"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be > 0, got {getattr(self, name)}")
        if self.min_qty < 0 or self.min_notional < 0:
            raise ValueError("min_qty and min_notional must be >= 0")
        if self.max_qty is not None and self.max_qty < max(self.min_qty, self.step_size):
            raise ValueError(f"max_qty {self.max_qty} is below min_qty/step_size")
        if self.max_leverage < 1:
            raise ValueError(f"max_leverage must be >= 1, got {self.max_leverage}")

    def round_price(self, price: DecimalLike, mode: RoundMode = "nearest") -> Decimal:
        """Round `price` to a multiple of the tick; raise PRICE_FILTER if it is not positive."""
        value = to_decimal(price, name="price")
        if value <= 0:
            raise FilterViolation("PRICE_FILTER", f"price must be > 0, got {value}")
        rounded = _snap(value, self.tick_size, _ROUNDING[mode])
        if rounded <= 0:
            raise FilterViolation(
                "PRICE_FILTER", f"price {value} rounds {mode} to 0 with tick {self.tick_size}"
            )
        return rounded

    def round_qty(self, qty: DecimalLike) -> Decimal:
        """Round `qty` down to a multiple of the step (never more than asked); may return 0."""
        value = to_decimal(qty, name="qty")
        if value <= 0:
            return Decimal(0)
        return _snap(value, self.step_size, ROUND_FLOOR)

    def notional(self, price: DecimalLike, qty: DecimalLike) -> Decimal:
        """Return `price × qty × contract_multiplier` in quote currency."""
        p = to_decimal(price, name="price")
        return p * to_decimal(qty, name="qty") * self.contract_multiplier

    def check(self, price: DecimalLike, qty: DecimalLike) -> None:
        """Raise `FilterViolation` if a venue would reject an order at `price` for `qty`."""
        p = to_decimal(price, name="price")
        q = to_decimal(qty, name="qty")
        if p <= 0 or not _multiple_of(p, self.tick_size):
            raise FilterViolation(
                "PRICE_FILTER", f"price {p} is not a positive multiple of tick {self.tick_size}"
            )
        if q <= 0 or not _multiple_of(q, self.step_size):
            raise FilterViolation(
                "LOT_SIZE", f"qty {q} is not a positive multiple of step {self.step_size}"
            )
        if q < self.min_qty:
            raise FilterViolation("LOT_SIZE", f"qty {q} is below min_qty {self.min_qty}")
        if self.max_qty is not None and q > self.max_qty:
            raise FilterViolation("MAX_QTY", f"qty {q} is above max_qty {self.max_qty}")
        notional = self.notional(p, q)
        if notional < self.min_notional:
            raise FilterViolation(
                "MIN_NOTIONAL", f"notional {notional} is below min_notional {self.min_notional}"
            )


def _usdm(
    symbol: str, tick: str, step: str, min_notional: str, max_qty: str, max_leverage: int
) -> Instrument:
    return Instrument(
        symbol=symbol,
        tick_size=Decimal(tick),
        step_size=Decimal(step),
        min_qty=Decimal(step),
        min_notional=Decimal(min_notional),
        max_leverage=max_leverage,
        max_qty=Decimal(max_qty),
    )


def _cme_micro(symbol: str, multiplier: int) -> Instrument:
    # One contract is the smallest lot; the exchange has no notional floor. "Leverage" for a
    # futures contract is notional / initial margin; 20 is a conservative bound for micros.
    return Instrument(
        symbol=symbol,
        tick_size=Decimal("0.25"),
        step_size=Decimal(1),
        min_qty=Decimal(1),
        min_notional=Decimal(0),
        contract_multiplier=Decimal(multiplier),
        max_leverage=20,
        max_qty=Decimal(1000),
    )


# Snapshots of Binance USD-M perpetual filters (GET /fapi/v1/exchangeInfo; LOT_SIZE maxQty).
# Live adapters must refresh them from the venue; these keep backtests and the sim realistic.
INSTRUMENTS: dict[str, Instrument] = {
    i.symbol: i
    for i in (
        _usdm("BTCUSDT", "0.10", "0.001", "100", "1000", 125),
        _usdm("ETHUSDT", "0.01", "0.001", "20", "10000", 125),
        _usdm("SOLUSDT", "0.01", "1", "5", "1000000", 100),
        _usdm("BNBUSDT", "0.01", "0.01", "5", "100000", 75),
        _usdm("XRPUSDT", "0.0001", "0.1", "5", "10000000", 75),
        _usdm("ADAUSDT", "0.0001", "1", "5", "10000000", 75),
        _usdm("LINKUSDT", "0.001", "0.01", "20", "1000000", 75),
        _usdm("LTCUSDT", "0.01", "0.001", "20", "100000", 75),
        _usdm("AVAXUSDT", "0.001", "1", "5", "1000000", 75),
        _usdm("DOGEUSDT", "0.00001", "1", "5", "50000000", 75),
        _cme_micro("MES", 5),
        _cme_micro("MNQ", 2),
    )
}


def normalize_symbol(symbol: str) -> str:
    """Return the compact venue spelling: `btc/usdt:usdt`, `BTC-USDT`, `BTCUSDT_PERP` → BTCUSDT."""
    compact = symbol.strip().upper().split(":", 1)[0]
    for sep in ("/", "-", "_"):
        compact = compact.replace(sep, "")
    return compact.removesuffix("PERP")


def _power_of_ten(x: float) -> Decimal:
    return Decimal(1).scaleb(math.floor(math.log10(x)))


def instrument_for(symbol: str, *, reference_price: float | None = None) -> Instrument:
    """Return the preset for `symbol`, or infer a generic instrument from `reference_price`.

    The inferred tick is 1e-5 of the price floored to a power of ten (BTC at 60 000 → 0.1),
    and one step is worth 0.1 to 1 quote unit, so a grid of a few hundred quote per level is
    never blocked by the filters.
    """
    key = normalize_symbol(symbol)
    preset = INSTRUMENTS.get(key)
    if preset is not None:
        return preset
    if reference_price is None:
        raise ValueError(f"unknown symbol {symbol!r}: pass reference_price to infer its filters")
    if not math.isfinite(reference_price) or reference_price <= 0:
        raise ValueError(f"reference_price must be a positive finite number, got {reference_price}")
    step = _power_of_ten(1.0 / reference_price)
    return Instrument(
        symbol=key,
        tick_size=_power_of_ten(reference_price * 1e-5),
        step_size=step,
        min_qty=step,
        # Binance USD-M's floor for most symbols.
        min_notional=Decimal(5),
    )
