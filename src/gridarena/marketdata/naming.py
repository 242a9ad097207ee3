"""File-name conventions: symbol inference and the USD-M funding file layout."""

from __future__ import annotations

import re
from pathlib import Path

from gridarena.marketdata.timeframes import is_timeframe_token

# Tokens that describe the file rather than the instrument.
_NOISE = frozenset(
    {"PERP", "PERPETUAL", "FUTURES", "FUTURE", "SWAP", "SPOT", "FUNDING", "RATE", "MARK", "INDEX"}
    | {"KLINES", "CANDLES", "OHLCV", "TRADES", "DATA", "USDM", "COINM", "BINANCE"}
)
_SPLIT = re.compile(r"[-_\s.]+")


def infer_symbol(path: str | Path) -> str:
    """Infer the exchange symbol from a candle file name.

    ``BTCUSDT_1m_2024.parquet`` -> ``BTCUSDT``, ``BTCUSDT_PERP_1m.parquet`` -> ``BTCUSDT``,
    ``ETH_BTC-5m.feather`` -> ``ETHBTC``, freqtrade futures ``BTC_USDT_USDT-1m-futures.feather``
    -> ``BTCUSDT``. Raise ValueError when nothing symbol-like is left.
    """
    stem = Path(path).name.split(".", 1)[0]
    tokens = [t.upper() for t in _SPLIT.split(stem) if t]
    kept = [
        t
        for t in tokens
        if t.isalnum() and not t.isdigit() and not is_timeframe_token(t) and t not in _NOISE
    ]
    # freqtrade futures: BASE_QUOTE_SETTLE where SETTLE repeats QUOTE.
    if len(kept) == 3 and kept[1] == kept[2]:
        kept = kept[:2]
    if not kept:
        raise ValueError(f"cannot infer a symbol from file name {Path(path).name!r}; pass symbol=")
    return "".join(kept)


def funding_file_candidates(candle_path: str | Path, symbol: str) -> list[Path]:
    """List where a perpetual's funding file may live, most specific first."""
    parent = Path(candle_path).parent
    name = f"{symbol}_PERP_funding.parquet"
    return [parent / "funding" / name, parent / name]
