"""`gridarena sweep`: backtest a grid of parameter sets in parallel and rank them.

Kept apart from `gridarena.cli` (which registers it) so the two modules do not import each
other; errors therefore go through this module's own `_fail`. The sweep machinery is imported
when the command runs, so it adds nothing to the start-up of other commands.
"""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Annotated, Any

import numpy as np
import typer
from rich.console import Console
from rich.table import Table

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

if TYPE_CHECKING:
    from gridarena.backtest.sweep import SweepResult

_NONE = ("none", "off")


def _tidy(x: float) -> float:
    # linspace leaves float noise (0.30000000000000004); twelve significant digits remove it.
    return float(f"{x:.12g}")


def parse_numbers(text: str, name: str, *, integer: bool = False) -> list[float | int]:
    """Parse ``"1,2,3"`` or ``"start:stop:count"`` items (inclusive ranges) into numbers."""
    out: list[float | int] = []
    for item in (part.strip() for part in text.split(",")):
        try:
            if ":" in item:
                start, stop, count = item.split(":")
                n = int(count)
                if n < 1:
                    raise ValueError("count must be >= 1")
                values = [_tidy(v) for v in np.linspace(float(start), float(stop), n)]
            else:
                values = [_tidy(float(item))]
        except ValueError as exc:
            raise fail(f"--{name}: {item!r} is not a number or start:stop:count ({exc})") from exc
        if not all(np.isfinite(values)):
            raise fail(f"--{name}: {item!r} is not finite")
        if integer:
            ints = [round(v) for v in values]
            if ":" not in item and ints[0] != values[0]:
                raise fail(f"--{name}: {item!r} is not a whole number")
            out.extend(ints)
        else:
            out.extend(values)
    return list(dict.fromkeys(out))


def parse_optional(text: str, name: str) -> list[float | None]:
    """Parse a list of fractions where ``none`` (or ``off``) means the feature is off."""
    out: list[float | None] = []
    for item in text.split(","):
        if item.strip().lower() in _NONE:
            out.append(None)
        else:
            out.extend(float(v) for v in parse_numbers(item, name))
    return list(dict.fromkeys(out))


def parse_words(text: str, name: str, allowed: tuple[str, ...]) -> list[str]:
    """Parse a comma-separated list of choices, case-insensitively."""
    words = [w.strip().lower() for w in text.split(",")]
    bad = [w for w in words if w not in allowed]
    if bad:
        raise fail(f"--{name}: {bad[0]!r} is not one of {', '.join(allowed)}")
    return list(dict.fromkeys(words))


def _print_table(sweep: SweepResult, top: int) -> None:
    console = Console()
    names = list(sweep.swept)  # fixed values go in the caption, so the table stays narrow
    fixed = ", ".join(f"{n}={v[0]}" for n, v in sweep.space.items() if n not in sweep.swept)
    shown = min(top, sweep.configs)
    table = Table(title=f"Sweep — top {shown} of {sweep.configs} by {sweep.metric}", caption=fixed)
    for col in ("#", *names, "return", "sharpe", "calmar", "max dd", "fills", "stop"):
        table.add_column(col, justify="left" if col == "stop" else "right")
    for i, row in enumerate(sweep.rows[:top], 1):
        s = row.summary
        table.add_row(
            str(i),
            *(str(row.params[n]) for n in names),
            f"{s.total_return:+.2%}",
            f"{s.sharpe:.2f}",
            f"{s.calmar:.2f}",
            f"{s.max_drawdown:.2%}",
            f"{s.fills:,}",
            s.stop_reason,
        )
    console.print(table)
    console.print(
        f"{sweep.configs:,} configs ({sweep.skipped:,} skipped) over {sweep.candles:,} candles in "
        f"{sweep.elapsed_s:.2f} s — {sweep.configs_per_s:,.0f} configs/s on {sweep.workers} "
        "worker(s)"
    )
    for reason, count in sweep.skip_reasons.items():
        console.print(f"  skipped {count:,}: {reason}")


