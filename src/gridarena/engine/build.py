"""Build a paper run from a spec and candles: one simulated account, one grid session."""

from __future__ import annotations

from decimal import Decimal

from gridarena.backtest.runner import BacktestConfig, PreparedGrid, prepare
from gridarena.engine.paper import PaperEngine
from gridarena.engine.session import GridSession
from gridarena.grid.spec import GridSpec
from gridarena.marketdata.candles import Candles, Funding
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


def paper_run(
    spec: GridSpec,
    candles: Candles,
    *,
    config: BacktestConfig | None = None,
    funding: Funding | None = None,
    balance: float | None = None,
    account: str = "paper",
    session_id: str = "s1",
) -> tuple[PaperEngine, GridSession, PreparedGrid]:
    """Return an engine with one funded account and one session, ready to `run`.

    The grid is prepared exactly as the backtest prepares it (same levels, sizes and start);
    candles before the start only warmed up indicators and are not replayed. The account holds
    ``balance`` (default: the spec's allocation).
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
    return engine, session, prepared
