"""Build a paper run from a spec and candles: one simulated account, one grid session."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

import numpy as np

from gridarena.backtest.runner import (
    BacktestConfig,
    PreparedGrid,
    instrument_for_candles,
    prepare,
)
from gridarena.config.trading import ExecutionSettings, HedgeSettings, RiskSettings
from gridarena.engine.hedging import HedgeJob
from gridarena.engine.killswitch import KillSwitchBoard
from gridarena.engine.paper import PaperEngine
from gridarena.engine.session import GridSession
from gridarena.engine.supervisor import RiskSupervisor
from gridarena.grid.spec import GridSpec
from gridarena.marketdata.candles import Candles, Funding
from gridarena.risk import RiskLimits
from gridarena.risk.breaker import CircuitBreaker
from gridarena.risk.calendar import SessionCalendar
from gridarena.risk.monitors import MonitorLimits, PortfolioMonitor
from gridarena.venues.sim.exchange import SimConfig, SimExchange
from gridarena.venues.sim.market import SimMarket
from gridarena.venues.sim.venue import SimVenue


def sim_config(config: BacktestConfig) -> SimConfig:
    """Return the venue rules that match a backtest configuration."""
    return SimConfig(
        maker_fee=config.fees.maker,
        taker_fee=config.fees.taker,
        slippage_bps=Decimal(repr(config.slippage_bps)),
        fill_rule=config.fill_rule,
        maintenance_margin=Decimal(repr(config.maintenance_margin)),
    )


def build_supervisor(
    risk: RiskSettings | None = None,
    execution: ExecutionSettings | None = None,
    *,
    limits: RiskLimits | None = None,
    monitor_limits: MonitorLimits | None = None,
    kill_switches: KillSwitchBoard | None = None,
    providers: dict[str, str] | None = None,
    calendar: SessionCalendar | None = None,
) -> RiskSupervisor:
    """Return a supervisor whose gate and monitors follow the risk settings.

    ``limits`` / ``monitor_limits`` override what the settings give (tests, benchmarks).
    The session calendar comes from ``risk.flatten_at`` when set (futures), else none.
    """
    risk = risk or RiskSettings()
    if calendar is None and risk.flatten_at is not None:
        calendar = SessionCalendar.from_settings(risk)
    return RiskSupervisor(
        limits or RiskLimits.from_settings(risk, execution),
        PortfolioMonitor(monitor_limits or MonitorLimits.from_settings(risk)),
        kill_switches=kill_switches,
        providers=providers,
        calendar=calendar,
    )


def add_breakers(supervisor: RiskSupervisor, engine: PaperEngine, risk: RiskSettings) -> None:
    """Give every market of ``engine`` a circuit breaker bound to its candles."""
    for symbol, market in engine.exchange.markets.items():
        breaker = CircuitBreaker.from_settings(risk, symbol=symbol)
        supervisor.breakers[symbol] = breaker.bind(market.candles)


def open_supervisor() -> RiskSupervisor:
    """Return a supervisor with limits no grid reaches (parity runs and benchmarks)."""
    return RiskSupervisor(RiskLimits.unrestricted(), PortfolioMonitor(MonitorLimits()))


def paper_run(
    spec: GridSpec,
    candles: Candles,
    *,
    config: BacktestConfig | None = None,
    funding: Funding | None = None,
    balance: float | None = None,
    account: str = "paper",
    session_id: str = "s1",
    supervisor: RiskSupervisor | None = None,
) -> tuple[PaperEngine, GridSession, PreparedGrid]:
    """Return an engine with one funded account and one session, ready to `run`.

    The grid is prepared exactly as the backtest prepares it (same levels, sizes and start);
    candles before the start only warmed up indicators and are not replayed. The account holds
    ``balance`` (default: the spec's allocation). Every order passes ``supervisor``'s risk
    gate and its monitors watch the account (default: the risk settings' defaults).
    """
    config = config or BacktestConfig()
    prepared = prepare(spec, candles, config=config)
    traded = candles.slice(prepared.start_index) if prepared.start_index else candles
    market = SimMarket(prepared.instrument, traded, funding, path=config.path)
    exchange = SimExchange([market], sim_config(config))
    exchange.add_account(account, Decimal(repr(float(balance or prepared.params.allocation))))
    engine = PaperEngine(exchange)
    session = GridSession(
        session_id=session_id,
        account=account,
        venue=SimVenue(exchange, account),
        spec=spec,
        prepared=prepared,
    )
    engine.add_session(session)
    engine.attach_supervisor(supervisor or build_supervisor())
    return engine, session, prepared


def paper_run_multi(
    spec: GridSpec,
    candles: Candles,
    others: Sequence[Candles],
    *,
    config: BacktestConfig | None = None,
    funding: Funding | None = None,
    balance: float | None = None,
    account: str = "paper",
    session_id: str = "s1",
    supervisor: RiskSupervisor | None = None,
) -> tuple[PaperEngine, GridSession, PreparedGrid]:
    """Like `paper_run`, with more markets (``others``) on the same exchange and account.

    The grid trades ``candles`` (its symbol is the spec's); the other markets are replayed
    alongside it without a session (a hedge instrument, say). Every market must have the same
    candle timestamps, so all of them close together; they are cut at the grid's start.
    """
    config = config or BacktestConfig()
    prepared = prepare(spec, candles, config=config)
    start = prepared.start_index

    def cut(c: Candles) -> Candles:
        return c.slice(start) if start else c

    markets = [SimMarket(prepared.instrument, cut(candles), funding, path=config.path)]
    for other in others:
        if other.symbol in {m.symbol for m in markets}:
            raise ValueError(f"market {other.symbol!r} given twice")
        if not np.array_equal(other.ts_ms, candles.ts_ms):
            raise ValueError(f"{other.symbol}: candle timestamps differ from {candles.symbol}'s")
        inst = instrument_for_candles(other.symbol, other)
        markets.append(SimMarket(inst, cut(other), path=config.path))
    exchange = SimExchange(markets, sim_config(config))
    exchange.add_account(account, Decimal(repr(float(balance or prepared.params.allocation))))
    engine = PaperEngine(exchange)
    session = GridSession(
        session_id=session_id,
        account=account,
        venue=SimVenue(exchange, account),
        spec=spec,
        prepared=prepared,
    )
    engine.add_session(session)
    engine.attach_supervisor(supervisor or build_supervisor())
    return engine, session, prepared


def add_hedge(
    supervisor: RiskSupervisor,
    engine: PaperEngine,
    settings: HedgeSettings,
    session: GridSession,
    *,
    close_k: Decimal = Decimal("0.5"),
) -> HedgeJob | None:
    """Hedge ``session`` as ``settings`` say; return the job (None when hedging is off).

    The session must trade ``settings.primary_instrument`` and the engine must replay
    ``settings.hedge_instrument``.
    """
    if not settings.enabled:
        return None
    if session.symbol != settings.primary_instrument:
        raise ValueError(
            f"hedge primary_instrument {settings.primary_instrument!r} is not the session's "
            f"symbol {session.symbol!r}"
        )
    if settings.hedge_instrument not in engine.exchange.markets:
        raise ValueError(f"hedge_instrument {settings.hedge_instrument!r} has no market")
    if settings.hedge_instrument == session.symbol:
        raise ValueError("hedge_instrument must differ from the primary")
    job = HedgeJob.from_settings(settings, session_id=session.id, close_k=close_k)
    supervisor.hedges.append(job)
    return job
