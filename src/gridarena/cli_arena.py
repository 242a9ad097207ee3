"""`gridarena arena` (a whole season offline) and `gridarena up` (the arena, live, the main job)."""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import signal
import socket
import sys
import time
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import IO, TYPE_CHECKING, Annotated, cast

import typer
from rich.console import Console
from rich.live import Live
from rich.table import Table

from gridarena.cli_common import ConfigOpt, JsonOpt, fail

if TYPE_CHECKING:
    from gridarena.arena.leaderboard import LeaderRow
    from gridarena.arena.replay import StoredSeason
    from gridarena.arena.runner import Arena
    from gridarena.config import Settings
    from gridarena.marketdata.candles import Candles

console = Console()
GENERATED = (("BTCUSDT", 42, 60_000.0, 0.1), ("ETHUSDT", 43, 3_000.0, 0.01),
             ("SOLUSDT", 44, 150.0, 0.001))  # fmt: skip

COLUMNS = ("#", "provider", "equity", "return %", "vs best rule", "PnL net LLM", "LLM $",
           "Sharpe", "max DD %", "win %", "trades", "decisions", "refused", "state")  # fmt: skip
DataDirOpt = Annotated[
    Path | None,
    typer.Option("--data", help="A directory of candle files (one symbol each) or one file."),
]
DaysOpt = Annotated[int | None, typer.Option(help="Use only the first N days of data.")]
DbOpt = Annotated[str | None, typer.Option("--db", help="Store URL (default: DATABASE_URL).")]


def load_arena_market(
    data: Path | None, days: int | None, symbols: str | None
) -> dict[str, Candles]:
    """Return candles per symbol: the files in ``data`` or three generated markets."""
    from gridarena.marketdata.generator import generate_market
    from gridarena.marketdata.loader import load_candles

    if days is not None and days <= 0:
        raise fail("--days: must be >= 1")
    wanted = {s.strip().upper() for s in symbols.split(",")} if symbols else None
    out: dict[str, Candles] = {}
    if data is None:
        n = (days or 7) * 1440
        for symbol, seed, price, tick in GENERATED:
            out[symbol] = generate_market(
                seed=seed, n_candles=n, start_price=price, symbol=symbol, tick=tick
            )
    else:
        if not data.exists():
            raise fail(f"--data: not found: {data}")
        files = (
            sorted(data.glob("*.parquet")) + sorted(data.glob("*.csv")) if data.is_dir() else [data]
        )
        if not files:
            raise fail(f"--data: no .parquet or .csv candle files in {data}")
        for path in files:
            try:
                candles = load_candles(path)
            except (ValueError, OSError) as exc:
                raise fail(f"--data: {path.name}: {exc}") from exc
            if days is not None:
                candles = candles.between(None, int(candles.ts_ms[0]) + days * 86_400_000)
            out[candles.symbol] = candles
    if wanted is not None:
        missing = wanted - set(out)
        if missing:
            raise fail(f"--symbols: no data for {', '.join(sorted(missing))}")
        out = {s: c for s, c in out.items() if s in wanted}
    return out


def _settings(config_file: Path | None, *, live_view: bool = False) -> Settings:
    """Load the settings and route logs to stderr (or ``logging.file``), secrets masked.

    Under the live leaderboard only warnings reach the terminal, so the view stays readable;
    with ``logging.file`` every record at the configured level goes there.
    """
    from gridarena.config import ConfigError, load_settings
    from gridarena.obs.logging import configure_logging, register_secrets

    try:
        settings = load_settings(config_file)
    except ConfigError as exc:
        raise fail(str(exc)) from exc
    register_secrets(settings.secret_values())
    logs = settings.logging
    level = logs.level
    stream = cast(IO[str], _Stderr())
    if logs.file is not None:
        try:
            stream = logs.file.open("a", encoding="utf-8")
        except OSError as exc:
            raise fail(f"logging.file: cannot open {logs.file}: {exc.strerror or exc}") from None
    elif live_view and level in ("DEBUG", "INFO"):
        level = "WARNING"
    configure_logging(json=logs.json_output, level=level, stream=stream)
    return settings


