"""Parity: a paper run on the simulated venue and the compiled backtest fill alike, to the cent.

Same candles, spec and fill rule; every direction and spacing; real files and generated markets.
"""

from decimal import Decimal

import numpy as np
import pytest

from gridarena.backtest import layout as k
from gridarena.backtest.runner import BacktestConfig, run_backtest
from gridarena.domain.fees import FeeSchedule
from gridarena.engine.build import open_supervisor, paper_run
from gridarena.grid.spec import GridSpec
from gridarena.marketdata.candles import Candles
from gridarena.marketdata.generator import generate_market
from gridarena.marketdata.loader import load_candles
from gridarena.marketdata.paths import shared_market_dir

Row = tuple[int, int, float, float]

REAL = [
    ("binance_spot_BTCUSDT_1m/BTCUSDT_1m_2024.parquet", "BTCUSDT"),
    ("binance_usdm_1m_2025-05/ETHUSDT_PERP_1m.parquet", "ETHUSDT"),
    ("binance_spot_1m_5sym_2026-03/SOLUSDT_1m.parquet", "SOLUSDT"),
]


def _real(name: str, rows: int) -> Candles:
    path = shared_market_dir() / name
    if not path.exists():
        pytest.skip(f"real market data not found at {path} (see ../shared/data/market)")
    return load_candles(path).slice(0, rows)


def _spec(candles: Candles, symbol: str, direction: str, spacing: str) -> GridSpec:
    lo, hi = float(candles.low.min()), float(candles.high.max())
    return GridSpec(
        symbol=symbol,
        lower=f"{lo * 0.995:.2f}",
        upper=f"{hi * 1.005:.2f}",
        grids=24,
        spacing=spacing,
        direction=direction,
        base_allocation=20_000,
        leverage=2,
        entry_mode="taker" if direction == "short" else "maker_first",
    )


def _backtest_rows(
    spec: GridSpec, candles: Candles, config: BacktestConfig
) -> tuple[list[Row], float]:
    run = run_backtest(spec, candles, config=config).run
    rows = [
        (int(f[k.F_CANDLE]), int(f[k.F_SIDE]), round(float(f[k.F_PRICE]), 8), float(f[k.F_QTY]))
        for f in run.fills
    ]
    return rows, run.summary.realized_pnl


async def _paper_rows(
    spec: GridSpec, candles: Candles, config: BacktestConfig
) -> tuple[list[Row], float]:
    engine, _session, _prep = paper_run(
        spec, candles, config=config, balance=60_000, supervisor=open_supervisor()
    )
    await engine.run()
    await engine.close()
    rows = [
        (
            int(f.candle or 0),
            1 if f.side.value == "BUY" else -1,
            round(float(f.price), 8),
            float(f.qty),
        )
        for f in engine.exchange.fills["paper"]
    ]
    return rows, float(engine.exchange.accounts["paper"].realized)


CONFIGS = {
    "cross-nearest": BacktestConfig(fill_rule="cross", path="nearest"),
    "touch-ohlc-slip": BacktestConfig(fill_rule="touch", path="ohlc", slippage_bps=3.0),
}


@pytest.mark.parametrize(("name", "symbol"), REAL)
@pytest.mark.parametrize("direction", ["long", "short", "neutral"])
@pytest.mark.parametrize("spacing", ["arithmetic", "geometric"])
@pytest.mark.parametrize("config_name", list(CONFIGS))
async def test_paper_when_real_candles_then_fills_and_realized_pnl_equal_backtest(
    name: str, symbol: str, direction: str, spacing: str, config_name: str
) -> None:
    candles = _real(name, 2000)
    spec = _spec(candles, symbol, direction, spacing)
    config = CONFIGS[config_name]
    expected, expected_pnl = _backtest_rows(spec, candles, config)
    got, got_pnl = await _paper_rows(spec, candles, config)
    assert len(expected) > 20, "the slice should trade the grid"
    assert got == expected
    assert round(got_pnl, 2) == round(expected_pnl, 2)


@pytest.mark.parametrize("seed", [3, 17])
@pytest.mark.parametrize("direction", ["long", "short", "neutral"])
async def test_paper_when_generated_market_then_fills_and_realized_pnl_equal_backtest(
    seed: int, direction: str
) -> None:
    candles = generate_market(seed=seed, n_candles=3000)
    spec = _spec(candles, "BTCUSDT", direction, "arithmetic")
    config = BacktestConfig(fees=FeeSchedule(maker=Decimal("0.0001"), taker=Decimal("0.0004")))
    expected, expected_pnl = _backtest_rows(spec, candles, config)
    got, got_pnl = await _paper_rows(spec, candles, config)
    assert got == expected
    assert np.isclose(got_pnl, expected_pnl, atol=0.005)
