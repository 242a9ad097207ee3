"""The kernel's neutral grid written as a backtesting.py strategy, for a speed and sanity check.

Same levels, same slot sizes and directions (from `prepare`), limit orders at the levels and the
counter order one level away after each fill, the maker fee as commission. backtesting.py trades
whole units, so prices are scaled to micro-BTC with `FractionalBacktest`.

Known differences (the results are comparable, not identical): backtesting.py activates an order
placed in `next()` from the following bar, so a counter order never fills in the candle that
created it (the kernel allows it when the intrabar path reaches it); a limit order gapped
through at the open fills at the open, not at the limit; orders are checked in list order, not
along a price path.

Run alone: ``uv run --frozen --group bench python bench/grid_backtesting_py.py``.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from backtesting import Strategy
from backtesting.lib import FractionalBacktest

from gridarena.backtest.runner import PreparedGrid
from gridarena.grid.machine import assign_directions, needs_market_entry
from gridarena.marketdata.candles import Candles

UNIT = 1e-6  # backtesting.py trades whole units: one unit is one micro-BTC


class GridStrategy(Strategy):  # type: ignore[misc]
    """Neutral grid: slot k rests its entry, and after a fill its exit, one level away."""

    levels: tuple[float, ...] = ()  # in scaled (per-unit) prices
    qty: tuple[int, ...] = ()  # units per slot
    dirs: tuple[int, ...] = ()  # +1 long slot, -1 short slot

    def init(self) -> None:
        self.pending: dict[int, Any] = {}
        self.in_exit = [False] * len(self.qty)
        self.fills = 0
        self.round_trips = 0
        self.started = False

    def _place(self, k: int) -> None:
        lo, hi, long_slot = self.levels[k], self.levels[k + 1], self.dirs[k] > 0
        if not self.in_exit[k]:  # entry: long buys the lower level, short sells the upper
            buy, price = (True, lo) if long_slot else (False, hi)
        else:  # exit, one level away: long sells the upper level, short buys the lower
            buy, price = (False, hi) if long_slot else (True, lo)
        order = self.buy if buy else self.sell
        self.pending[k] = order(size=self.qty[k], limit=price)

    def next(self) -> None:
        if not self.started:
            self.started = True
            for k in range(len(self.qty)):
                self._place(k)
            return
        if len(self.orders) == len(self.pending):
            return  # nothing filled this bar: the common, cheap case
        live = {id(o) for o in self.orders}
        for k, order in list(self.pending.items()):
            if id(order) in live:
                continue
            self.fills += 1
            if self.in_exit[k]:
                self.round_trips += 1
            self.in_exit[k] = not self.in_exit[k]
            self._place(k)


@dataclass(frozen=True)
class BtpyRun:
    """Outcome of one backtesting.py run."""

    candles: int
    seconds: float
    fills: int
    round_trips: int
    final_equity: float
    commissions: float


def run_backtesting_py(
    prepared: PreparedGrid, candles: Candles, *, cash: float, leverage: float, fee: float
) -> BtpyRun:
    """Run the grid of ``prepared`` on ``candles`` with backtesting.py and time it."""
    levels = prepared.levels
    dirs = assign_directions(levels, 0, prepared.reference_price)
    for k, d in enumerate(dirs):
        if needs_market_entry(levels, k, int(d), prepared.reference_price):
            raise ValueError("only neutral grids without a market entry are mirrored here")
    frame = pd.DataFrame(
        {
            "Open": candles.open,
            "High": candles.high,
            "Low": candles.low,
            "Close": candles.close,
            "Volume": candles.volume,
        },
        index=pd.to_datetime(candles.ts_ms, unit="ms"),
    )
    bt = FractionalBacktest(
        frame,
        GridStrategy,
        cash=cash,
        commission=fee,
        margin=1.0 / leverage,
        fractional_unit=UNIT,
    )
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # open trades at the end, progress bars, etc.
        stats = bt.run(
            levels=tuple(float(x) * UNIT for x in levels),
            qty=tuple(round(float(q) / UNIT) for q in prepared.qty),
            dirs=tuple(int(d) for d in dirs),
        )
    seconds = time.perf_counter() - t0
    strategy = stats["_strategy"]
    return BtpyRun(
        candles=len(candles),
        seconds=seconds,
        fills=strategy.fills,
        round_trips=strategy.round_trips,
        final_equity=float(stats["Equity Final [$]"]),
        commissions=float(stats.get("Commissions [$]", np.nan)),
    )


if __name__ == "__main__":
    from bench_kernel import btc_2024, month_comparison

    month_comparison(btc_2024().slice(0, 31 * 1440))
