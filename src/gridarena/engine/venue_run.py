"""Paper trading through a real venue client: the whole live path, run against the facade.

The session places every order through the order tracker and the ccxt adapter; the facade
replays the same candles with a manual clock that this engine advances one tick at a time, so
the run is deterministic whatever the network or the faults do. One engine holds a session at a
time (a lease in the store); a restarted engine reconciles with the venue and carries on.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx

from gridarena.backtest.runner import BacktestConfig, PreparedGrid, prepare
from gridarena.config.trading import RiskSettings
from gridarena.domain.orders import OrderRequest
from gridarena.engine.killswitch import StoredKillCheck
from gridarena.engine.live import TrackedRun
from gridarena.engine.session import GridSession
from gridarena.execution.rate_limit import RateLimiter
from gridarena.execution.retry import with_retries
from gridarena.execution.risk_gateway import Decision, RiskGateway
from gridarena.execution.tracker import OrderTracker
from gridarena.grid.spec import GridSpec
from gridarena.marketdata.candles import Candles
from gridarena.risk import Approve, Reject, RiskLimits
from gridarena.store import enums as db
from gridarena.store import make_engine, repo, session_factory, transaction, upgrade
from gridarena.store.models import Provider
from gridarena.venues.base import Venue


class LeaseHeld(RuntimeError):
    """Another engine trades this session."""

    def __init__(self, session_id: str, owner: str | None, until: datetime | None) -> None:
        when = until.isoformat(timespec="seconds") if until else "?"
        super().__init__(
            f"session {session_id} is being traded by engine {owner!r} (lease until {when}); "
            "refusing to trade it too"
        )
        self.owner = owner


@dataclass(frozen=True)
class VenueRunConfig:
    """Where and as whom to run."""

    venue_url: str
    db_url: str
    session_id: str
    account: str = "venue-paper"
    engine_id: str = ""
    lease_ttl_s: float = 60.0
    renew_every_ticks: int = 200
    # Every order passes the risk gate; None = the risk settings' defaults.
    limits: RiskLimits | None = None


def default_engine_id() -> str:
    """Return an id naming this process (host and pid)."""
    import os

    return f"{socket.gethostname()}:{os.getpid()}"


class VenueRun:
    """One grid session traded through ``venue`` against a facade we clock ourselves."""

    def __init__(
        self,
        *,
        venue: Venue,
        spec: GridSpec,
        candles: Candles,
        config: BacktestConfig,
        run_config: VenueRunConfig,
    ) -> None:
        self.venue = venue
        self.spec = spec
        self.cfg = run_config
        self.engine_id = run_config.engine_id or default_engine_id()
        self.prepared: PreparedGrid = prepare(spec, candles, config=config)
        upgrade(run_config.db_url)
        self.factory = session_factory(make_engine(run_config.db_url))
        self.http = httpx.AsyncClient(base_url=run_config.venue_url, timeout=30.0)
        self.ticks_since_renew = 0
        self.resumed = False
        self.provider: str | None = None

    def _account_and_session(self) -> tuple[int, bool]:
        """Return the store account id and whether the session already existed."""
        with transaction(self.factory) as s:
            account = repo.get_account_by_name(s, name=self.cfg.account)
            if account is None:
                provider = repo.get_provider(s, name="venue-paper") or repo.create_provider(
                    s, name="venue-paper", kind=db.ProviderKind.RULE
                )
                account = repo.create_account(
                    s,
                    name=self.cfg.account,
                    provider_id=provider.id,
                    venue=self.venue.name,
                    starting_balance=Decimal(0),
                )
            owner = s.get(Provider, account.provider_id)
            self.provider = owner.name if owner is not None else None
            existed = repo.get_grid_session(s, session_id=self.cfg.session_id) is not None
            if not existed:
                config = repo.save_grid_config(
                    s,
                    account_id=account.id,
                    symbol=self.prepared.instrument.symbol,
                    spec=self.spec.model_dump(mode="json"),
                )
                repo.create_grid_session(
                    s,
                    session_id=self.cfg.session_id,
                    account_id=account.id,
                    config_id=config.id,
                    symbol=self.prepared.instrument.symbol,
                )
            return account.id, existed

    def _lease(self) -> None:
        with transaction(self.factory) as s:
            ok = repo.acquire_lease(
                s,
                session_id=self.cfg.session_id,
                owner=self.engine_id,
                ttl_s=self.cfg.lease_ttl_s,
                at=datetime.now(UTC),
            )
            if not ok:
                lease = repo.lease_of(s, session_id=self.cfg.session_id)
                raise LeaseHeld(self.cfg.session_id, lease.owner, lease.expires_at)

    def _release(self) -> None:
        with transaction(self.factory) as s:
            repo.release_lease(s, session_id=self.cfg.session_id, owner=self.engine_id)

    async def _advance(self) -> bool:
        self.ticks_since_renew += 1
        if self.ticks_since_renew >= self.cfg.renew_every_ticks:
            self.ticks_since_renew = 0
            self._lease()  # renew; raises if another engine took the session meanwhile
        response = await self.http.post("/sim/advance", params={"ticks": 1})
        response.raise_for_status()
        return int(response.json()["advanced"]) > 0

    async def run(self, *, max_ticks: int | None = None) -> dict[str, Any]:
        """Start (or resume) the session and trade it until the replay ends."""
        account_id, existed = self._account_and_session()
        self._lease()
        tracker = OrderTracker(
            venue=self.venue, factory=self.factory, account_id=account_id, limiter=RateLimiter()
        )
        session = GridSession(
            session_id=self.cfg.session_id,
            account=self.cfg.account,
            venue=self.venue,
            spec=self.spec,
            prepared=self.prepared,
            gateway=RiskGateway(
                tracker,
                venue=self.venue,
                limits=self.cfg.limits or RiskLimits.from_settings(RiskSettings()),
                leverage=Decimal(repr(float(self.spec.leverage))),
                on_decision=self._risk_event(account_id),
                # A kill switch set through the API (global, provider, account) stops new orders.
                kill_switch=StoredKillCheck(self.factory, self.cfg.account, self.provider),
            ),
        )
        run = TrackedRun(session=session, tracker=tracker, advance=self._advance, check_every=240)
        try:
            if existed:
                self.resumed = True
                await run.restart(reference_price=self.prepared.reference_price)
            else:
                venue = self.venue
                top = await with_retries(lambda: venue.book_top(session.symbol))
                await session.start((top.bid + top.ask) / 2)
            await run.run(max_ticks=max_ticks)
            await run.poll_fills()
            return await self.summary(run, tracker)
        finally:
            self._release()
            await self.http.aclose()

    def _risk_event(self, account_id: int) -> Callable[[OrderRequest, Decision], None]:
        """Store every refusal or reduction of the gate as a risk event."""

        def record(request: OrderRequest, decision: Decision) -> None:
            if isinstance(decision, Approve):
                return
            codes = decision.reason_codes if isinstance(decision, Reject) else decision.reasons
            kind = "order_refused" if isinstance(decision, Reject) else "order_reduced"
            with transaction(self.factory) as s:
                repo.add_risk_event(
                    s,
                    account_id=account_id,
                    kind=kind,
                    reason_code=",".join(c.value for c in codes)[:64],
                    requested={"qty": str(decision.requested.qty)},
                    approved={"qty": str(decision.approved.qty)},
                    detail=request.client_id,
                )

        return record

    async def summary(self, run: TrackedRun, tracker: OrderTracker) -> dict[str, Any]:
        """Return fills, PnL, the engine's open orders and position, and the venue's."""
        symbol = run.session.symbol
        fills = [f for f in await self.venue.fills_since(0, symbol) if run.ours(f.client_id)]
        positions = [p for p in await self.venue.positions() if p.symbol == symbol]
        believed = sorted(c for c in run.session.slot_orders if c is not None)
        return {
            "session_id": run.session.id,
            "engine_id": self.engine_id,
            "resumed": self.resumed,
            "ticks": run.stats.ticks,
            "fills": len(fills),
            "realized_pnl": float(sum((f.realized_pnl for f in fills), Decimal(0))),
            "fees": float(sum((f.fee for f in fills), Decimal(0))),
            "fill_rows": [[f.candle, f.side.value, str(f.price), str(f.qty)] for f in fills],
            "open_orders": believed,
            "position": str(positions[0].qty) if positions else "0",
            "engine_position": str(
                sum((f.qty if f.side.value == "BUY" else -f.qty for f in fills), Decimal(0))
            ),
            "tracker": {
                "submitted": tracker.stats.submitted,
                "unknown": tracker.stats.unknown,
                "resolved_found": tracker.stats.resolved_found,
                "resent": tracker.stats.resent,
                "adopted_duplicates": tracker.stats.adopted_duplicates,
                "rejected": tracker.stats.rejected,
                "unresolved": tracker.stats.unresolved,
            },
        }
