"""`gridarena` command line: the composition root for CLI jobs."""

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table

from gridarena.backtest.runner import BacktestResult, run_backtest
from gridarena.backtest.sweep_cli import sweep_command
from gridarena.cli_common import (
    ConfigOpt,
    DataOpt,
    JsonOpt,
    MakerFeeOpt,
    ReportOpt,
    SlippageOpt,
    SymbolOpt,
    TakerFeeOpt,
    fail,
    load_market,
    simulation_config,
)
from gridarena.grid.spec import GridSpec
from gridarena.marketdata.cli import data_app
from gridarena.store.cli import db_app
from gridarena.venues.facade.cli import sim_venue_command

app = typer.Typer(
    name="gridarena",
    help="Grid-trading engine and AI strategy arena.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(data_app, name="data", help="Load, check, resample, generate and download candles.")
app.add_typer(db_app, name="db", help="Migrate, back up and restore the store.")
app.command("sim-venue", help="Serve the simulated venue over Binance USD-M REST.")(
    sim_venue_command
)
app.command("sweep", help="Backtest a grid of parameter sets in parallel and rank them.")(
    sweep_command
)
console = Console()


def describe_validation(exc: ValidationError) -> str:
    """Turn a pydantic error into one line per field."""
    parts = []
    for e in exc.errors():
        loc = ".".join(str(x) for x in e["loc"]) or "spec"
        parts.append(f"{loc}: {e['msg']}")
    return "; ".join(parts)


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


@app.command()
def backtest(
    data: DataOpt = None,
    spec_file: Annotated[
        Path | None, typer.Option("--spec", help="Grid spec JSON (options override it).")
    ] = None,
    symbol: SymbolOpt = None,
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
    maker_fee: MakerFeeOpt = None,
    taker_fee: TakerFeeOpt = None,
    slippage_bps: SlippageOpt = None,
    config_file: ConfigOpt = None,
    funding: Annotated[
        Path | None, typer.Option(help="Funding-rate file (auto-detected for USD-M data).")
    ] = None,
    report: ReportOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Backtest one grid on candle files, or on the embedded generated market."""
    base = read_spec_file(spec_file)
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
    config = simulation_config(
        config_file,
        fill_rule=fill_rule,
        path=path,
        maker_fee=maker_fee,
        taker_fee=taker_fee,
        slippage_bps=slippage_bps,
    )
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
def paper(
    data: DataOpt = None,
    spec_file: Annotated[
        Path | None, typer.Option("--spec", help="Grid spec JSON (options override it).")
    ] = None,
    symbol: SymbolOpt = None,
    lower: Annotated[float | None, typer.Option(help="Lowest grid level.")] = None,
    upper: Annotated[float | None, typer.Option(help="Highest grid level.")] = None,
    grids: Annotated[int | None, typer.Option(help="Number of grids (levels − 1).")] = None,
    spacing: Annotated[str | None, typer.Option(help="arithmetic|geometric|…")] = None,
    direction: Annotated[str | None, typer.Option(help="long|short|neutral")] = None,
    allocation: Annotated[float | None, typer.Option(help="Margin allocated (quote).")] = None,
    leverage: Annotated[int | None, typer.Option(help="Leverage.")] = None,
    balance: Annotated[
        float | None, typer.Option(help="Account balance (default: the allocation).")
    ] = None,
    fill_rule: Annotated[str | None, typer.Option(help="touch|cross")] = None,
    path: Annotated[str | None, typer.Option(help="Intrabar path nearest|ohlc|olhc")] = None,
    maker_fee: MakerFeeOpt = None,
    taker_fee: TakerFeeOpt = None,
    slippage_bps: SlippageOpt = None,
    speed: Annotated[
        float, typer.Option(help="Replay speed: 0 as fast as possible, 1 real time, N = N×.")
    ] = 0.0,
    config_file: ConfigOpt = None,
    db: Annotated[
        str | None, typer.Option(help="Store URL (default: DATABASE_URL, sqlite:///gridarena.db).")
    ] = None,
    record: Annotated[
        bool, typer.Option(help="Record orders, fills and state in the store.")
    ] = True,
    as_json: JsonOpt = False,
) -> None:
    """Paper-trade a grid on the simulated venue over candle files or the generated market."""
    import asyncio

    from gridarena.engine.build import paper_run

    base = read_spec_file(spec_file)
    candles, fund = load_market(data, symbol or base.get("symbol"), None)
    overrides = {
        "symbol": symbol or base.get("symbol") or candles.symbol,
        "lower": lower,
        "upper": upper,
        "grids": grids,
        "spacing": spacing,
        "direction": direction,
        "base_allocation": allocation,
        "leverage": leverage,
    }
    spec = build_spec(base, overrides)
    config = simulation_config(
        config_file,
        fill_rule=fill_rule,
        path=path,
        maker_fee=maker_fee,
        taker_fee=taker_fee,
        slippage_bps=slippage_bps,
    )
    if speed < 0:
        raise fail("--speed: must be >= 0")
    if balance is not None and balance <= 0:
        raise fail("--balance: must be > 0")
    import uuid

    try:
        engine, session, _prepared = paper_run(
            spec,
            candles,
            config=config,
            funding=fund,
            balance=balance,
            session_id=f"paper-{uuid.uuid4().hex[:12]}",
        )
    except ValueError as exc:
        raise fail(str(exc)) from exc
    if record:
        engine.attach_recorder(open_recorder(db, config_file))
    total = 4 * len(engine.exchange.markets[session.symbol].candles)

    async def main() -> float:
        if as_json:
            elapsed = await engine.run(speed=speed)
        else:
            from rich.progress import BarColumn, Progress, TextColumn

            with Progress(
                TextColumn("[bold]paper[/] {task.description}"),
                BarColumn(),
                TextColumn("{task.percentage:>3.0f}%"),
                console=console,
                transient=True,
            ) as bar:
                task = bar.add_task(session.symbol, total=total)

                def progress(n: int) -> None:
                    st = session.status_dict(engine.exchange.markets[session.symbol].price)
                    bar.update(
                        task,
                        completed=n,
                        description=f"{session.symbol} equity {st['equity']:,.2f} "
                        f"fills {st['fills']} pos {st['position']:+.4f}",
                    )

                elapsed = await engine.run(speed=speed, on_progress=progress)
        await engine.close()
        return elapsed

    elapsed = asyncio.run(main())
    summary = engine.summary(session.account, elapsed)
    summary["config"] = config.to_dict()
    summary["symbol"] = session.symbol
    if as_json:
        sys.stdout.write(json.dumps(summary, default=str) + "\n")
        return
    table = Table(
        title=f"Paper {session.symbol} — {summary['candles']:,} candles", show_header=False
    )
    for key in (
        "fills",
        "round_trips",
        "realized_pnl",
        "unrealized_pnl",
        "fees",
        "funding",
        "final_equity",
        "max_drawdown",
        "elapsed_s",
    ):
        val = summary[key]
        table.add_row(key, f"{val:,.4f}" if isinstance(val, float) else str(val))
    state = summary["account_state"]
    table.add_row("open orders", str(state["open_orders"]))
    table.add_row(
        "positions", ", ".join(f"{p['symbol']} {p['qty']:+}" for p in state["positions"]) or "flat"
    )
    console.print(table)


def open_recorder(db: str | None, config_file: Path | None) -> Any:
    """Migrate the store at ``db`` (or DATABASE_URL) and return a recorder writing to it."""
    from gridarena.config import ConfigError, load_settings
    from gridarena.engine.recorder import StoreRecorder
    from gridarena.store import display_url, make_engine, session_factory, upgrade

    try:
        url = db or load_settings(config_file).database_url.get_secret_value()
    except ConfigError as exc:
        raise fail(str(exc)) from exc
    try:
        upgrade(url)
        return StoreRecorder(session_factory(make_engine(url)))
    except Exception as exc:
        raise fail(
            f"--db: cannot open the store at {display_url(url)}: {type(exc).__name__}"
        ) from exc


def read_spec_file(spec_file: Path | None) -> dict[str, Any]:
    """Read a grid spec JSON file (empty when none is given)."""
    if spec_file is None:
        return {}
    try:
        base = json.loads(spec_file.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise fail(f"--spec: cannot read {spec_file}: {exc}") from exc
    if not isinstance(base, dict):
        raise fail("--spec: the file must hold one JSON object")
    return base


@app.command()
def up(as_json: JsonOpt = False) -> None:
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
