"""Per-candle equity and drawdown of many accounts at once, from a float mirror of the venue.

The venue keeps money in Decimal; sampling a hundred accounts' equity that way at every candle
would cost more than the replay itself. This book mirrors each account's wallet and positions
as floats (re-read from the venue only when the account changed: it listens to the account's
fills, funding and liquidations) and evaluates every account in one vector operation.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from gridarena.venues.base import OrderUpdate, VenueEvent
from gridarena.venues.sim.exchange import SimExchange


class EquityBook:
    """Equity curves and max drawdown for the accounts of one exchange."""

    def __init__(self, exchange: SimExchange, *, keep_curves: int = 10) -> None:
        """Track ``exchange``'s accounts; keep full curves for the first ``keep_curves``."""
        self.exchange = exchange
        self.symbols = list(exchange.markets)
        self._sym = {s: i for i, s in enumerate(self.symbols)}
        self.mult = np.array([float(exchange.mults[s]) for s in self.symbols])
        self.keep_curves = keep_curves
        self.names: list[str] = []
        self.index: dict[str, int] = {}
        self.wallet: NDArray[np.float64] = np.zeros(0)
        self.qty: NDArray[np.float64] = np.zeros((0, len(self.symbols)))
        self.entry: NDArray[np.float64] = np.zeros((0, len(self.symbols)))
        self.peak: NDArray[np.float64] = np.zeros(0)
        self.max_dd: NDArray[np.float64] = np.zeros(0)
        self.curves: dict[str, list[float]] = {}
        self._dirty: set[str] = set()

    def add(self, account: str) -> None:
        """Start tracking ``account`` from its current state."""
        if account in self.index:
            return
        self.index[account] = len(self.names)
        self.names.append(account)
        s = len(self.symbols)
        self.wallet = np.append(self.wallet, 0.0)
        self.qty = np.vstack([self.qty, np.zeros((1, s))])
        self.entry = np.vstack([self.entry, np.zeros((1, s))])
        start = float(self.exchange.accounts[account].wallet)
        self.peak = np.append(self.peak, start)
        self.max_dd = np.append(self.max_dd, 0.0)
        if len(self.curves) < self.keep_curves:
            self.curves[account] = []
        self.touch(account)
        # Every fill, funding payment or liquidation of the account, whoever placed the order
        # (a grid session, a market order of the arena, a flatten), re-reads it.
        self.exchange.subscribe(account, self._listener(account), order_updates=False)

    def _listener(self, account: str) -> Callable[[VenueEvent], None]:
        dirty = self._dirty

        def listen(event: VenueEvent) -> None:
            if not isinstance(event, OrderUpdate):
                dirty.add(account)

        return listen

    def touch(self, account: str) -> None:
        """Mark ``account`` as changed (a fill, funding or liquidation)."""
        self._dirty.add(account)

    def _sync(self) -> None:
        for account in self._dirty:
            i = self.index.get(account)
            if i is None:
                continue
            acct = self.exchange.accounts[account]
            self.wallet[i] = float(acct.wallet)
            for symbol, pos in acct.positions.items():
                j = self._sym[symbol]
                self.qty[i, j] = float(pos.qty)
                self.entry[i, j] = float(pos.entry)
        self._dirty.clear()

    def sample(self) -> NDArray[np.float64]:
        """Record every account's equity at the current marks; return it."""
        if self._dirty:
            self._sync()
        markets = self.exchange.markets
        marks = np.array([markets[s].price for s in self.symbols])
        eq: NDArray[np.float64] = self.wallet + (self.qty * self.mult * (marks - self.entry)).sum(
            axis=1
        )
        peak = self.peak
        np.maximum(peak, eq, out=peak)
        if (peak > 0).all():
            dd = (peak - eq) / peak
        else:
            with np.errstate(divide="ignore", invalid="ignore"):
                dd = np.where(peak > 0, (peak - eq) / peak, 0.0)
        np.maximum(self.max_dd, dd, out=self.max_dd)
        if self.curves:
            values = eq.tolist()
            index = self.index
            for account, curve in self.curves.items():
                curve.append(values[index[account]])
        return eq

    def max_drawdown(self, account: str) -> float:
        """Return ``account``'s largest fall from its equity peak, as a fraction."""
        return float(self.max_dd[self.index[account]])
