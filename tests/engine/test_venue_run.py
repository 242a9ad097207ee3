"""The whole live path against the facade: ccxt adapter, order tracker, store, manual clock.

A run with faults ends with the same fills and PnL as a run without; what the engine believes
open and its position equal what the venue reports; a second engine cannot take the session.
"""

import uuid
from decimal import Decimal
from typing import Any

import pytest
from pydantic import SecretStr

from gridarena.backtest.runner import BacktestConfig
from gridarena.engine.venue_run import LeaseHeld, VenueRun, VenueRunConfig
from gridarena.grid.spec import GridSpec
from gridarena.marketdata.generator import generate_market
from gridarena.venues.facade import FacadeConfig, create_app
from gridarena.venues.facade.config import FaultConfig, LimitConfig
from gridarena.venues.facade.markets import build_exchange
from gridarena.venues.facade.server import serve_in_thread
from gridarena.venues.live.factory import open_venue
from gridarena.venues.live.profile import Credentials

KEY, SECRET = "engine-key", "engine-secret-0123456789"
MARKET = generate_market(seed=8, n_candles=200)
FAST_LIMITS = LimitConfig(weight_per_minute=10**7, orders_per_minute=10**6, orders_per_10s=10**6)
ORDER_FAULTS = ("503_after_accept", "503_before_accept", "500", "502", "429", "drop")


def _spec() -> GridSpec:
    lo, hi = float(MARKET.low.min()), float(MARKET.high.max())
    return GridSpec(
        symbol="BTCUSDT",
        lower=round(lo, 1),
        upper=round(hi, 1),
        grids=12,
        direction="neutral",
        base_allocation=10_000,
        leverage=2,
        entry_mode="taker",
    )


async def _run(db_url: str, faults: FaultConfig, **cfg: Any) -> dict[str, Any]:
    exchange = build_exchange([(MARKET, None)], ["alice"], Decimal(100_000))
    # A replay at machine speed makes thousands of calls a minute: lift Binance's limits (the
    # engine honours 429 Retry-After, which would only make this test wait).
    config = FacadeConfig(clock="manual", faults=faults, limits=FAST_LIMITS)
    app = create_app(exchange, {KEY: (SECRET, "alice")}, config)
    # The venue runs in its own thread, as a separate server would, not in the engine's loop.
    with serve_in_thread(app) as running:
        venue = open_venue(
            "binanceusdm",
            credentials=Credentials(api_key=SecretStr(KEY), secret=SecretStr(SECRET)),
            live=True,
            base_url=running.base_url,
            symbols=["BTCUSDT"],
            timeout_ms=3000,
            rate_limit=False,  # our own limiter paces calls; ccxt's throttle would add 50 ms each
        )
        sid = cfg.pop("session_id", f"vr-{uuid.uuid4().hex[:8]}")
        run = VenueRun(
            venue=venue,
            spec=_spec(),
            candles=MARKET,
            config=BacktestConfig(),
            run_config=VenueRunConfig(
                venue_url=running.base_url,
                db_url=db_url,
                session_id=sid,
                account=f"acct-{sid}",
                **cfg,
            ),
        )
        try:
            out = await run.run()
        finally:
            await venue.close()  # type: ignore[union-attr]
    out["venue_open"] = sorted(
        o.request.client_id for o in exchange.orders["alice"].values() if o.status.is_open
    )
    position = exchange.accounts["alice"].positions.get("BTCUSDT")
    out["venue_position"] = str(position.qty if position else Decimal(0))
    return out


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_venue_run_when_order_calls_faulted_then_same_fills_and_pnl_as_clean(
    db_url: str,
) -> None:
    clean = await _run(db_url, FaultConfig())
    faulty = await _run(
        db_url,
        FaultConfig(rate=0.15, kinds=ORDER_FAULTS, endpoints=("POST /fapi/v1/order",), seed=4),
    )
    assert clean["fills"] > 10
    assert faulty["tracker"]["unknown"] > 0
    assert faulty["fill_rows"] == clean["fill_rows"]
    assert faulty["realized_pnl"] == pytest.approx(clean["realized_pnl"], abs=1e-9)
    for out in (clean, faulty):
        assert out["open_orders"] == out["venue_open"]
        assert Decimal(out["position"]) == Decimal(out["venue_position"])
        assert Decimal(out["engine_position"]) == Decimal(out["venue_position"])


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_venue_run_when_session_leased_by_another_engine_then_refuses_and_says_why(
    db_url: str,
) -> None:
    from datetime import UTC, datetime

    from gridarena.store import make_engine, repo, session_factory, transaction

    sid = f"lease-{uuid.uuid4().hex[:8]}"
    # First engine: trades a few ticks and keeps the lease (it "is still running").
    first = await _run(db_url, FaultConfig(), session_id=sid, engine_id="engine-A")
    with transaction(session_factory(make_engine(db_url))) as s:
        assert repo.acquire_lease(
            s, session_id=sid, owner="engine-A", ttl_s=600, at=datetime.now(UTC)
        )
    with pytest.raises(LeaseHeld, match="engine-A"):
        await _run(db_url, FaultConfig(), session_id=sid, engine_id="engine-B")
    assert first["fills"] > 0


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_venue_run_when_account_killed_in_store_then_no_order_reaches_the_venue(
    db_url: str,
) -> None:
    from sqlalchemy import select

    from gridarena.store import make_engine, session_factory, transaction
    from gridarena.store.models import RiskEvent
    from gridarena.store.repo.control import set_kill_switch

    sid = f"kill-{uuid.uuid4().hex[:8]}"
    factory = session_factory(make_engine(db_url))
    with transaction(factory) as s:  # set through the API, before this engine starts
        set_kill_switch(s, scope=f"account:acct-{sid}", active=True, by="ops")

    out = await _run(db_url, FaultConfig(), session_id=sid)

    assert out["fills"] == 0
    assert out["venue_open"] == []
    with factory() as s:
        codes = set(
            s.scalars(select(RiskEvent.reason_code).where(RiskEvent.kind == "order_refused"))
        )
    assert any("KILL_SWITCH" in code for code in codes)


def test_stored_kill_check_when_store_unreadable_then_fails_closed_and_retries() -> None:
    from gridarena.engine.killswitch import StoredKillCheck
    from gridarena.store import make_engine, session_factory

    broken = session_factory(make_engine("sqlite:////nonexistent/dir/x.db"))
    check = StoredKillCheck(broken, "acct", ttl_s=60.0, clock=lambda: 0.0)

    assert check() is True
    assert check() is True
    assert check.reads == 2  # a failed read is never cached
