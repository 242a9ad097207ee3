"""Market data: candle containers, file loading, validation, resampling, synthetic markets.

The generator (numba) is imported on first use so that loading files stays light.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from gridarena.marketdata.candles import Candles, Funding
from gridarena.marketdata.loader import find_funding_file, load_candles, load_funding, load_many
from gridarena.marketdata.paths import shared_market_dir
from gridarena.marketdata.resample import resample
from gridarena.marketdata.timeframes import format_timeframe, parse_timeframe
from gridarena.marketdata.validate import CandleDataError, CandleReport, validate_candles
from gridarena.marketdata.writer import save_candles, save_funding

if TYPE_CHECKING:
    from gridarena.marketdata.generator import (
        MarketParams,
        SyntheticMarket,
        default_market,
        generate_funding,
        generate_market,
        simulate_market,
    )

_LAZY = {
    "MarketParams": "gridarena.marketdata.generator",
    "SyntheticMarket": "gridarena.marketdata.generator",
    "default_market": "gridarena.marketdata.generator",
    "generate_funding": "gridarena.marketdata.generator",
    "generate_market": "gridarena.marketdata.generator",
    "simulate_market": "gridarena.marketdata.generator",
}

__all__ = [
    "CandleDataError",
    "CandleReport",
    "Candles",
    "Funding",
    "MarketParams",
    "SyntheticMarket",
    "default_market",
    "find_funding_file",
    "format_timeframe",
    "generate_funding",
    "generate_market",
    "load_candles",
    "load_funding",
    "load_many",
    "parse_timeframe",
    "resample",
    "save_candles",
    "save_funding",
    "shared_market_dir",
    "simulate_market",
    "validate_candles",
]


def __getattr__(name: str) -> Any:
    """Import the generator's names on first access."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
