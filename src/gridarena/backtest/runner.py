"""Backtest a validated `GridSpec` on candles: spec → levels and sizes → compiled kernel."""

import dataclasses
import time
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gridarena._jit import interpreted
from gridarena.backtest.params import GridParams
from gridarena.backtest.run import KernelRun, run_kernel
from gridarena.domain.fees import BINANCE_USDM_FEES, FeeSchedule
from gridarena.domain.instrument import Instrument, instrument_for
from gridarena.domain.types import Direction, RangeExit, Spacing
from gridarena.grid import machine
from gridarena.grid.levels import build_levels
from gridarena.grid.sizing import size_slots, slot_entry_prices
from gridarena.grid.spec import GridSpec
from gridarena.indicators import atr as atr_indicator
from gridarena.marketdata.candles import Candles, Funding

_DIRECTION = {Direction.LONG: 1, Direction.SHORT: -1, Direction.NEUTRAL: 0}


@dataclass(frozen=True, slots=True)
class BacktestConfig:
    """How the market is simulated; recorded in every report.

    ``fill_rule``: "touch" fills a resting buy when the low reaches its price, "cross" only when
    it trades below. ``path``: "nearest" walks open → nearer extreme → farther extreme → close;
    "ohlc" / "olhc" fix the order.
    """

    fill_rule: str = "cross"
    path: str = "nearest"
    fees: FeeSchedule = BINANCE_USDM_FEES
    slippage_bps: float = 0.0
    maintenance_margin: float = 0.004

    def to_dict(self) -> dict[str, Any]:
        """Return the configuration as plain data."""
        return {
            "fill_rule": self.fill_rule,
            "path": self.path,
            "maker_fee": float(self.fees.maker),
            "taker_fee": float(self.fees.taker),
            "slippage_bps": self.slippage_bps,
            "maintenance_margin": self.maintenance_margin,
        }


@dataclass(frozen=True)
class PreparedGrid:
    """Kernel inputs derived from a spec at the grid's start."""

    levels: NDArray[np.float64]
    qty: NDArray[np.float64]
    params: GridParams
    start_index: int  # candles before it only warm up indicators (ATR spacing)
    reference_price: float
    instrument: Instrument


@dataclass(frozen=True)
class BacktestResult:
    """A finished backtest: inputs, kernel output and wall time."""

    spec: GridSpec
    config: BacktestConfig
    prepared: PreparedGrid
    run: KernelRun
    candles: Candles
    elapsed_s: float
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON summary printed by ``gridarena backtest --json``."""
        s = self.run.summary.to_dict()
        return {
            "symbol": self.spec.symbol,
            **s,
            "elapsed_s": self.elapsed_s,
            "initial_equity": self.run.params.allocation,
            "start_ts_ms": int(self.candles.ts_ms[0]) if len(self.candles) else None,
            "end_ts_ms": int(self.candles.ts_ms[-1]) if len(self.candles) else None,
            "levels": len(self.prepared.levels),
            "lower": float(self.prepared.levels[0]),
            "upper": float(self.prepared.levels[-1]),
            "config": self.config.to_dict(),
            **self.extra,
        }


def price_tick(prices: NDArray[np.float64], sample: int = 2000) -> Decimal:
    """Return the coarsest power-of-ten tick every sampled price is a multiple of."""
    decimals = 0
    for x in prices[:sample]:
        text = repr(float(x))
        if "e" in text or "E" in text:
            text = f"{Decimal(text):f}"
        if "." in text:
            decimals = max(decimals, len(text.split(".")[1].rstrip("0")))
    return Decimal(1).scaleb(-decimals)


def instrument_for_candles(symbol: str, candles: Candles) -> Instrument:
    """Return the symbol's instrument with a tick fine enough for the candles' prices.

    Replays of spot data (BTCUSDT ticks at 0.01) on a USD-M preset (0.10) would otherwise put
    the market itself off the venue's price grid.
    """
    inst = instrument_for(symbol, reference_price=float(candles.open[0]))
    tick = price_tick(candles.open)
    if tick < inst.tick_size:
        inst = dataclasses.replace(inst, tick_size=tick)
    return inst


def _atr_at_start(spec: GridSpec, candles: Candles) -> tuple[float | None, int]:
    """Return the ATR known before the first traded candle and that candle's index."""
    if spec.spacing is not Spacing.ATR and spec.risk_per_level is None:
        return None, 0
    warmup = spec.atr_period + 1
    if len(candles) <= warmup:
        raise ValueError(
            f"atr_period: {len(candles)} candles cannot warm up a {spec.atr_period}-period ATR"
        )
    values = atr_indicator(candles.high[:warmup], candles.low[:warmup], candles.close[:warmup])
    return float(values[-1]), warmup


