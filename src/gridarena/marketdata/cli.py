"""`gridarena data ...`: download, inspect, resample and generate candle files."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from gridarena.marketdata.download import DownloadError, download_candles, parse_utc
from gridarena.marketdata.loader import find_funding_file, load_candles, load_funding
from gridarena.marketdata.resample import resample
from gridarena.marketdata.timeframes import format_timeframe, parse_timeframe
from gridarena.marketdata.validate import CandleReport, iso_utc, validate_candles
from gridarena.marketdata.writer import save_candles, save_funding

data_app = typer.Typer(
    name="data",
    help="Candle data: download from an exchange, inspect, resample, generate.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
_out = Console()
_err = Console(stderr=True)


@contextmanager
def _user_errors() -> Iterator[None]:
    """Turn expected failures (bad file, bad value, venue error) into one line and exit 1."""
    try:
        yield
    except (OSError, ValueError, DownloadError) as exc:
        _err.print(f"[red]error:[/red] {exc}", markup=True, highlight=False)
        raise typer.Exit(code=1) from None


def _report_table(report: CandleReport, path: Path, extra: dict[str, str]) -> Table:
    table = Table(title=f"{path.name}", show_header=False)
    table.add_column("field", style="bold")
    table.add_column("value")
    gap = "none"
    if report.gaps:
        gap = (
            f"{report.gaps} gap(s), {report.missing_candles} missing candle(s); largest "
            f"{report.largest_gap_ms // 60_000} min after {iso_utc(report.largest_gap_start_ms)}"
        )
    rows = {
        "symbol": report.symbol,
        "timeframe": format_timeframe(report.timeframe_ms),
        "rows": f"{report.rows:,}",
        "first": str(iso_utc(report.first_ts_ms)),
        "last": str(iso_utc(report.last_ts_ms)),
        "gaps": gap,
        "zero-volume rows": str(report.zero_volume_rows),
        **extra,
    }
    for key, value in rows.items():
        table.add_row(key, value)
    return table


@data_app.command("info")
def info(
    file: Annotated[Path, typer.Argument(help="Candle file (.parquet, .feather, .csv).")],
    symbol: Annotated[str | None, typer.Option(help="Symbol (default: from file name).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    strict: Annotated[bool, typer.Option(help="Treat gaps as errors.")] = False,
) -> None:
    """Validate a candle file and print its report (rows, range, gaps, zero volume)."""
    with _user_errors():
        candles = load_candles(file, symbol=symbol, validate=False)
        report = validate_candles(candles, allow_gaps=not strict)
        extra: dict[str, str] = {}
        if len(candles):
            extra["price range"] = f"{candles.low.min():.10g} .. {candles.high.max():.10g}"
        funding_path = find_funding_file(file, symbol=candles.symbol)
        if funding_path is not None:
            extra["funding"] = f"{len(load_funding(funding_path))} events in {funding_path.name}"
    if as_json:
        typer.echo(json.dumps({**report.to_dict(), **extra}, indent=2))
    else:
        _out.print(_report_table(report, file, extra))


@data_app.command("resample")
def resample_cmd(
    file: Annotated[Path, typer.Argument(help="Source candle file.")],
    timeframe: Annotated[str, typer.Option("--timeframe", "-t", help="Target, e.g. 15m.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output file.")],
    symbol: Annotated[str | None, typer.Option(help="Symbol (default: from file name).")] = None,
) -> None:
    """Aggregate a candle file to a coarser timeframe (UTC-aligned buckets)."""
    with _user_errors():
        parse_timeframe(timeframe)
        candles = load_candles(file, symbol=symbol)
        result = resample(candles, timeframe)
        save_candles(result, out)
    _out.print(f"wrote {len(result):,} {timeframe} candles to {out}")


@data_app.command("generate")
def generate_cmd(
    out: Annotated[Path, typer.Option("--out", "-o", help="Output file.")],
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same market).")] = 42,
    candles: Annotated[int, typer.Option("--candles", "-n", min=1, help="Candle count.")] = 43_200,
    timeframe: Annotated[str, typer.Option("--timeframe", "-t")] = "1m",
    start: Annotated[str | None, typer.Option(help="First open time (UTC).")] = None,
    start_price: Annotated[float, typer.Option(min=0.0)] = 60_000.0,
    symbol: Annotated[str, typer.Option()] = "BTCUSDT",
    tick: Annotated[float, typer.Option(min=0.0)] = 0.1,
    funding_out: Annotated[
        Path | None, typer.Option(help="Also write 8-hourly synthetic funding here.")
    ] = None,
) -> None:
    """Generate a synthetic market (regimes, volatility clustering, jumps) to a file."""
    # Imported here: the generator pulls in numba, which the other commands do not need.
    from gridarena.marketdata.generator import DEFAULT_START_MS, generate_funding, generate_market

    with _user_errors():
        start_ms = parse_utc(start) if start is not None else DEFAULT_START_MS
        market = generate_market(
            seed=seed,
            n_candles=candles,
            start_price=start_price,
            start_ms=start_ms,
            timeframe=timeframe,
            symbol=symbol,
            tick=tick,
        )
        save_candles(market, out)
        if funding_out is not None:
            save_funding(generate_funding(market, seed=seed), funding_out)
    _out.print(f"wrote {len(market):,} {timeframe} candles of {symbol} (seed {seed}) to {out}")


@data_app.command("download")
def download_cmd(
    symbol: Annotated[str, typer.Option(help="Unified ccxt symbol, e.g. BTC/USDT.")],
    since: Annotated[str, typer.Option(help="First open time, YYYY-MM-DD[THH:MM] UTC.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output .parquet file.")],
    exchange: Annotated[str, typer.Option(help="ccxt exchange id.")] = "binance",
    timeframe: Annotated[str, typer.Option("--timeframe", "-t")] = "1m",
    until: Annotated[str | None, typer.Option(help="End (exclusive); default now.")] = None,
    base_url: Annotated[
        str | None, typer.Option("--base-url", help="Send API calls to this host instead.")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, help="Candles per request.")] = 1000,
) -> None:
    """Download public candles through ccxt into a parquet file (ts_ms + OHLCV, zstd)."""
    with _user_errors():
        parse_timeframe(timeframe)
        since_ms = parse_utc(since)
        until_ms = parse_utc(until) if until is not None else None
        if until_ms is not None and until_ms <= since_ms:
            raise ValueError(f"--until {until} must be after --since {since}")
        columns = (TextColumn("{task.description}"), BarColumn(), TimeRemainingColumn())
        with Progress(*columns, console=_err, transient=True) as progress:
            task = progress.add_task(f"{exchange} {symbol} {timeframe}", total=None)

            end_ms = until_ms if until_ms is not None else int(time.time() * 1000)
            progress.update(task, total=max(end_ms - since_ms, 1))

            def advance(reached_ms: int) -> None:
                progress.update(task, completed=reached_ms - since_ms)

            result = download_candles(
                exchange,
                symbol,
                timeframe,
                since_ms=since_ms,
                until_ms=until_ms,
                base_url=base_url,
                limit=limit,
                on_progress=advance,
            )
        if len(result) == 0:
            raise DownloadError(f"{exchange} returned no {symbol} candles from {since}")
        report = validate_candles(result)
        save_candles(result, out)
    _out.print(
        f"wrote {report.rows:,} candles {iso_utc(report.first_ts_ms)} .. "
        f"{iso_utc(report.last_ts_ms)} ({report.gaps} gap(s)) to {out}"
    )
