"""Write candles and funding in the repository schema (ts_ms + OHLCV, zstd parquet)."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.feather as paf
import pyarrow.parquet as pq

from gridarena.marketdata.candles import OHLCV_FIELDS, Candles, Funding

CANDLE_SCHEMA = pa.schema([("ts_ms", pa.int64()), *((name, pa.float64()) for name in OHLCV_FIELDS)])
FUNDING_SCHEMA = pa.schema([("ts_ms", pa.int64()), ("funding_rate", pa.float64())])


META_SYMBOL = b"gridarena.symbol"
META_TIMEFRAME = b"gridarena.timeframe_ms"


def candles_table(c: Candles) -> pa.Table:
    """Return the candles as an arrow table with the repository schema.

    Symbol and timeframe travel in the schema metadata (parquet and feather keep it), so a
    file named ``out.parquet`` still loads as the right symbol.
    """
    arrays = [pa.array(c.ts_ms), *(pa.array(getattr(c, name)) for name in OHLCV_FIELDS)]
    schema = CANDLE_SCHEMA.with_metadata(
        {META_SYMBOL: c.symbol.encode(), META_TIMEFRAME: str(c.timeframe_ms).encode()}
    )
    return pa.Table.from_arrays(arrays, schema=schema)


def _write(table: pa.Table, path: Path) -> None:
    suffix = path.suffix.lower()
    if suffix not in (".parquet", ".feather", ".csv"):
        raise ValueError(f"unsupported output type {path.suffix!r}: use .parquet, .feather or .csv")
    path.parent.mkdir(parents=True, exist_ok=True)
    # Write beside the target then rename, so a failed write never leaves a truncated file.
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        if suffix == ".parquet":
            pq.write_table(
                table,
                tmp,
                compression="zstd",
                use_dictionary=False,
                # Timestamps advance by a constant step: delta encoding makes them nearly free.
                column_encoding={"ts_ms": "DELTA_BINARY_PACKED"},
            )
        elif suffix == ".feather":
            paf.write_feather(table, tmp, compression="zstd")
        else:
            pacsv.write_csv(table, tmp)
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)


def save_candles(c: Candles, path: str | Path) -> Path:
    """Write candles to ``.parquet`` (zstd), ``.feather`` or ``.csv``; return the path."""
    p = Path(path)
    _write(candles_table(c), p)
    return p


def save_funding(f: Funding, path: str | Path) -> Path:
    """Write funding events with columns ``ts_ms`` and ``funding_rate``; return the path."""
    p = Path(path)
    table = pa.Table.from_arrays([pa.array(f.ts_ms), pa.array(f.rate)], schema=FUNDING_SCHEMA)
    _write(table, p)
    return p
