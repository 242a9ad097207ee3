"""`gridarena` command line: the composition root for CLI jobs."""

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from gridarena.api.cli import keys_app, serve
from gridarena.backtest.runner import BacktestResult, run_backtest
from gridarena.backtest.sweep_cli import sweep_command
from gridarena.cli_arena import arena_command, up_command
from gridarena.cli_common import (
    AllocationOpt,
    ConfigOpt,
    DataOpt,
    DirectionOpt,
    FillRuleOpt,
    GridsOpt,
    JsonOpt,
    LeverageOpt,
    LowerOpt,
    MakerFeeOpt,
    PathOpt,
    ReportOpt,
    SlippageOpt,
    SlOpt,
    SpacingOpt,
    SpecFileOpt,
    SymbolOpt,
    TakerFeeOpt,
    TpOpt,
    UpperOpt,
    fail,
    run_inputs,
)
from gridarena.cli_paper import paper_command
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
app.add_typer(keys_app, name="keys", help="API keys: create (shown once), list, revoke.")
app.command("serve", help="Serve the HTTP API (no engine attached).")(serve)
app.command("arena", help="Run an arena season (add --backtest to run it offline).")(arena_command)
app.command("up", help="Start the arena: paper venue, built-in and configured providers.")(
    up_command
)
app.command("sim-venue", help="Serve the simulated venue over Binance USD-M REST.")(
    sim_venue_command
)
app.command("paper", help="Paper-trade a grid on the simulated venue (recorded in the store).")(
    paper_command
)
app.command("sweep", help="Backtest a grid of parameter sets in parallel and rank them.")(
    sweep_command
)
console = Console()


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
    spec_file: SpecFileOpt = None,
    symbol: SymbolOpt = None,
    lower: LowerOpt = None,
    upper: UpperOpt = None,
    grids: GridsOpt = None,
    spacing: SpacingOpt = None,
    direction: DirectionOpt = None,
    allocation: AllocationOpt = None,
    leverage: LeverageOpt = None,
    tp_pct: TpOpt = None,
    sl_pct: SlOpt = None,
    fill_rule: FillRuleOpt = None,
    path: PathOpt = None,
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
    spec, candles, fund, config = run_inputs(
        spec_file=spec_file,
        data=data,
        config_file=config_file,
        funding_file=funding,
        grid={
            "symbol": symbol,
            "lower": lower,
            "upper": upper,
            "grids": grids,
            "spacing": spacing,
            "direction": direction,
            "allocation": allocation,
            "leverage": leverage,
            "tp_pct": tp_pct,
            "sl_pct": sl_pct,
        },
        simulation={
            "fill_rule": fill_rule,
            "path": path,
            "maker_fee": maker_fee,
            "taker_fee": taker_fee,
            "slippage_bps": slippage_bps,
        },
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


def main() -> None:
    """Run the CLI."""
    app()


if __name__ == "__main__":
    main()
