"""`gridarena` command line: the composition root for CLI jobs."""

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table

from gridarena.backtest.runner import BacktestConfig, BacktestResult, run_backtest
from gridarena.backtest.sweep_cli import sweep_command
from gridarena.domain.fees import FeeSchedule
from gridarena.grid.spec import GridSpec
from gridarena.marketdata.candles import Candles, Funding
from gridarena.marketdata.cli import data_app

app = typer.Typer(
    name="gridarena",
    help="Grid-trading engine and AI strategy arena.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(data_app, name="data", help="Load, check, resample, generate and download candles.")
app.command("sweep", help="Backtest a grid of parameter sets in parallel and rank them.")(
    sweep_command
)
console = Console()
err = Console(stderr=True)


def fail(message: str) -> typer.Exit:
    """Print ``message`` as a CLI error and return the exit to raise (code 2: bad input)."""
    err.print(f"[bold red]error:[/] {message}")
    return typer.Exit(code=2)


def describe_validation(exc: ValidationError) -> str:
    """Turn a pydantic error into one line per field."""
    parts = []
    for e in exc.errors():
        loc = ".".join(str(x) for x in e["loc"]) or "spec"
        parts.append(f"{loc}: {e['msg']}")
    return "; ".join(parts)


def load_market(
    data: list[Path] | None, symbol: str | None, funding_file: Path | None
) -> tuple[Candles, Funding | None]:
    """Load candle files (or the embedded default market) and their funding events."""
    from gridarena.marketdata.generator import default_market
    from gridarena.marketdata.loader import find_funding_file, load_funding, load_many

    if not data:
        return default_market(), None
    for path in data:
        if not path.exists():
            raise fail(f"--data: file not found: {path}")
    try:
        candles = load_many([str(p) for p in data], symbol=symbol)
    except (ValueError, OSError) as exc:
        raise fail(f"--data: {exc}") from exc
    found = funding_file or find_funding_file(data[0])
    funding = load_funding(found) if found is not None else None
    return candles, funding


def build_spec(base: dict[str, Any], overrides: dict[str, Any]) -> GridSpec:
    """Merge CLI options over a spec file and validate; exit with the field named on error."""
    merged = {**base, **{key: val for key, val in overrides.items() if val is not None}}
    try:
        return GridSpec.model_validate(merged)
    except ValidationError as exc:
        raise fail(f"invalid grid spec: {describe_validation(exc)}") from exc


def print_summary(result: BacktestResult) -> None:
    """Print a backtest summary as a Rich table."""
    d = result.to_dict()
    table = Table(title=f"Backtest {d['symbol']} — {d['candles']:,} candles", show_header=False)
    rows = [
        ("range", f"{d['lower']:,} → {d['upper']:,} ({d['levels']} levels)"),
        ("fills / round trips", f"{d['fills']:,} / {d['round_trips']:,}"),
        ("realized PnL", f"{d['realized_pnl']:,.2f}"),
        ("unrealized PnL", f"{d['unrealized_pnl']:,.2f}"),
        ("grid profit", f"{d['grid_profit']:,.2f}"),
        ("fees", f"{d['fees']:,.2f}"),
        ("funding", f"{d['funding']:,.2f}"),
        ("final equity", f"{d['final_equity']:,.2f} ({d['total_return']:+.2%})"),
        ("max drawdown", f"{d['max_drawdown']:.2%}"),
        ("Sharpe / Calmar", f"{d['sharpe']:.2f} / {d['calmar']:.2f}"),
        ("stop", d["stop_reason"]),
        ("fill rule / path", f"{d['config']['fill_rule']} / {d['config']['path']}"),
        ("elapsed", f"{d['elapsed_s']:.3f} s"),
    ]
    for key, val in rows:
        table.add_row(key, str(val))
    console.print(table)


def backtest_config(
    config_file: Path | None,
    fill_rule: str | None,
    path: str | None,
    maker_fee: float | None,
    taker_fee: float | None,
    slippage_bps: float | None,
) -> BacktestConfig:
    """Resolve simulation settings: CLI option > env var > config file > default."""
    from decimal import Decimal

    from gridarena.config import ConfigError, load_settings

    try:
        execution = load_settings(config_file).execution
    except ConfigError as exc:
        raise fail(str(exc)) from exc
    rule = fill_rule or execution.fill_rule
    intrabar = path or execution.intrabar_path
    if rule not in ("touch", "cross"):
        raise fail(f"--fill-rule: {rule!r} is not touch or cross")
    if intrabar not in ("nearest", "ohlc", "olhc"):
        raise fail(f"--path: {intrabar!r} is not nearest, ohlc or olhc")
    for name, value in (("--maker-fee", maker_fee), ("--taker-fee", taker_fee)):
        if value is not None and not -0.01 <= value < 0.1:
            raise fail(f"{name}: {value} is not a fee rate (e.g. 0.0002 for 2 bp)")
    if slippage_bps is not None and not 0 <= slippage_bps < 1000:
        raise fail(f"--slippage-bps: {slippage_bps} must be within [0, 1000)")
    bp = Decimal("0.0001")
    maker = Decimal(repr(maker_fee)) if maker_fee is not None else execution.maker_fee_bps * bp
    taker = Decimal(repr(taker_fee)) if taker_fee is not None else execution.taker_fee_bps * bp
    slip = slippage_bps if slippage_bps is not None else float(execution.slippage_bps)
    return BacktestConfig(
        fill_rule=rule,
        path=intrabar,
        fees=FeeSchedule(maker=maker, taker=taker),
        slippage_bps=slip,
    )


@app.command()
def backtest(
    data: Annotated[
        list[Path] | None, typer.Option(help="Candle file(s) (parquet/csv/feather).")
    ] = None,
    spec_file: Annotated[
        Path | None, typer.Option("--spec", help="Grid spec JSON (options override it).")
    ] = None,
    symbol: Annotated[str | None, typer.Option(help="Instrument symbol, e.g. BTCUSDT.")] = None,
    lower: Annotated[float | None, typer.Option(help="Lowest grid level.")] = None,
    upper: Annotated[float | None, typer.Option(help="Highest grid level.")] = None,
    grids: Annotated[int | None, typer.Option(help="Number of grids (levels − 1).")] = None,
    spacing: Annotated[
        str | None, typer.Option(help="arithmetic|geometric|geometric_from_price|atr")
    ] = None,
    direction: Annotated[str | None, typer.Option(help="long|short|neutral")] = None,
    allocation: Annotated[float | None, typer.Option(help="Margin allocated (quote).")] = None,
    leverage: Annotated[int | None, typer.Option(help="Leverage.")] = None,
    tp_pct: Annotated[float | None, typer.Option(help="Take profit, fraction of equity.")] = None,
    sl_pct: Annotated[float | None, typer.Option(help="Stop loss, fraction of equity.")] = None,
    fill_rule: Annotated[
        str | None, typer.Option(help="touch|cross (default: execution.fill_rule)")
    ] = None,
    path: Annotated[
        str | None, typer.Option(help="Intrabar path nearest|ohlc|olhc (execution.intrabar_path)")
    ] = None,
    maker_fee: Annotated[float | None, typer.Option(help="Maker fee rate, e.g. 0.0002.")] = None,
    taker_fee: Annotated[float | None, typer.Option(help="Taker fee rate, e.g. 0.0005.")] = None,
    slippage_bps: Annotated[
        float | None, typer.Option(help="Market-order slippage in bp (SLIPPAGE_BPS).")
    ] = None,
    config_file: Annotated[
        Path | None, typer.Option("--config", help="Config file (TOML/YAML).")
    ] = None,
    funding: Annotated[
        Path | None, typer.Option(help="Funding-rate file (auto-detected for USD-M data).")
    ] = None,
    report: Annotated[Path | None, typer.Option(help="Write an HTML report here.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Backtest one grid on candle files, or on the embedded generated market."""
    base: dict[str, Any] = {}
    if spec_file is not None:
        try:
            base = json.loads(spec_file.read_text())
        except (OSError, json.JSONDecodeError) as exc:
            raise fail(f"--spec: cannot read {spec_file}: {exc}") from exc
        if not isinstance(base, dict):
            raise fail("--spec: the file must hold one JSON object")
    candles, fund = load_market(data, symbol or base.get("symbol"), funding)
    overrides = {
        "symbol": symbol or base.get("symbol") or candles.symbol,
        "lower": lower,
        "upper": upper,
        "grids": grids,
        "spacing": spacing,
        "direction": direction,
        "base_allocation": allocation,
        "leverage": leverage,
        "tp_pct": tp_pct,
        "sl_pct": sl_pct,
    }
    spec = build_spec(base, overrides)
    config = backtest_config(config_file, fill_rule, path, maker_fee, taker_fee, slippage_bps)
    try:
        result = run_backtest(spec, candles, config=config, funding=fund)
    except ValueError as exc:
        raise fail(str(exc)) from exc
    if report is not None:
        from gridarena.backtest.report import write_backtest_report

        write_backtest_report(result, report)
    if as_json:
        sys.stdout.write(json.dumps(result.to_dict()) + "\n")
    else:
        print_summary(result)
        if report is not None:
            console.print(f"report written to {report}")


@app.command()
def up(
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Run the main job on the embedded default (generated market, neutral grid backtest)."""
    from gridarena.marketdata.generator import default_market

    candles = default_market()
    mid = float(candles.open[0])
    spec = GridSpec(
        symbol=candles.symbol,
        lower=round(mid * 0.9, 1),
        upper=round(mid * 1.1, 1),
        grids=40,
        base_allocation=10_000,
        leverage=2,
        direction="neutral",
    )
    result = run_backtest(spec, candles)
    if as_json:
        sys.stdout.write(json.dumps(result.to_dict()) + "\n")
    else:
        console.print("[bold]gridarena up[/]: embedded generated market, neutral grid backtest")
        print_summary(result)


def main() -> None:
    """Run the CLI."""
    app()
