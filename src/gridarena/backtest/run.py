"""Run the compiled kernel on arrays and turn its vectors into typed results."""

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gridarena.backtest import layout as k
from gridarena.backtest.kernel import run_grid
from gridarena.backtest.params import GridParams

STOP_REASONS = {
    k.STOP_NONE: "none",
    k.STOP_TP: "take_profit",
    k.STOP_SL: "stop_loss",
    k.STOP_TOP: "stop_top",
    k.STOP_BOTTOM: "stop_bottom",
    k.STOP_RANGE_EXIT: "range_exit",
    k.STOP_LIQUIDATED: "liquidated",
}
FILL_KINDS = {
    k.KIND_ENTRY: "entry",
    k.KIND_EXIT: "exit",
    k.KIND_INITIAL: "initial",
    k.KIND_CLOSE: "close",
    k.KIND_LIQUIDATION: "liquidation",
}
MS_PER_YEAR = 365.0 * 24 * 3600 * 1000
_EMPTY_I64: NDArray[np.int64] = np.zeros(0, np.int64)
_EMPTY_F64: NDArray[np.float64] = np.zeros(0, np.float64)


@dataclass(frozen=True, slots=True)
class Summary:
    """Headline figures of one backtest (money in quote currency)."""

    candles: int
    fills: int
    round_trips: int
    realized_pnl: float
    unrealized_pnl: float
    fees: float
    funding: float
    final_equity: float
    max_drawdown: float
    total_return: float
    sharpe: float
    calmar: float
    grid_profit: float
    position: float
    avg_entry_price: float
    stop_reason: str
    stop_candle: int
    start_candle: int
    liquidation_loss: float
    maker_fills: int
    taker_fills: int
    trailing_shifts: int
    volume: float
    max_notional: float

    def to_dict(self) -> dict[str, Any]:
        """Return the summary as JSON-ready plain data."""
        return {name: getattr(self, name) for name in self.__slots__}


@dataclass(frozen=True)
class KernelRun:
    """Everything one kernel run produced."""

    summary: Summary
    fills: NDArray[np.float64]  # rows of FILL_COLS columns (see layout.F_*)
    equity: NDArray[np.float64]
    levels: NDArray[np.float64]  # final levels (trailing moves them)
    directions: NDArray[np.int8]
    params: GridParams = field(repr=False)


def summarize(stats: NDArray[np.float64], allocation: float, timeframe_ms: int) -> Summary:
    """Turn the kernel's summary vector into a `Summary` with annualised ratios."""
    n = int(stats[k.S_CANDLES])
    final = float(stats[k.S_FINAL_EQUITY])
    total_return = final / allocation - 1.0
    periods = MS_PER_YEAR / timeframe_ms if timeframe_ms > 0 else 0.0
    std = float(stats[k.S_RET_STD])
    sharpe = float(stats[k.S_RET_MEAN]) / std * np.sqrt(periods) if std > 0 else 0.0
    max_dd = float(stats[k.S_MAX_DRAWDOWN])
    years = n / periods if periods > 0 else 0.0
    if years > 0 and final > 0:
        # Log space with a cap: annualising a few minutes of data must not overflow.
        annual = float(np.expm1(min(np.log(final / allocation) / years, 50.0)))
    else:
        annual = -1.0
    calmar = annual / max_dd if max_dd > 0 else 0.0
    return Summary(
        candles=n,
        fills=int(stats[k.S_FILLS]),
        round_trips=int(stats[k.S_ROUND_TRIPS]),
        realized_pnl=float(stats[k.S_REALIZED]),
        unrealized_pnl=float(stats[k.S_UNREALIZED]),
        fees=float(stats[k.S_FEES]),
        funding=float(stats[k.S_FUNDING]),
        final_equity=final,
        max_drawdown=max_dd,
        total_return=total_return,
        sharpe=float(sharpe),
        calmar=float(calmar),
        grid_profit=float(stats[k.S_GRID_PROFIT]),
        position=float(stats[k.S_POSITION]),
        avg_entry_price=float(stats[k.S_AVG_PRICE]),
        stop_reason=STOP_REASONS[int(stats[k.S_STOP_REASON])],
        stop_candle=int(stats[k.S_STOP_CANDLE]),
        start_candle=int(stats[k.S_START_CANDLE]),
        liquidation_loss=float(stats[k.S_LIQ_LOSS]),
        maker_fills=int(stats[k.S_MAKER_FILLS]),
        taker_fills=int(stats[k.S_TAKER_FILLS]),
        trailing_shifts=int(stats[k.S_SHIFTS]),
        volume=float(stats[k.S_VOLUME]),
        max_notional=float(stats[k.S_MAX_NOTIONAL]),
    )


def run_kernel(
    ts: NDArray[np.int64],
    open_: NDArray[np.float64],
    high: NDArray[np.float64],
    low: NDArray[np.float64],
    close: NDArray[np.float64],
    levels: NDArray[np.float64],
    qty: NDArray[np.float64],
    params: GridParams,
    *,
    timeframe_ms: int = 60_000,
    funding_ts: NDArray[np.int64] | None = None,
    funding_rate: NDArray[np.float64] | None = None,
    record: bool = True,
    fill_capacity: int = 4096,
) -> KernelRun:
    """Run one grid over candle arrays.

    With ``record`` the fills and the equity curve are kept (the fill buffer grows and the run is
    repeated if it overflows); without it only the summary is computed, which is what sweeps use.
    """
    if levels.shape[0] < 3 or qty.shape[0] != levels.shape[0] - 1:
        raise ValueError("levels must hold N+1 >= 3 prices and qty one size per slot (N)")
    vec = params.vector()
    f_ts = _EMPTY_I64 if funding_ts is None else np.ascontiguousarray(funding_ts, np.int64)
    f_rate = _EMPTY_F64 if funding_rate is None else np.ascontiguousarray(funding_rate, np.float64)
    capacity = fill_capacity if record else 0
    while True:
        lv = np.array(levels, np.float64)
        q = np.array(qty, np.float64)
        dirs = np.zeros(q.shape[0], np.int8)
        fills = np.zeros((capacity, k.FILL_COLS), np.float64)
        equity = np.zeros(ts.shape[0] if record else 0, np.float64)
        stats = run_grid(ts, open_, high, low, close, lv, q, vec, f_ts, f_rate, fills, equity, dirs)
        if not record or stats[k.S_OVERFLOW] == 0.0:
            break
        capacity = int(stats[k.S_FILLS]) + 1
    n_fills = int(stats[k.S_FILLS])
    return KernelRun(
        summary=summarize(stats, params.allocation, timeframe_ms),
        fills=fills[: min(n_fills, fills.shape[0])],
        equity=equity,
        levels=lv,
        directions=dirs,
        params=params,
    )
