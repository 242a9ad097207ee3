"""Load candle and funding files (parquet, feather, csv) into :class:`Candles` via pyarrow."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.feather as paf
import pyarrow.parquet as pq
from numpy.typing import NDArray

from gridarena.marketdata.candles import OHLCV_FIELDS, Candles, Funding
from gridarena.marketdata.naming import funding_file_candidates, infer_symbol
from gridarena.marketdata.timeframes import is_timeframe_token, parse_timeframe
from gridarena.marketdata.validate import CandleDataError, validate_candles
from gridarena.marketdata.writer import META_SYMBOL, META_TIMEFRAME

SUFFIXES = (".parquet", ".feather", ".csv")
# Candidate time columns, most explicit first: repo schema, freqtrade, Binance, generic.
_TIME_COLUMNS = ("ts_ms", "date", "open_time", "timestamp", "time", "datetime")
# Column order of Binance public-data kline CSVs, which have no header row.
_BINANCE_KLINE_COLUMNS = (
    "open_time",
    "open",
    "high",
    "low",
    "close",
    "volume",
    "close_time",
    "quote_volume",
    "count",
    "taker_buy_volume",
    "taker_buy_quote_volume",
    "ignore",
)


def _read_csv(path: Path) -> pa.Table:
    with path.open("rb") as fh:
        fields = fh.readline().decode("utf-8", errors="replace").split(",")
    try:
        float(fields[0].strip())
    except ValueError:
        return pacsv.read_csv(path)
    # A numeric first cell means a header-less Binance public-data kline file.
    ncols = len(fields)
    names = [*_BINANCE_KLINE_COLUMNS, *(f"extra_{i}" for i in range(ncols))][:ncols]
    return pacsv.read_csv(path, read_options=pacsv.ReadOptions(column_names=names))


def read_table(path: str | Path) -> pa.Table:
    """Read a parquet, feather or csv file into an arrow table with lower-case column names."""
    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"no such file: {p}")
    suffix = p.suffix.lower()
    if suffix == ".parquet":
        # ParquetFile, not pq.read_table: the latter loads the dataset layer (~1 s, first call).
        with pq.ParquetFile(p) as parquet:
            table = parquet.read()
    elif suffix == ".feather":
        table = paf.read_table(p)
    elif suffix == ".csv":
        table = _read_csv(p)
    else:
        raise ValueError(f"unsupported file type {p.suffix!r} for {p.name}: use {SUFFIXES}")
    renamed = table.rename_columns([name.lower() for name in table.column_names])
    return renamed.replace_schema_metadata(table.schema.metadata)


def _normalise_epoch(ts: NDArray[np.int64]) -> NDArray[np.int64]:
    """Convert per row µs (> 1e14) and ns (> 1e17) epochs to ms; Binance mixes ms and µs files."""
    if ts.size and int(ts.max()) > 10**14:
        ts = np.where(ts > 10**17, ts // 1_000_000, ts)
        ts = np.where(ts > 10**14, ts // 1_000, ts)
    return np.ascontiguousarray(ts, dtype=np.int64)


def _to_numpy(col: pa.ChunkedArray, target: pa.DataType) -> NDArray[Any]:
    """Copy a null-free arrow column into a new writable numpy array of ``target`` type.

    Reads the value buffers directly: pyarrow's own ``to_numpy`` imports pandas on first use,
    which costs a second in a fresh process.
    """
    if col.type != target:
        col = pc.cast(col, target)
    dtype = np.dtype(target.to_pandas_dtype())
    out = np.empty(len(col), dtype=dtype)
    pos = 0
    for chunk in col.chunks:
        n = len(chunk)
        data = np.frombuffer(
            chunk.buffers()[1], dtype=dtype, count=n, offset=chunk.offset * dtype.itemsize
        )
        out[pos : pos + n] = data
        pos += n
    return out


def _timestamps(table: pa.Table, path: Path) -> NDArray[np.int64]:
    name = next((c for c in _TIME_COLUMNS if c in table.column_names), None)
    if name is None:
        raise CandleDataError(
            f"{path.name}: no time column; expected one of {_TIME_COLUMNS}, "
            f"found {table.column_names}"
        )
    col = table.column(name)
    if col.null_count:
        raise CandleDataError(f"{path.name}: {col.null_count} empty value(s) in column {name!r}")
    kind = col.type
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        col = pc.cast(col, pa.timestamp("ms", tz="UTC"))
        kind = col.type
    if pa.types.is_timestamp(kind) or pa.types.is_date(kind):
        ms = pc.cast(col, pa.timestamp("ms", tz=getattr(kind, "tz", None)), safe=False)
        return _to_numpy(pc.cast(ms, pa.int64()), pa.int64())
    if pa.types.is_integer(kind):
        return _normalise_epoch(_to_numpy(col, pa.int64()))
    if pa.types.is_floating(kind):
        return _normalise_epoch(np.rint(_to_numpy(col, pa.float64())).astype(np.int64))
    raise CandleDataError(f"{path.name}: time column {name!r} has unsupported type {kind}")


def _float_column(table: pa.Table, name: str, path: Path) -> NDArray[np.float64]:
    if name not in table.column_names:
        raise CandleDataError(f"{path.name}: missing column {name!r} (have {table.column_names})")
    col = table.column(name)
    if not (pa.types.is_integer(col.type) or pa.types.is_floating(col.type)):
        raise CandleDataError(f"{path.name}: column {name!r} is {col.type}, not numeric")
    col = pc.cast(col, pa.float64())
    if col.null_count:
        # Empty cells become NaN so validation can name the row.
        col = pc.fill_null(col, float("nan"))
    out: NDArray[np.float64] = _to_numpy(col, pa.float64())
    return out


def _infer_timeframe(ts: NDArray[np.int64], path: Path) -> int:
    """Return the median step; the lower median, so the result is always a real step."""
    steps = np.diff(ts)
    steps = steps[steps > 0]  # unsorted rows are reported by validation, not guessed around
    if steps.size:
        k = (steps.size - 1) // 2
        return int(np.partition(steps, k)[k])
    tokens = [t for t in path.name.replace("-", "_").split(".")[0].split("_") if t]
    token = next((t for t in tokens if is_timeframe_token(t)), None)
    return parse_timeframe(token.lower()) if token else 0


def load_candles(path: str | Path, *, symbol: str | None = None, validate: bool = True) -> Candles:
    """Load one candle file; infer the symbol from its name and the timeframe from the median step.

    Files written by :func:`save_candles` carry symbol and timeframe in their metadata, which
    take precedence over inference; an explicit ``symbol`` wins over both.

    Time comes from ``ts_ms`` (ms), freqtrade ``date`` (datetime) or Binance ``open_time``
    (ms, or µs when > 1e14). With ``validate`` the candles pass :func:`validate_candles`
    (gaps allowed and reported) or :class:`CandleDataError` is raised.
    """
    p = Path(path)
    table = read_table(p)
    ts = _timestamps(table, p)
    columns = {name: _float_column(table, name, p) for name in OHLCV_FIELDS}
    meta = table.schema.metadata or {}
    stored_symbol = meta.get(META_SYMBOL, b"").decode()
    stored_tf = int(meta.get(META_TIMEFRAME, b"0").decode() or 0)
    candles = Candles(
        symbol=symbol or stored_symbol or infer_symbol(p),
        timeframe_ms=stored_tf if stored_tf > 0 else _infer_timeframe(ts, p),
        ts_ms=ts,
        **columns,
    )
    if validate:
        validate_candles(candles, allow_gaps=True)
    return candles


def load_many(
    paths: Sequence[str | Path], *, symbol: str | None = None, validate: bool = True
) -> Candles:
    """Concatenate candle files of one symbol and timeframe (e.g. yearly files) in time order."""
    if not paths:
        raise ValueError("load_many needs at least one path")
    loaded = sorted(
        ((Path(p), load_candles(p, symbol=symbol, validate=False)) for p in paths),
        key=lambda item: int(item[1].ts_ms[0]) if len(item[1]) else 0,
    )
    parts = [c for _, c in loaded]
    symbols = {c.symbol for c in parts}
    if len(symbols) > 1:
        raise CandleDataError(f"files hold different symbols {sorted(symbols)}; pass symbol=")
    timeframes = {c.timeframe_ms for c in parts if len(c) >= 2}
    if len(timeframes) > 1:
        raise CandleDataError(f"files have different timeframes (ms): {sorted(timeframes)}")
    for (prev_path, prev), (path, cur) in pairwise(loaded):
        if len(prev) and len(cur) and cur.ts_ms[0] <= prev.ts_ms[-1]:
            raise CandleDataError(
                f"{path.name} starts at ts_ms={int(cur.ts_ms[0])}, inside {prev_path.name} "
                f"(ends at ts_ms={int(prev.ts_ms[-1])}): files overlap"
            )
    merged = Candles(
        symbol=parts[0].symbol,
        timeframe_ms=timeframes.pop() if timeframes else parts[0].timeframe_ms,
        ts_ms=np.concatenate([c.ts_ms for c in parts]),
        **{name: np.concatenate([getattr(c, name) for c in parts]) for name in OHLCV_FIELDS},
    )
    if validate:
        validate_candles(merged, allow_gaps=True)
    return merged


def load_funding(path: str | Path) -> Funding:
    """Load funding events (columns ``ts_ms`` and ``funding_rate``; freqtrade's ``open`` too)."""
    p = Path(path)
    table = read_table(p)
    ts = _timestamps(table, p)
    names = ("funding_rate", "fundingrate", "rate", "open")
    rate_col = next((c for c in names if c in table.column_names), None)
    if rate_col is None:
        raise CandleDataError(f"{p.name}: no funding_rate column (have {table.column_names})")
    funding = Funding(ts_ms=ts, rate=_float_column(table, rate_col, p))
    if np.any(np.diff(funding.ts_ms) <= 0):
        raise CandleDataError(f"{p.name}: funding timestamps are not strictly increasing")
    if not np.all(np.isfinite(funding.rate)):
        raise CandleDataError(f"{p.name}: funding rates contain NaN or infinite values")
    return funding


def find_funding_file(candle_path: str | Path, *, symbol: str | None = None) -> Path | None:
    """Return ``funding/<SYM>_PERP_funding.parquet`` beside the candle file, if it exists."""
    try:
        sym = symbol or infer_symbol(candle_path)
    except ValueError:
        return None
    return next((p for p in funding_file_candidates(candle_path, sym) if p.is_file()), None)