class _Stderr(io.TextIOBase):
    """Whatever ``sys.stderr`` is at the time of each write (test runners swap it)."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


def build_arena(
    candles: dict[str, Candles],
    settings: Settings,
    *,
    providers: str | None,
    seed: int | None,
    db: str | None,
    record: bool,
    mode: str,
    replay: str | None = None,
) -> Arena:
    """Compose the arena the settings and options describe (or re-run stored season ``replay``)."""
    from gridarena.arena.record import ArenaRecorder
    from gridarena.arena.runner import Arena, ArenaConfig
    from gridarena.arena.setup import builtin_configs, competitors_from
    from gridarena.engine.build import build_supervisor
    from gridarena.engine.killswitch import stored_board
    from gridarena.engine.recorder import StoreRecorder
    from gridarena.providers.factory import ProviderBuildError
    from gridarena.providers.types import Rules
    from gridarena.store import make_engine, session_factory
    from gridarena.store.migrate import upgrade

    arena_settings = settings.arena
    stored = _stored_season(settings, db, replay, sorted(candles)) if replay else None
    season_seed = seed if seed is not None else (arena_settings.seed or 42)
    if stored is not None:
        season_seed = stored.seed
        providers = ",".join(p for p in stored.providers if p not in stored.replay_competitors())
    configs = builtin_configs(season_seed) + list(arena_settings.providers)
    if providers:
        names = [p.strip() for p in providers.split(",") if p.strip()]
        known = {c.name: c for c in configs}
        unknown = [n for n in names if n not in known]
        if unknown:
            raise fail(f"--providers: unknown {', '.join(unknown)}; known: {', '.join(known)}")
        configs = [known[n] for n in names]
    elif stored is not None:
        configs = []
    try:
        competitors = competitors_from(configs, settings=settings.providers)
    except ProviderBuildError as exc:
        raise fail(str(exc)) from exc
    initial = arena_settings.initial_balance
    interval = settings.jobs.decision_interval_s
    selection: str = arena_settings.symbol_selection
    if stored is not None:  # the season's own settings, its providers in their order
        by_name = {c.name: c for c in competitors} | stored.replay_competitors()
        competitors = [by_name[name] for name in stored.providers]
        initial = Decimal(str(stored.config.get("initial_balance", initial)))
        interval = float(stored.config.get("decision_interval_s", interval))
        selection = str(stored.config.get("symbol_selection", selection))
    config = ArenaConfig(
        initial_balance=initial,
        decision_interval_s=interval,
        price_sync_interval_s=settings.jobs.price_sync_interval_s,
        balance_sync_interval_s=settings.jobs.balance_sync_interval_s,
        symbol_selection=selection,
        seed=season_seed,
        mode=mode,
        rules=Rules.from_settings(
            sorted(candles), risk=settings.risk, execution=settings.execution
        ),
        indicators=settings.indicators,
    )
    factory = None
    if record:
        url = db or settings.database_url.get_secret_value()
        try:
            upgrade(url)
        except Exception as exc:
            raise fail(f"--db: cannot open the store: {type(exc).__name__}") from exc
        factory = session_factory(make_engine(url))
    # Live seasons honour (and keep) the stored kill switches: a halt survives restarts.
    board = stored_board(factory) if factory is not None and mode != "backtest" else None
    supervisor = build_supervisor(settings.risk, settings.execution, kill_switches=board)
    arena = Arena(candles, competitors, supervisor, config=config)
    if factory is not None:
        recorder = StoreRecorder(factory)
        arena.record = ArenaRecorder(recorder, arena.season_id, orders=mode != "backtest")
    return arena


def _stored_season(
    settings: Settings, db: str | None, season_id: str, symbols: list[str]
) -> StoredSeason:
    from gridarena.arena.replay import load_season
    from gridarena.store import make_engine, session_factory

    url = db or settings.database_url.get_secret_value()
    engine = make_engine(url)
    try:
        stored = load_season(session_factory(engine), season_id)
    except LookupError as exc:
        raise fail(f"--replay: {exc}") from None
    except Exception as exc:
        raise fail(f"--replay: cannot read the store: {type(exc).__name__}") from None
    finally:
        engine.dispose()
    if sorted(stored.symbols) != symbols:
        raise fail(
            f"--replay: season {season_id} traded {', '.join(stored.symbols)}; the market given "
            f"has {', '.join(symbols)} (pass the same --data, --days and --symbols)"
        )
    return stored


def leaderboard_table(rows: list[LeaderRow], title: str) -> Table:
    """Return the leaderboard as a Rich table."""
    table = Table(title=title)
    for col in COLUMNS:
        table.add_column(col, justify="right" if col not in ("provider", "state") else "left")
    for r in rows:
        margin = "" if r.margin_vs_best_baseline is None else f"{r.margin_vs_best_baseline:+.2f}"
        table.add_row(
            str(r.rank), r.provider, f"{r.equity:,.2f}", f"{r.return_pct:+.2f}", margin,
            f"{r.pnl_net_of_llm:+,.2f}", f"{r.llm_cost:.4f}", f"{r.sharpe:.2f}",
            f"{r.max_drawdown * 100:.2f}", f"{r.win_rate * 100:.1f}", str(r.trades),
            str(r.decisions), str(sum(r.rejected.values())), r.state,
        )  # fmt: skip
    return table


def arena_command(
    backtest: Annotated[
        bool, typer.Option("--backtest", help="Run the whole season offline, as fast as possible.")
    ] = False,
    data: DataDirOpt = None,
    days: DaysOpt = None,
    symbols: Annotated[str | None, typer.Option(help="Comma-separated symbols to trade.")] = None,
    providers: Annotated[
        str | None, typer.Option(help="Comma-separated provider names (default: all).")
    ] = None,
    seed: Annotated[int | None, typer.Option(help="Season seed (symbol picks, baselines).")] = None,
    speed: Annotated[
        float, typer.Option(help="Replay speed without --backtest (N× real time).")
    ] = 60.0,
    db: DbOpt = None,
    record: Annotated[
        bool, typer.Option("--record/--no-record", help="Keep the season in the store.")
    ] = True,
    replay: Annotated[
        str | None,
        typer.Option(
            "--replay",
            help="Re-run a stored season: models answer with their stored responses "
            "(give the same --data/--days/--symbols).",
        ),
    ] = None,
    config_file: ConfigOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Run an arena season: every provider on its own account, one risk engine, a leaderboard."""
    if speed < 0:
        raise fail("--speed: must be >= 0")
    if replay is not None and (providers is not None or seed is not None):
        raise fail(
            "--replay: the season's own providers and seed are used; drop --providers/--seed"
        )
    settings = _settings(config_file, live_view=not as_json and not backtest)
    candles = load_arena_market(data, days, symbols)
    mode = "backtest" if backtest else "paper"
    arena = build_arena(
        candles, settings, providers=providers, seed=seed, db=db, record=record, mode=mode,
        replay=replay,
    )  # fmt: skip
    if mode != "backtest":
        _warn_kill_switches(arena, as_json)
    rows = _run(arena, speed=0.0 if backtest else speed, live=not as_json and not backtest)
    _report(arena, rows, mode, as_json=as_json)


