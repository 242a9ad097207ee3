"""Exact (Decimal) perpetual-futures accounts of the simulated venue.

The rules are those of `gridarena.grid.ledger` (one-way net position, average entry price,
realized PnL on reduction, fees and funding from the wallet), in Decimal because this is the
system of record for paper trading.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal

from gridarena.domain.orders import MarginMode

ZERO = Decimal(0)
# Venues report money and prices at fixed precision (Binance USD-M: 8 decimals for USDT
# amounts); unbounded Decimal division would otherwise grow 28-digit averages.
MONEY_Q = Decimal("1e-8")
PRICE_Q = Decimal("1e-10")


def money(x: Decimal) -> Decimal:
    """Round a quote amount to the venue's precision."""
    return x.quantize(MONEY_Q, rounding=ROUND_HALF_EVEN)


@dataclass(slots=True)
class SimPosition:
    """A net position; ``qty`` > 0 long, < 0 short."""

    qty: Decimal = ZERO
    entry: Decimal = ZERO
    isolated_margin: Decimal = ZERO  # margin fenced for an isolated position


@dataclass(slots=True)
class SimAccount:
    """One sub-account: wallet, positions, leverage and margin mode per symbol."""

    name: str
    wallet: Decimal
    positions: dict[str, SimPosition] = field(default_factory=dict)
    leverage: dict[str, int] = field(default_factory=dict)
    margin_mode: dict[str, MarginMode] = field(default_factory=dict)
    realized: Decimal = ZERO
    fees: Decimal = ZERO
    funding: Decimal = ZERO
    liquidation_loss: Decimal = ZERO

    def position(self, symbol: str) -> SimPosition:
        """Return the position in ``symbol`` (created flat on first use)."""
        pos = self.positions.get(symbol)
        if pos is None:
            pos = self.positions[symbol] = SimPosition()
        return pos

    def apply_fill(
        self, symbol: str, side: int, price: Decimal, qty: Decimal, fee: Decimal, mult: Decimal
    ) -> Decimal:
        """Book a fill (side +1 buy, −1 sell) and its fee; return the realized PnL."""
        pos = self.position(symbol)
        fee = money(fee)
        self.wallet -= fee
        self.fees += fee
        dq = qty if side > 0 else -qty
        realized = ZERO
        new_qty = pos.qty + dq
        if pos.qty == 0 or (pos.qty > 0) == (dq > 0):
            pos.entry = ((pos.entry * abs(pos.qty) + price * qty) / abs(new_qty)).quantize(
                PRICE_Q, rounding=ROUND_HALF_EVEN
            )
        else:
            closed = min(qty, abs(pos.qty))
            direction = 1 if pos.qty > 0 else -1
            realized = money(closed * mult * (price - pos.entry) * direction)
            self.wallet += realized
            self.realized += realized
            if new_qty == 0:
                pos.entry = ZERO
            elif (new_qty > 0) != (pos.qty > 0):
                pos.entry = price
        pos.qty = new_qty
        if self.margin_mode.get(symbol, MarginMode.CROSS) is MarginMode.ISOLATED:
            lev = Decimal(self.leverage.get(symbol, 1))
            pos.isolated_margin = abs(new_qty) * pos.entry * mult / lev if new_qty else ZERO
        return realized

    def apply_funding(self, symbol: str, mark: Decimal, rate: Decimal, mult: Decimal) -> Decimal:
        """Pay (longs, rate > 0) or receive funding on the position; return the amount."""
        pos = self.positions.get(symbol)
        if pos is None or pos.qty == 0:
            return ZERO
        amount = money(-pos.qty * mult * mark * rate)
        self.wallet += amount
        self.funding += amount
        return amount

    def unrealized(self, marks: dict[str, Decimal], mults: dict[str, Decimal]) -> Decimal:
        """Return the unrealized PnL of every position at ``marks``."""
        total = ZERO
        for symbol, pos in self.positions.items():
            if pos.qty:
                total += pos.qty * mults[symbol] * (marks[symbol] - pos.entry)
        return total

    def initial_margin(self, marks: dict[str, Decimal], mults: dict[str, Decimal]) -> Decimal:
        """Return the initial margin the open positions hold."""
        total = ZERO
        for symbol, pos in self.positions.items():
            if pos.qty:
                lev = Decimal(self.leverage.get(symbol, 1))
                total += abs(pos.qty) * mults[symbol] * marks[symbol] / lev
        return total


def liquidation_price(
    qty: Decimal, entry: Decimal, margin: Decimal, mult: Decimal, mmr: Decimal
) -> Decimal | None:
    """Return the mark at which ``margin`` + unrealized PnL falls to the maintenance margin.

    ``margin`` is the wallet (cross, with other positions' PnL folded in) or the isolated
    margin. The formula is the kernel's, so paper and backtest liquidate at the same price.
    """
    if qty == 0:
        return None
    q = abs(qty) * mult
    if qty > 0:
        px = (q * entry - margin) / (q * (1 - mmr))
        return px.quantize(PRICE_Q, rounding=ROUND_HALF_EVEN) if px > 0 else None
    return ((margin + q * entry) / (q * (1 + mmr))).quantize(PRICE_Q, rounding=ROUND_HALF_EVEN)