def sweep_command(
    data: DataOpt = None,
    symbol: SymbolOpt = None,
    lower: Annotated[
        str | None, typer.Option(help="Lowest level(s): 50000,52000 or 50000:56000:4.")
    ] = None,
    upper: Annotated[str | None, typer.Option(help="Highest level(s), same syntax.")] = None,
    grids: Annotated[str, typer.Option(help="Grid counts, e.g. 10:50:5.")] = "10:50:5",
    spacing: Annotated[str | None, typer.Option(help="arithmetic,geometric")] = None,
    direction: Annotated[str, typer.Option(help="long,short,neutral")] = "neutral",
    leverage: Annotated[str, typer.Option(help="Leverage value(s).")] = "1",
    allocation: Annotated[str, typer.Option(help="Margin allocated (quote).")] = "10000",
    tp_pct: Annotated[str | None, typer.Option(help="Take profit(s); none = off.")] = None,
    sl_pct: Annotated[str | None, typer.Option(help="Stop loss(es); none = off.")] = None,
    fill_rule: Annotated[
        str | None, typer.Option(help="touch,cross (default: execution.fill_rule)")
    ] = None,
    path: Annotated[
        str | None,
        typer.Option(help="Intrabar path(s) nearest,ohlc,olhc (execution.intrabar_path)"),
    ] = None,
    maker_fee: MakerFeeOpt = None,
    taker_fee: TakerFeeOpt = None,
    slippage_bps: SlippageOpt = None,
    config_file: ConfigOpt = None,
    metric: Annotated[str, typer.Option(help="Rank by return|sharpe|calmar.")] = "return",
    top: Annotated[int, typer.Option(help="Rows to show.")] = 10,
    workers: Annotated[int | None, typer.Option(help="Processes (default: all cores).")] = None,
    report: ReportOpt = None,
    as_json: JsonOpt = False,
    progress: Annotated[bool, typer.Option(help="Show a progress bar on a terminal.")] = True,
) -> None:
    """Backtest every combination of the given values in parallel and rank them.

    Each value option takes a comma list or ``start:stop:count`` (inclusive) ranges; lower and
    upper default to ±10 % around the first open.
    """
    from gridarena.backtest.sweep import METRICS, rerun, run_sweep

    if metric not in METRICS:
        raise fail(f"--metric: {metric!r} is not one of {', '.join(METRICS)}")
    if top < 1:
        raise fail("--top: must be >= 1")
    if workers is not None and workers < 1:
        raise fail("--workers: must be >= 1")
    config = simulation_config(
        config_file, maker_fee=maker_fee, taker_fee=taker_fee, slippage_bps=slippage_bps
    )
    default_rule, default_path = config.fill_rule, config.path
    candles, funding = load_market(data, symbol)
    if len(candles) == 0:
        raise fail("--data: no candles")
    price = float(candles.open[0])
    space: dict[str, list[Any]] = {
        "lower": parse_numbers(lower or repr(round(price * 0.9, 2)), "lower"),
        "upper": parse_numbers(upper or repr(round(price * 1.1, 2)), "upper"),
        "grids": parse_numbers(grids, "grids", integer=True),
        "direction": parse_words(direction, "direction", ("long", "short", "neutral")),
        "leverage": parse_numbers(leverage, "leverage", integer=True),
        "allocation": parse_numbers(allocation, "allocation"),
        "fill_rule": parse_words(fill_rule or default_rule, "fill-rule", ("touch", "cross")),
        "path": parse_words(path or default_path, "path", ("nearest", "ohlc", "olhc")),
    }
    if spacing is not None:
        space["spacing"] = parse_words(spacing, "spacing", ("arithmetic", "geometric"))
    if tp_pct is not None:
        space["tp_pct"] = parse_optional(tp_pct, "tp-pct")
    if sl_pct is not None:
        space["sl_pct"] = parse_optional(sl_pct, "sl-pct")
    base = {"symbol": symbol or candles.symbol}
    try:
        sweep = run_sweep(
            candles,
            base,
            space,
            config=config,
            funding=funding,
            metric=metric,
            workers=workers,
            progress=progress and not as_json,
        )
    except ValueError as exc:
        raise fail(str(exc)) from exc
    if not sweep.rows:
        reasons = "; ".join(f"{n} × {r}" for r, n in sweep.skip_reasons.items())
        raise fail(f"all {sweep.total:,} combinations are invalid: {reasons}")
    if report is not None:
        from gridarena.backtest.report import write_sweep_report

        write_sweep_report(sweep, report, rerun(sweep.rows[0], candles, funding))
    if as_json:
        sys.stdout.write(json.dumps(sweep.to_dict(top)) + "\n")
        return
    _print_table(sweep, top)
    if report is not None:
        Console().print(f"report written to {report}")
