"""Pieces shared by the CLI commands: errors, market loading, simulation settings, options."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from pydantic import ValidationError
from rich.console import Console

from gridarena.backtest.runner import BacktestConfig
from gridarena.domain.fees import FeeSchedule
from gridarena.grid.spec import GridSpec

if TYPE_CHECKING:
    from gridarena.marketdata.candles import Candles, Funding

FILL_RULES = ("touch", "cross")
PATHS = ("nearest", "ohlc", "olhc")

DataOpt = Annotated[
    list[Path] | None,
    typer.Option(help="Candle file(s) (parquet/csv/feather); default: embedded generated market."),
]
SymbolOpt = Annotated[str | None, typer.Option(help="Instrument symbol, e.g. BTCUSDT.")]
MakerFeeOpt = Annotated[float | None, typer.Option(help="Maker fee rate, e.g. 0.0002.")]
TakerFeeOpt = Annotated[float | None, typer.Option(help="Taker fee rate, e.g. 0.0005.")]
SlippageOpt = Annotated[
    float | None, typer.Option(help="Market-order slippage in bp (SLIPPAGE_BPS).")
]
ConfigOpt = Annotated[Path | None, typer.Option("--config", help="Config file (TOML/YAML).")]
ReportOpt = Annotated[Path | None, typer.Option(help="Write an HTML report here.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object.")]
SpecFileOpt = Annotated[
    Path | None, typer.Option("--spec", help="Grid spec JSON (options override it).")
]
LowerOpt = Annotated[float | None, typer.Option(help="Lowest grid level.")]
UpperOpt = Annotated[float | None, typer.Option(help="Highest grid level.")]
GridsOpt = Annotated[int | None, typer.Option(help="Number of grids (levels − 1).")]
SpacingOpt = Annotated[
    str | None, typer.Option(help="arithmetic|geometric|geometric_from_price|atr")
]
DirectionOpt = Annotated[str | None, typer.Option(help="long|short|neutral")]
AllocationOpt = Annotated[float | None, typer.Option(help="Margin allocated (quote).")]
LeverageOpt = Annotated[int | None, typer.Option(help="Leverage.")]
TpOpt = Annotated[float | None, typer.Option(help="Take profit, fraction of equity.")]
SlOpt = Annotated[float | None, typer.Option(help="Stop loss, fraction of equity.")]
FillRuleOpt = Annotated[str | None, typer.Option(help="touch|cross (execution.fill_rule)")]
PathOpt = Annotated[
    str | None, typer.Option(help="Intrabar path nearest|ohlc|olhc (execution.intrabar_path)")
]


def fail(message: str) -> typer.Exit:
    """Print ``message`` as a CLI error and return the exit to raise (code 2: bad input)."""
    Console(stderr=True).print(f"[bold red]error:[/] {message}")
    return typer.Exit(code=2)


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


def describe_validation(exc: ValidationError) -> str:
    """Turn a pydantic error into one line per field."""
    parts = []
    for e in exc.errors():
        loc = ".".join(str(x) for x in e["loc"]) or "spec"
        parts.append(f"{loc}: {e['msg']}")
    return "; ".join(parts)


def grid_spec(base: dict[str, Any], candles: Candles, **options: Any) -> GridSpec:
    """Merge CLI grid options over a spec file and validate; exit naming the field on error.

    Option names are the CLI's (``allocation`` is the spec's ``base_allocation``); ``None``
    means "not given". The symbol defaults to the spec file's, then the data's.
    """
    renamed = {"allocation": "base_allocation"}
    given = {renamed.get(k, k): v for k, v in options.items() if v is not None}
    given.setdefault("symbol", base.get("symbol") or candles.symbol)
    try:
        return GridSpec.model_validate({**base, **given})
    except ValidationError as exc:
        raise fail(f"invalid grid spec: {describe_validation(exc)}") from exc


def run_inputs(
    *,
    spec_file: Path | None,
    data: list[Path] | None,
    config_file: Path | None,
    grid: dict[str, Any],
    simulation: dict[str, Any],
    funding_file: Path | None = None,
) -> tuple[GridSpec, Candles, Funding | None, BacktestConfig]:
    """Resolve what every grid command needs: the spec, the market and the simulation rules.

    ``grid`` holds the CLI grid options (None = not given) merged over the spec file;
    ``simulation`` the fill rule, path, fees and slippage options.
    """
    base = read_spec_file(spec_file)
    candles, funding = load_market(data, grid.get("symbol") or base.get("symbol"), funding_file)
    spec = grid_spec(base, candles, **grid)
    return spec, candles, funding, simulation_config(config_file, **simulation)


def load_market(
    data: list[Path] | None, symbol: str | None, funding_file: Path | None = None
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
        found = funding_file or find_funding_file(data[0])
        return candles, load_funding(found) if found is not None else None
    except (ValueError, OSError) as exc:
        raise fail(f"--data: {exc}") from exc


def simulation_config(
    config_file: Path | None,
    *,
    fill_rule: str | None = None,
    path: str | None = None,
    maker_fee: float | None = None,
    taker_fee: float | None = None,
    slippage_bps: float | None = None,
) -> BacktestConfig:
    """Resolve simulation settings: CLI option > env var > config file > default."""
    from gridarena.config import ConfigError, load_settings

    try:
        execution = load_settings(config_file).execution
    except ConfigError as exc:
        raise fail(str(exc)) from exc
    rule = fill_rule or execution.fill_rule
    intrabar = path or execution.intrabar_path
    if rule not in FILL_RULES:
        raise fail(f"--fill-rule: {rule!r} is not touch or cross")
    if intrabar not in PATHS:
        raise fail(f"--path: {intrabar!r} is not nearest, ohlc or olhc")
    for name, value in (("--maker-fee", maker_fee), ("--taker-fee", taker_fee)):
        if value is not None and not -0.01 <= value < 0.1:
            raise fail(f"{name}: {value} is not a fee rate (e.g. 0.0002 for 2 bp)")
    slip = slippage_bps if slippage_bps is not None else float(execution.slippage_bps)
    if not 0 <= slip < 1000:
        raise fail(f"--slippage-bps: {slip} must be within [0, 1000)")
    bp = Decimal("0.0001")
    maker = Decimal(repr(maker_fee)) if maker_fee is not None else execution.maker_fee_bps * bp
    taker = Decimal(repr(taker_fee)) if taker_fee is not None else execution.taker_fee_bps * bp
    try:
        fees = FeeSchedule(maker=maker, taker=taker)
    except ValueError as exc:
        raise fail(f"fees: {exc}") from exc
    return BacktestConfig(fill_rule=rule, path=intrabar, fees=fees, slippage_bps=slip)