def _run(arena: Arena, *, speed: float, live: bool) -> list[LeaderRow]:
    return asyncio.run(_season(arena, speed=speed, live=live))


@contextlib.contextmanager
def _stop_on_signals(stop: Callable[[], None]) -> Iterator[None]:
    """Call ``stop`` on Ctrl-C or SIGTERM (any number of times) while the block runs."""
    loop = asyncio.get_running_loop()
    handled = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop)
            handled.append(sig)
        except (NotImplementedError, RuntimeError, ValueError):  # not the main thread
            pass
    try:
        yield
    finally:
        for sig in handled:
            loop.remove_signal_handler(sig)


async def _season(arena: Arena, *, speed: float, live: bool) -> list[LeaderRow]:
    """Run the season; Ctrl-C (or SIGTERM) ends it after the current candle, results kept."""
    with _stop_on_signals(arena.request_stop):
        return await _season_view(arena, speed=speed, live=live)


async def _season_view(arena: Arena, *, speed: float, live: bool) -> list[LeaderRow]:
    """Run the season (with the live leaderboard when ``live``); close the model clients."""
    from gridarena.providers.factory import close_provider

    try:
        return await _season_run(arena, speed=speed, live=live)
    finally:
        for c in arena.competitors:
            await close_provider(c.provider)


async def _season_run(arena: Arena, *, speed: float, live: bool) -> list[LeaderRow]:
    if not live:
        return await arena.run(speed=speed)
    with Live(console=console, refresh_per_second=2) as view:
        last = [0.0]

        def show(a: Arena) -> None:
            now = time.monotonic()
            if now - last[0] >= 0.5:
                last[0] = now
                view.update(
                    leaderboard_table(a.leaderboard(), f"gridarena live · cycle {a.cycles}")
                )

        return await arena.run(speed=speed, on_cycle=show)


