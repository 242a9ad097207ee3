"""Build the simulated exchange a facade serves: markets from candle files or generated ones."""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

from gridarena.backtest.runner import BacktestConfig, instrument_for_candles
from gridarena.domain.instrument import INSTRUMENTS, normalize_symbol
from gridarena.engine.build import sim_config
from gridarena.marketdata.candles import Candles, Funding
from gridarena.marketdata.loader import find_funding_file, load_candles, load_funding, load_many
from gridarena.marketdata.naming import infer_symbol
from gridarena.venues.sim.exchange import SimExchange
from gridarena.venues.sim.market import SimMarket

# Start prices for generated markets of well-known symbols (anything else starts at 100).
START_PRICES = {
    "BTCUSDT": 60_000.0,
    "ETHUSDT": 3_000.0,
    "SOLUSDT": 150.0,
    "BNBUSDT": 500.0,
    "XRPUSDT": 0.5,
    "ADAUSDT": 0.5,
    "DOGEUSDT": 0.1,
    "LINKUSDT": 15.0,
    "LTCUSDT": 80.0,
    "AVAXUSDT": 30.0,
}


def load_markets(
    paths: Sequence[Path], symbols: Sequence[str] | None = None
) -> list[tuple[Candles, Funding | None]]:
    """Load candle files grouped by symbol (several files of one symbol are concatenated)."""
    groups: dict[str, list[Path]] = {}
    for path in paths:
        try:
            symbol = infer_symbol(path)
        except ValueError:  # no symbol in the name: the file's own column tells
            symbol = load_candles(path, validate=False).symbol
        groups.setdefault(symbol, []).append(path)
    wanted = {normalize_symbol(s) for s in symbols} if symbols else None
    out = []
    for symbol, files in groups.items():
        if wanted is not None and symbol not in wanted:
            continue
        candles = load_many([str(p) for p in files], symbol=symbol)
        found = find_funding_file(files[0], symbol=symbol)
        out.append((candles, load_funding(found) if found is not None else None))
    if wanted is not None and len(out) < len(wanted):
        missing = sorted(wanted - {c.symbol for c, _ in out})
        raise ValueError(f"no candle file for {missing}")
    return out


def generated_markets(
    symbols: Sequence[str] | None, *, n_candles: int = 43_200, seed: int = 42
) -> list[tuple[Candles, Funding | None]]:
    """Return the embedded generated market (BTCUSDT), or one generated market per symbol."""
    from gridarena.marketdata.generator import default_market, generate_market

    if not symbols:
        return [(default_market(), None)]
    out: list[tuple[Candles, Funding | None]] = []
    for k, raw in enumerate(symbols):
        symbol = normalize_symbol(raw)
        price = START_PRICES.get(symbol, 100.0)
        preset = INSTRUMENTS.get(symbol)
        tick = float(preset.tick_size) if preset else 10.0 ** math.floor(math.log10(price * 1e-5))
        candles = generate_market(
            seed=seed + k, n_candles=n_candles, start_price=price, symbol=symbol, tick=tick
        )
        out.append((candles, None))
    return out


def build_exchange(
    markets: Sequence[tuple[Candles, Funding | None]],
    accounts: Sequence[str],
    balance: Decimal,
    config: BacktestConfig | None = None,
) -> SimExchange:
    """Return a `SimExchange` replaying ``markets`` with ``accounts`` funded with ``balance``."""
    config = config or BacktestConfig()
    sims = [
        SimMarket(instrument_for_candles(c.symbol, c), c, fund, path=config.path)
        for c, fund in markets
    ]
    exchange = SimExchange(sims, sim_config(config))
    for name in accounts:
        exchange.add_account(name, balance)
    return exchange
