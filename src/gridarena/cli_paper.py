"""`gridarena paper`: a grid session on the simulated venue, recorded in the store."""

from __future__ import annotations

import asyncio
import json
import sys
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

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

if TYPE_CHECKING:
    from gridarena.config.trading import RiskSettings
    from gridarena.engine.paper import PaperEngine
    from gridarena.engine.recorder import StoreRecorder
    from gridarena.engine.session import GridSession
    from gridarena.engine.supervisor import RiskSupervisor

console = Console()
SUMMARY_ROWS = (
    "fills",
    "round_trips",
    "realized_pnl",
    "unrealized_pnl",
    "fees",
    "funding",
    "final_equity",
    "max_drawdown",
    "elapsed_s",
)


def open_recorder(db: str | None, config_file: Path | None) -> StoreRecorder:
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
    except Exception as exc:  # any driver error: name the store, never its password
        where = display_url(url)
        raise fail(f"--db: cannot open the store at {where}: {type(exc).__name__}") from exc


async def _replay(engine: PaperEngine, session: GridSession, speed: float, quiet: bool) -> float:
    if quiet:
        elapsed = await engine.run(speed=speed)
    else:
        from rich.progress import BarColumn, Progress, TextColumn

        total = 4 * len(engine.exchange.markets[session.symbol].candles)
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


def _run_on_venue(
    spec: Any,
    candles: Any,
    config: Any,
    *,
    venue: str,
    venue_url: str | None,
    api_key: str | None,
    api_secret: str | None,
    db: str | None,
    config_file: Path | None,
    session_id: str | None,
    engine_id: str | None,
    live: bool,
) -> dict[str, Any]:
    """Run the session through a real venue client (orders go over the wire)."""
    from urllib.parse import urlparse

    from pydantic import SecretStr

    from gridarena.config import ConfigError, load_settings
    from gridarena.engine.venue_run import LeaseHeld, VenueRun, VenueRunConfig
    from gridarena.risk import RiskLimits
    from gridarena.venues.live.factory import open_venue
    from gridarena.venues.live.profile import Credentials

    if venue_url is None:
        raise fail("--venue-url: required with --venue")
    host = urlparse(venue_url).hostname or ""
    loopback = host in ("localhost", "::1") or host.startswith("127.")
    if not loopback and not live:
        raise fail(
            f"--venue-url {venue_url} is not on this machine: add --live to send orders there"
        )
    if not api_key or not api_secret:
        raise fail("--api-key/--api-secret (or GRIDARENA_SIM_API_KEY/_SECRET) are required")
    try:
        settings = load_settings(config_file)
    except ConfigError as exc:
        raise fail(str(exc)) from exc
    url = db or settings.database_url.get_secret_value()
    limits = RiskLimits.from_settings(settings.risk, settings.execution)
    client = open_venue(
        venue,
        credentials=Credentials(api_key=SecretStr(api_key), secret=SecretStr(api_secret)),
        live=True,
        base_url=venue_url,
        symbols=[spec.symbol],
        # Pace with our own limiter (weights, Retry-After); ccxt's throttle would add 50 ms a call.
        rate_limit=not loopback,
    )
    run = VenueRun(
        venue=client,
        spec=spec,
        candles=candles,
        config=config,
        run_config=VenueRunConfig(
            venue_url=venue_url,
            db_url=url,
            session_id=session_id or f"venue-{uuid.uuid4().hex[:12]}",
            engine_id=engine_id or "",
            limits=limits,
        ),
    )

    async def main() -> dict[str, Any]:
        try:
            return await run.run()
        finally:
            await client.close()

    try:
        return asyncio.run(main())
    except LeaseHeld as exc:
        raise fail(str(exc)) from exc


def paper_supervisor(
    config_file: Path | None, recorder: StoreRecorder | None = None
) -> tuple[RiskSupervisor, RiskSettings]:
    """Return the risk supervisor the settings describe, and the risk settings.

    With a store, its kill switches are loaded (a halt survives restarts) and kept there.
    """
    from gridarena.config import ConfigError, load_settings
    from gridarena.engine.build import build_supervisor
    from gridarena.engine.killswitch import stored_board

    try:
        settings = load_settings(config_file)
    except ConfigError as exc:
        raise fail(str(exc)) from exc
    board = stored_board(recorder.factory) if recorder is not None else None
    return build_supervisor(settings.risk, settings.execution, kill_switches=board), settings.risk