def prepare(
    spec: GridSpec,
    candles: Candles,
    *,
    config: BacktestConfig = BacktestConfig(),
    instrument: Instrument | None = None,
) -> PreparedGrid:
    """Derive levels, slot sizes and kernel parameters, validating the spec against the market.

    The grid starts at the trigger price when one is set, else at the first open after the
    indicator warm-up; slot directions and sizes are computed for that price, exactly as the
    kernel will assign them.
    """
    if len(candles) == 0:
        raise ValueError("candles: no data to backtest")
    atr, start = _atr_at_start(spec, candles)
    first_open = float(candles.open[start])
    ref = float(spec.trigger_price) if spec.trigger_price is not None else first_open
    inst = instrument or instrument_for_candles(spec.symbol, candles)
    spec.check_spacing(config.fees.maker, reference_price=ref, atr=atr)
    levels = build_levels(spec, inst, reference_price=ref, atr=atr)
    # Plain Python here: one call per grid is not worth loading the compiled code for.
    dirs = interpreted(machine.assign_directions)(levels, _DIRECTION[spec.direction], ref)
    qty = size_slots(spec, inst, slot_entry_prices(levels, dirs), reference_price=ref, atr=atr)
    params = GridParams(
        allocation=float(spec.base_allocation),
        direction=spec.direction.value.lower(),
        leverage=float(spec.leverage),
        maker_fee=float(config.fees.maker),
        taker_fee=float(config.fees.taker),
        slippage=config.slippage_bps / 10_000.0,
        maintenance_margin=config.maintenance_margin,
        multiplier=float(inst.contract_multiplier),
        tp_pct=float(spec.tp_pct or 0),
        sl_pct=float(spec.sl_pct or 0),
        stop_top=float(spec.stop_top or 0),
        stop_bottom=float(spec.stop_bottom or 0),
        trigger_price=float(spec.trigger_price or 0),
        range_exit=spec.range_exit.value if spec.range_exit is not RangeExit.NONE else "none",
        trailing_up=spec.trailing_up,
        trailing_down=spec.trailing_down,
        fill_rule=config.fill_rule,
        path=config.path,
        geometric=spec.spacing in (Spacing.GEOMETRIC, Spacing.GEOMETRIC_FROM_PRICE),
        tick=float(inst.tick_size),
        step=float(inst.step_size),
        entry_maker=spec.entry_mode != "taker",
    )
    return PreparedGrid(levels, qty, params, start, ref, inst)


def run_backtest(
    spec: GridSpec,
    candles: Candles,
    *,
    config: BacktestConfig = BacktestConfig(),
    funding: Funding | None = None,
    instrument: Instrument | None = None,
    record: bool = True,
) -> BacktestResult:
    """Backtest ``spec`` on ``candles`` (and ``funding`` events for perpetuals)."""
    t0 = time.perf_counter()
    prepared = prepare(spec, candles, config=config, instrument=instrument)
    traded = candles.slice(prepared.start_index) if prepared.start_index else candles
    run = run_kernel(
        traded.ts_ms,
        traded.open,
        traded.high,
        traded.low,
        traded.close,
        prepared.levels,
        prepared.qty,
        prepared.params,
        timeframe_ms=traded.timeframe_ms,
        funding_ts=funding.ts_ms if funding is not None else None,
        funding_rate=funding.rate if funding is not None else None,
        record=record,
    )
    return BacktestResult(spec, config, prepared, run, traded, time.perf_counter() - t0)


def with_overrides(spec: GridSpec, **changes: Any) -> GridSpec:
    """Return ``spec`` with ``changes`` applied and re-validated (used by sweeps)."""
    data = spec.model_dump()
    data.update(changes)
    return GridSpec.model_validate(data)


def decimal_or_none(value: float | None) -> Decimal | None:
    """Convert an optional CLI float to Decimal through its repr (no binary expansion)."""
    return None if value is None else Decimal(repr(value))


__all__ = [
    "BacktestConfig",
    "BacktestResult",
    "PreparedGrid",
    "prepare",
    "run_backtest",
    "with_overrides",
]