def up_command(
    data: DataDirOpt = None,
    days: DaysOpt = None,
    speed: Annotated[
        float, typer.Option(help="Replay speed: N× real time (0 = as fast as possible).")
    ] = 60.0,
    db: DbOpt = None,
    api: Annotated[
        bool, typer.Option("--api/--no-api", help="Serve the HTTP API beside the arena.")
    ] = True,
    host: Annotated[
        str | None, typer.Option(help="API bind address (default: api.host, 127.0.0.1).")
    ] = None,
    port: Annotated[
        int | None, typer.Option(help="API port (default: api.port, 8000; 0 = any free port).")
    ] = None,
    serve_after: Annotated[
        bool,
        typer.Option(
            "--serve-after/--exit-after",
            help="Keep serving the API once the season ends, until Ctrl-C.",
        ),
    ] = False,
    config_file: ConfigOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Start the arena on the paper venue (generated market unless --data), live leaderboard,
    and serve the API on it (grids, decisions, ops, the live stream)."""
    if speed < 0:
        raise fail("--speed: must be >= 0")
    if port is not None and not 0 <= port <= 65_535:
        raise fail("--port: must be 0..65535")
    if serve_after and not api:
        raise fail("--serve-after: there is no API to keep serving with --no-api")
    settings = _settings(config_file, live_view=not as_json)
    candles = load_arena_market(data, days, None)
    arena = build_arena(
        candles, settings, providers=None, seed=None, db=db, record=True, mode="paper"
    )
    _warn_kill_switches(arena, as_json)
    if not api:
        rows = _run(arena, speed=speed, live=not as_json)
    else:
        sock = _bind(host or settings.api.host, settings.api.port if port is None else port)
        bound_host, bound_port = sock.getsockname()[:2]
        if not as_json:
            console.print(
                f"gridarena API on http://{bound_host}:{bound_port} (OpenAPI at /docs, "
                f"live stream at /stream); keys: `gridarena keys create --scope trade`"
            )
        rows = asyncio.run(
            _serve_arena(
                arena, settings, sock, speed=speed, live=not as_json, serve_after=serve_after
            )
        )
    _report(arena, rows, "paper", as_json=as_json)


def _report(arena: Arena, rows: list[LeaderRow], mode: str, *, as_json: bool) -> None:
    summary = arena.summary(rows)
    if as_json:
        sys.stdout.write(json.dumps(summary, default=str) + "\n")
        return
    console.print(leaderboard_table(rows, f"gridarena {mode} season {arena.season_id}"))
    console.print(
        f"{summary['decisions']} decisions in {summary['cycles']} cycles over "
        f"{summary['candles']} candles × {len(arena.symbols)} symbols, {summary['elapsed_s']:.1f} s"
    )


def _warn_kill_switches(arena: Arena, quiet: bool) -> None:
    engaged = {s: st for s, st in arena.supervisor.kill_switches.snapshot().items() if st.active}
    if engaged and not quiet:
        for scope, state in sorted(engaged.items()):
            why = f" ({state.reason})" if state.reason else ""
            console.print(
                f"[bold red]kill switch {scope} is engaged{why}[/]: no new orders there; "
                f'release it with POST /ops/kill {{"scope": "{scope}", "active": false}}'
            )


def _bind(host: str, port: int) -> socket.socket:
    """Bind the API's socket now, so a taken port is a clear error before the season starts."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise fail(f"--port: cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    sock.listen(2048)
    sock.setblocking(False)
    return sock


async def _serve_arena(
    arena: Arena,
    settings: Settings,
    sock: socket.socket,
    *,
    speed: float,
    live: bool,
    serve_after: bool = False,
    stop: asyncio.Event | None = None,
) -> list[LeaderRow]:
    """Run the season with the API served on ``sock`` in the same event loop; stop together.

    With ``serve_after`` the API keeps serving the finished season (reads, status) until
    Ctrl-C, SIGTERM or ``stop`` is set.
    """
    stop = stop or asyncio.Event()
    import uvicorn

    from gridarena.api.app import create_app
    from gridarena.api.events import EventBus
    from gridarena.arena.control import ArenaControl

    assert arena.record is not None
    bus = EventBus()
    arena.bus = bus
    arena.cooperative = True
    arena.flush_every_s = 1.0
    app = create_app(
        settings=settings,
        session_factory=arena.record.recorder.factory,
        control=ArenaControl(arena),
        bus=bus,
    )

    class _Server(uvicorn.Server):
        @contextlib.contextmanager
        def capture_signals(self) -> Iterator[None]:
            yield  # `_season` owns Ctrl-C: it ends the season cleanly, then the server

    server = _Server(
        uvicorn.Config(
            app,
            log_config=None,
            access_log=False,
            server_header=False,
            proxy_headers=True,
            log_level="warning",
        )
    )
    serving = asyncio.create_task(server.serve(sockets=[sock]))
    serving.add_done_callback(lambda _: arena.request_stop())  # a dead server ends the season

    def on_signal() -> None:
        arena.request_stop()
        stop.set()

    # Ctrl-C ends the season, then the server; a second one during the shutdown changes nothing.
    with _stop_on_signals(on_signal):
        try:
            rows = await _season_view(arena, speed=speed, live=live)
            if serve_after and not arena.stop_requested:
                if live:
                    console.print(leaderboard_table(rows, f"gridarena season {arena.season_id}"))
                    console.print("season over; the API keeps serving it (Ctrl-C to stop)")
                waiting = asyncio.create_task(stop.wait())
                await asyncio.wait({waiting, serving}, return_when=asyncio.FIRST_COMPLETED)
                waiting.cancel()
            return rows
        finally:
            server.should_exit = True
            await serving
            sock.close()
