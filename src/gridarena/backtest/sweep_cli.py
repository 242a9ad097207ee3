"""`gridarena sweep`: backtest a grid of parameter sets in parallel and rank them.

Kept apart from `gridarena.cli` (which registers it) so the two modules do not import each
other; errors therefore go through this module's own `_fail`. The sweep machinery is imported
when the command runs, so it adds nothing to the start-up of other commands.
"""

from __future__ import annotations

import json
import sys
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import numpy as np
import typer
from rich.console import Console
from rich.table import Table

from gridarena.backtest.runner import BacktestConfig
from gridarena.domain.fees import FeeSchedule

if TYPE_CHECKING:
    from gridarena.backtest.sweep import SweepResult
    from gridarena.marketdata.candles import Candles, Funding

_NONE = ("none", "off")


def _fail(message: str) -> typer.Exit:
    Console(stderr=True).print(f"[bold red]error:[/] {message}")
    return typer.Exit(code=2)


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
            raise _fail(f"--{name}: {item!r} is not a number or start:stop:count ({exc})") from exc
        if not all(np.isfinite(values)):
            raise _fail(f"--{name}: {item!r} is not finite")
        if integer:
            ints = [round(v) for v in values]
            if ":" not in item and ints[0] != values[0]:
                raise _fail(f"--{name}: {item!r} is not a whole number")
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
        raise _fail(f"--{name}: {bad[0]!r} is not one of {', '.join(allowed)}")
    return list(dict.fromkeys(words))


def _load(data: list[Path] | None, symbol: str | None) -> tuple[Candles, Funding | None]:
    from gridarena.marketdata.generator import default_market
    from gridarena.marketdata.loader import find_funding_file, load_funding, load_many

    if not data:
        return default_market(), None
    for p in data:
        if not p.exists():
            raise _fail(f"--data: file not found: {p}")
    try:
        candles = load_many([str(p) for p in data], symbol=symbol)
        found = find_funding_file(data[0])
        return candles, load_funding(found) if found is not None else None
    except (ValueError, OSError) as exc:
        raise _fail(f"--data: {exc}") from exc


def _config(
    config_file: Path | None,
    maker_fee: float | None,
    taker_fee: float | None,
    slippage_bps: float | None,
) -> tuple[BacktestConfig, str, str]:
    """Resolve fees and slippage (option > env var > config file > default), as backtest does."""
    from gridarena.config import ConfigError, load_settings

    try:
        execution = load_settings(config_file).execution
    except ConfigError as exc:
        raise _fail(str(exc)) from exc
    bp = Decimal("0.0001")
    maker = Decimal(repr(maker_fee)) if maker_fee is not None else execution.maker_fee_bps * bp
    taker = Decimal(repr(taker_fee)) if taker_fee is not None else execution.taker_fee_bps * bp
    slip = slippage_bps if slippage_bps is not None else float(execution.slippage_bps)
    if not 0 <= slip < 1000:
        raise _fail(f"--slippage-bps: {slip} must be within [0, 1000)")
    try:
        fees = FeeSchedule(maker=maker, taker=taker)
    except ValueError as exc:
        raise _fail(f"fees: {exc}") from exc
    config = BacktestConfig(fees=fees, slippage_bps=slip)
    return config, execution.fill_rule, execution.intrabar_path


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
    data: Annotated[
        list[Path] | None, typer.Option(help="Candle file(s); default: embedded generated market.")
    ] = None,
    symbol: Annotated[str | None, typer.Option(help="Instrument symbol, e.g. BTCUSDT.")] = None,
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
    maker_fee: Annotated[float | None, typer.Option(help="Maker fee rate, e.g. 0.0002.")] = None,
    taker_fee: Annotated[float | None, typer.Option(help="Taker fee rate, e.g. 0.0005.")] = None,
    slippage_bps: Annotated[
        float | None, typer.Option(help="Market-order slippage in bp (SLIPPAGE_BPS).")
    ] = None,
    config_file: Annotated[
        Path | None, typer.Option("--config", help="Config file (TOML/YAML).")
    ] = None,
    metric: Annotated[str, typer.Option(help="Rank by return|sharpe|calmar.")] = "return",
    top: Annotated[int, typer.Option(help="Rows to show.")] = 10,
    workers: Annotated[int | None, typer.Option(help="Processes (default: all cores).")] = None,
    report: Annotated[Path | None, typer.Option(help="Write an HTML report here.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    progress: Annotated[bool, typer.Option(help="Show a progress bar on a terminal.")] = True,
) -> None:
    """Backtest every combination of the given values in parallel and rank them.

    Each value option takes a comma list or ``start:stop:count`` (inclusive) ranges; lower and
    upper default to ±10 % around the first open.
    """
    from gridarena.backtest.sweep import METRICS, rerun, run_sweep

    if metric not in METRICS:
        raise _fail(f"--metric: {metric!r} is not one of {', '.join(METRICS)}")
    if top < 1:
        raise _fail("--top: must be >= 1")
    if workers is not None and workers < 1:
        raise _fail("--workers: must be >= 1")
    config, default_rule, default_path = _config(config_file, maker_fee, taker_fee, slippage_bps)
    candles, funding = _load(data, symbol)
    if len(candles) == 0:
        raise _fail("--data: no candles")
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
        raise _fail(str(exc)) from exc
    if not sweep.rows:
        reasons = "; ".join(f"{n} × {r}" for r, n in sweep.skip_reasons.items())
        raise _fail(f"all {sweep.total:,} combinations are invalid: {reasons}")
    if report is not None:
        from gridarena.backtest.report import write_sweep_report

        write_sweep_report(sweep, report, rerun(sweep.rows[0], candles, funding))
    if as_json:
        sys.stdout.write(json.dumps(sweep.to_dict(top)) + "\n")
        return
    _print_table(sweep, top)
    if report is not None:
        Console().print(f"report written to {report}")