def print_paper(summary: dict[str, Any]) -> None:
    """Print a paper run's summary as a Rich table."""
    title = f"Paper {summary['symbol']} — {summary['candles']:,} candles"
    table = Table(title=title, show_header=False)
    for key in SUMMARY_ROWS:
        val = summary[key]
        table.add_row(key, f"{val:,.4f}" if isinstance(val, float) else str(val))
    state = summary["account_state"]
    table.add_row("open orders", str(state["open_orders"]))
    held = ", ".join(f"{p['symbol']} {p['qty']:+}" for p in state["positions"])
    table.add_row("positions", held or "flat")
    table.add_row("risk events", str(len(summary["risk_events"])))
    console.print(table)


def paper_command(
    data: DataOpt = None,
    generated: Annotated[
        bool, typer.Option("--generated", help="Use the embedded generated market (default).")
    ] = False,
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
    balance: Annotated[
        float | None, typer.Option(help="Account balance (default: the allocation).")
    ] = None,
    fill_rule: FillRuleOpt = None,
    path: PathOpt = None,
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
    venue: Annotated[
        str | None,
        typer.Option(help="Trade through this venue's client (binanceusdm) instead of in-process."),
    ] = None,
    venue_url: Annotated[
        str | None, typer.Option(help="The venue's base URL, e.g. a `gridarena sim-venue`.")
    ] = None,
    api_key: Annotated[
        str | None, typer.Option(envvar="GRIDARENA_SIM_API_KEY", help="Venue API key.")
    ] = None,
    api_secret: Annotated[
        str | None,
        typer.Option(
            envvar="GRIDARENA_SIM_API_SECRET", help="Venue API secret.", show_default=False
        ),
    ] = None,
    session_id: Annotated[
        str | None, typer.Option(help="Session id (an existing one is resumed after a restart).")
    ] = None,
    engine_id: Annotated[
        str | None, typer.Option(help="This engine's name for the session lease (host:pid).")
    ] = None,
    live: Annotated[
        bool, typer.Option(help="Allow orders to a venue that is not on this machine.")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Paper-trade a grid on the simulated venue over candle files or the generated market."""
    from gridarena.engine.build import add_breakers, paper_run

    if generated and data:
        raise fail("--generated and --data are exclusive: pick one market")
    if speed < 0:
        raise fail("--speed: must be >= 0")
    if balance is not None and balance <= 0:
        raise fail("--balance: must be > 0")
    spec, candles, funding, config = run_inputs(
        spec_file=spec_file,
        data=data,
        config_file=config_file,
        funding_file=None,
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
    if venue is not None:
        summary = _run_on_venue(
            spec,
            candles,
            config,
            venue=venue,
            venue_url=venue_url,
            api_key=api_key,
            api_secret=api_secret,
            db=db,
            config_file=config_file,
            session_id=session_id,
            engine_id=engine_id,
            live=live,
        )
        if as_json:
            sys.stdout.write(json.dumps(summary, default=str) + "\n")
        else:
            console.print_json(data={k: v for k, v in summary.items() if k != "fill_rows"})
        return
    recorder = open_recorder(db, config_file) if record else None
    supervisor, risk = paper_supervisor(config_file, recorder)
    try:
        engine, session, _prepared = paper_run(
            spec,
            candles,
            config=config,
            funding=funding,
            balance=balance,
            session_id=f"paper-{uuid.uuid4().hex[:12]}",
            supervisor=supervisor,
        )
    except ValueError as exc:
        raise fail(str(exc)) from exc
    add_breakers(supervisor, engine, risk)
    if recorder is not None:
        engine.attach_recorder(recorder)
    elapsed = asyncio.run(_replay(engine, session, speed, quiet=as_json))
    summary = engine.summary(session.account, elapsed)
    summary["config"] = config.to_dict()
    summary["symbol"] = session.symbol
    if as_json:
        sys.stdout.write(json.dumps(summary, default=str) + "\n")
    else:
        print_paper(summary)
