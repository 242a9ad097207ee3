"""Build a paper run from a spec and candles: one simulated account, one grid session."""

from __future__ import annotations

from decimal import Decimal

from gridarena.backtest.runner import BacktestConfig, PreparedGrid, prepare
from gridarena.config.trading import ExecutionSettings, RiskSettings
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
