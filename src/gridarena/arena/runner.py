"""The arena: providers, each with its own account on one simulated venue, compete on the same
market snapshots under one risk supervisor.

Jobs run on market time (the replay's clock), as in the seeds: price sync (10 s), balance
sync (1 min), decision cycle (3 min), risk monitor (after every tick and fill, inside the
engine). In each decision cycle ONE symbol is chosen (round-robin, or at random from the
recorded seed), ONE snapshot is built and hashed, and every provider receives that same
snapshot (same-snapshot fairness); providers decide concurrently, each within its timeout.
A provider that fails, hangs or answers garbage gets a HOLD with the error stored; no job
error stops the season.
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol

import numpy as np

from gridarena.arena.executor import Executed, Executor
from gridarena.arena.leaderboard import (
    MINUTES_PER_YEAR,
    LeaderRow,
    ProviderTally,
    curve_metrics,
    rank,
)
from gridarena.arena.record import ArenaRecorder
from gridarena.backtest.runner import BacktestConfig, instrument_for_candles
from gridarena.config.trading import IndicatorSettings
from gridarena.engine.build import sim_config
from gridarena.engine.clock import Clock, RealClock
from gridarena.engine.paper import PaperEngine
from gridarena.engine.recorder import utc, write_holdings
from gridarena.engine.supervisor import RiskSupervisor
from gridarena.indicators.build import SnapshotBuilder
from gridarena.marketdata.candles import Candles
from gridarena.obs.logging import get_logger
from gridarena.providers.types import (
    AccountSummary,
    ActionDecision,
    DecisionContext,
    PositionSummary,
    Provider,
    ProviderResult,
    Rules,
    hold,
)
from gridarena.venues.base import FillEvent, OrderUpdate, VenueEvent
from gridarena.venues.sim.exchange import SimExchange
from gridarena.venues.sim.market import SimMarket

__all__ = ["Arena", "ArenaConfig", "Competitor", "Publisher"]

log = get_logger("gridarena.arena")
RULE_KINDS = {"rule"}


@dataclass(frozen=True)
class Competitor:
    """A provider in the arena, with what the store and leaderboard need to know about it."""

    provider: Provider
    model: str | None = None
    base_url: str | None = None
    api_key_env: str | None = None
    timeout_s: float = 60.0
    # What it trades (empty: every symbol of the arena) and how often it decides (None: every
    # decision cycle; otherwise at the first cycle at least this many seconds after the last).
    symbols: tuple[str, ...] = ()
    interval_s: float | None = None

    @property
    def name(self) -> str:
        """Return the provider's (and its account's) name."""
        return self.provider.name

    @property
    def rule_based(self) -> bool:
        """Return whether the provider is a rule-based baseline."""
        return str(self.provider.kind.value) in RULE_KINDS


@dataclass(frozen=True)
class ArenaConfig:
    """Season settings: money, cadences (seconds of market time), selection and seed."""

    initial_balance: Decimal = Decimal(10_000)
    decision_interval_s: float = 180.0
    price_sync_interval_s: float = 10.0
    balance_sync_interval_s: float = 60.0
    symbol_selection: str = "round_robin"
    seed: int = 42
    mode: str = "backtest"
    rules: Rules | None = None
    indicators: IndicatorSettings = field(default_factory=IndicatorSettings)
    backtest: BacktestConfig = field(default_factory=BacktestConfig)


class Publisher(Protocol):
    """Where the arena publishes what happens (the API's event bus for the live stream)."""

    def publish(self, topic: str, data: Mapping[str, Any], *, ts: float | None = None) -> Any:
        """Publish ``data`` under ``topic`` (fill, order, equity, decision, grid, risk)."""
        ...


@dataclass
class _Job:
    every_ms: int
    due_ms: int

    def fire(self, now_ms: int) -> bool:
        if now_ms < self.due_ms:
            return False
        self.due_ms = now_ms - now_ms % self.every_ms + self.every_ms
        return True


class Arena:
    """One season of the competition."""

    def __init__(
        self,
        candles: dict[str, Candles],
        competitors: Sequence[Competitor],
        supervisor: RiskSupervisor,
        *,
        config: ArenaConfig | None = None,
        recorder: ArenaRecorder | None = None,
        season_id: str | None = None,
    ) -> None:
        if not candles:
            raise ValueError("arena: no market data")
        if not competitors:
            raise ValueError("arena: no providers")
        names = [c.name for c in competitors]
        if len(set(names)) != len(names):
            raise ValueError(f"arena: duplicate provider names in {names}")
        self.config = config or ArenaConfig()
        self.season_id = season_id or f"season-{uuid.uuid4().hex[:12]}"
        self.candles = candles
        self.symbols = sorted(candles)
        self.competitors = list(competitors)
        self.rules = self.config.rules or Rules(symbols=tuple(self.symbols))
        # Each provider's own rules: the symbols it may trade (told in the prompt, enforced by
        # the risk gate as the account's allowed symbols).
        self.rules_for: dict[str, Rules] = {}
        for c in self.competitors:
            mine = tuple(s for s in self.symbols if not c.symbols or s in c.symbols)
            if not mine:
                raise ValueError(
                    f"arena: provider {c.name!r} trades {', '.join(c.symbols)}, none of which "
                    f"is in this arena ({', '.join(self.symbols)})"
                )
            self.rules_for[c.name] = (
                self.rules if len(mine) == len(self.symbols) else
                self.rules.model_copy(update={"symbols": mine})
            )  # fmt: skip
        markets = [
            SimMarket(instrument_for_candles(s, candles[s]), candles[s]) for s in self.symbols
        ]
        self.exchange = SimExchange(markets, sim_config(self.config.backtest))
        self.engine = PaperEngine(self.exchange)
        self.engine.equity.keep_curves = len(self.competitors)
        for c in self.competitors:
            self.exchange.add_account(c.name, self.config.initial_balance)
            self.engine.equity.add(c.name)
        self.supervisor = supervisor
        supervisor.providers.update({c.name: c.name for c in self.competitors})
        for c in self.competitors:
            if len(self.rules_for[c.name].symbols) < len(self.symbols):
                supervisor.allowed_symbols[c.name] = frozenset(self.rules_for[c.name].symbols)
        self.engine.attach_supervisor(supervisor)
        self.executor = Executor(
            self.engine, supervisor, candles, config=self.config.backtest, season=self.season_id
        )
        self.builders = {
            s: SnapshotBuilder(candles[s], self.config.indicators) for s in self.symbols
        }
        self.rng = random.Random(self.config.seed)
        self.tally = {c.name: ProviderTally() for c in self.competitors}
        self.record = recorder
        self.cycles = 0
        self.job_errors = 0
        self.elapsed_s = 0.0
        # Live operation (``gridarena up``): commands from the API take ``lock`` and run
        # between candles; ``cooperative`` yields to the event loop after every candle even
        # at full speed; ``bus`` receives fills, orders, equity, decisions, grids, risk events.
        self.lock = asyncio.Lock()
        self.running = False
        self.paused = False
        self.cooperative = False
        self.bus: Publisher | None = None
        # Seconds between re-reads of the stored kill switches (None: never; 0: every candle).
        self.kill_refresh_s: float | None = 5.0
        self.stop_requested = False
        self.flush_every_s: float | None = None
        self._priced = -1
        self._flushed = 0.0
        self._kill_checked = 0.0
        self._grid_status: dict[str, str] = {}
        self._sessions_seen = 0
        self._lead = self.symbols[0]
        tf = candles[self._lead].timeframe_ms or 60_000
        start = int(candles[self._lead].ts_ms[0])
        self.jobs = {
            # The first decision comes one interval in: the snapshot needs some history.
            "decision": _Job(
                int(self.config.decision_interval_s * 1000),
                start + int(self.config.decision_interval_s * 1000),
            ),
            "price": _Job(max(tf, int(self.config.price_sync_interval_s * 1000)), start),
            "balance": _Job(max(tf, int(self.config.balance_sync_interval_s * 1000)), start),
        }
        self._periods_per_year = MINUTES_PER_YEAR * 60_000 / tf
        self._next_decision = {c.name: 0 for c in self.competitors}

    # --- main loop ---------------------------------------------------------------------------
    async def run(
        self,
        *,
        max_candles: int | None = None,
        speed: float = 0.0,
        clock: Clock | None = None,
        on_cycle: Callable[[Arena], None] | None = None,
    ) -> list[LeaderRow]:
        """Replay the market, run the jobs on every candle close; return the leaderboard."""
        t0 = time.perf_counter()
        clock = clock or RealClock()
        start = clock.now()
        lead = self.exchange.markets[self._lead]
        tf_s = (lead.candles.timeframe_ms or 60_000) / 1000.0
        if self.record is not None:
            self._open_records()
        if self.bus is not None:
            self._wire_bus(self.bus)
        await self.engine.start_all()
        closed = 0
        self.running = True
        try:
            while not self.exchange.done and (max_candles is None or closed < max_candles):
                if self.stop_requested:
                    break
                async with self.lock:  # API commands run between candles, never inside one
                    before = lead.i
                    await self.engine.step()
                    if lead.i == before:
                        continue
                    closed += 1
                if speed > 0:
                    wait = start + closed * tf_s / speed - clock.now()
                    if wait > 0:
                        await clock.sleep(wait)
                elif self.cooperative:
                    await asyncio.sleep(0)
                async with self.lock:
                    await self._on_close(lead.i - 1, on_cycle)
        finally:
            self.running = False
        async with self.lock:
            board = self.leaderboard()
            self.elapsed_s = time.perf_counter() - t0
            if self.record is not None:
                end = int(lead.candles.ts_ms[min(lead.i, len(lead.candles) - 1)])
                self.sync_sessions()
                self.record.recorder.final_state(self.engine)
                self.record.close_season(self.summary(board), end)
            await self.engine.close()
        return board

    def request_stop(self) -> None:
        """End the season after the current candle (the leaderboard and store are closed)."""
        self.stop_requested = True

    @property
    def index(self) -> int:
        """Return the index of the last closed candle of the lead market (-1 before any)."""
        return self.exchange.markets[self._lead].i - 1

    @property
    def now_ms(self) -> int:
        """Return the market time: the close of the last candle replayed."""
        lead = self.candles[self._lead]
        i = max(0, min(self.index, len(lead) - 1))
        return int(lead.ts_ms[i]) + lead.timeframe_ms

    def competitor(self, name: str) -> Competitor | None:
        """Return the competitor (provider and account) called ``name``, or None."""
        return next((c for c in self.competitors if c.name == name), None)

    async def _on_close(self, index: int, on_cycle: Callable[[Arena], None] | None) -> None:
        now = int(self.candles[self._lead].ts_ms[index]) + self.candles[self._lead].timeframe_ms
        # The engine samples every account's equity at each close (its curves feed the board).
        if self.kill_refresh_s is not None and self.supervisor.kill_switches.loads:
            await self._refresh_kill_switches()
        for name, job in self.jobs.items():
            if not job.fire(now):
                continue
            try:
                if name == "decision":
                    if not self.paused:  # ops pause: no new decisions until resumed
                        await self.decision_cycle(index, now)
                        self.sync_sessions()
                    if on_cycle is not None:
                        on_cycle(self)
                elif name == "price":
                    self.price_sync(index)
                else:
                    self.balance_sync(now)
            except Exception as exc:  # a job error is logged and counted, never fatal
                self.job_errors += 1
                log.error("arena job failed", job=name, error=repr(exc)[:300])
        try:
            await self.executor.check_exits()
        except Exception as exc:
            self.job_errors += 1
            log.error("arena exits failed", error=repr(exc)[:300])
        if self.record is None:
            return
        if self.flush_every_s is not None:  # live: the API reads the store, keep it fresh
            now_s = time.monotonic()
            if now_s - self._flushed >= self.flush_every_s:
                self._flushed = now_s
                self.sync_sessions()
                self.record.recorder.flush()
        elif index % 1440 == 0:
            self.record.recorder.flush()

    async def _refresh_kill_switches(self) -> None:
        """Pick up switches set by another process (``gridarena serve``) every few seconds."""
        now = time.monotonic()
        if self.kill_refresh_s and now - self._kill_checked < self.kill_refresh_s:
            return
        self._kill_checked = now
        try:
            changed = self.supervisor.kill_switches.refresh()
        except Exception as exc:  # the store is down: keep the switches we know
            self.job_errors += 1
            log.error("kill switch refresh failed", error=repr(exc)[:300])
            return
        for scope, state in changed.items():
            await self.supervisor.kill(
                scope, active=state.active, cancel_all=state.cancel_all, reason=state.reason or ""
            )

    # --- decision cycle ----------------------------------------------------------------------
    def pick_symbol(self) -> str:
        """Return this cycle's symbol: round-robin, or at random from the seeded generator."""
        if self.config.symbol_selection == "random":
            return self.rng.choice(self.symbols)
        return self.symbols[self.cycles % len(self.symbols)]

    async def decision_cycle(self, index: int, now_ms: int) -> None:
        """Give every provider due this cycle the same snapshot; execute and record each decision.

        A provider sits a cycle out when the cycle's symbol is not one it trades, or when its
        own interval has not passed since its last decision.
        """
        symbol = self.pick_symbol()
        self.cycles += 1
        due = [
            c for c in self.competitors
            if symbol in self.rules_for[c.name].symbols and now_ms >= self._next_decision[c.name]
        ]  # fmt: skip
        if not due:
            return
        snap = self.builders[symbol].at(index)
        digest = snap.digest()
        if self.record is not None:
            self.record.snapshot(snap, digest)
        contexts = []
        for c in due:
            if c.interval_s is not None:
                self._next_decision[c.name] = now_ms + int(c.interval_s * 1000)
            contexts.append(
                DecisionContext(
                    snapshot=snap,
                    account=self.account_summary(c.name),
                    rules=self.rules_for[c.name],
                    now_ms=now_ms,
                )
            )
        results = await asyncio.gather(
            *(self.decide(c, ctx) for c, ctx in zip(due, contexts, strict=True))
        )
        for c, result in zip(due, results, strict=True):
            tally = self.count_decision(c.name, result)
            done = await self.executor.execute(c.name, result.decision, index)
            if done.status in ("placed", "grid_started"):
                tally.executed += 1
            for reason in done.reasons if done.status in ("refused", "failed") else ():
                tally.count_rejection(reason)
            if result.outcome != "ok":
                tally.count_rejection(f"DECISION_{result.outcome.upper()}")
            if self.record is not None:
                self.record.decision(
                    provider=c.name,
                    model=c.model,
                    symbol=symbol,
                    digest=digest,
                    result=result,
                    executed=_executed(done),
                    at_ms=now_ms,
                )
            if self.bus is not None:
                self.bus.publish(
                    "decision",
                    {
                        "model": c.name,
                        "symbol": symbol,
                        "outcome": result.outcome,
                        "decision": result.decision.model_dump(mode="json"),
                        "executed": _executed(done),
                        "snapshot_hash": digest,
                        "ts": now_ms,
                    },
                )

    async def decide(self, c: Competitor, ctx: DecisionContext) -> ProviderResult:
        """Ask ``c`` for a decision within its timeout; a failure or a hang becomes a HOLD."""
        try:
            return await asyncio.wait_for(c.provider.decide(ctx), timeout=c.timeout_s)
        except TimeoutError:
            reason = f"no answer within {c.timeout_s:g} s"
            return ProviderResult(
                decision=ActionDecision(action=hold(ctx.symbol, reason)),
                error=reason,
                outcome="timeout",
                latency_ms=int(c.timeout_s * 1000),
            )
        except Exception as exc:  # a provider must never raise; if one does, it holds
            return ProviderResult(
                decision=ActionDecision(action=hold(ctx.symbol, "provider error")),
                error=repr(exc)[:500],
                outcome="error",
            )

    def count_decision(self, name: str, result: ProviderResult) -> ProviderTally:
        """Count a decision (and its tokens and cost) in provider ``name``'s tally."""
        tally = self.tally[name]
        tally.decisions += 1
        tally.count_outcome(result.outcome)
        tally.tokens_in += result.tokens_in or 0
        tally.tokens_out += result.tokens_out or 0
        tally.llm_cost += float(result.cost or 0)
        if result.is_hold:
            tally.holds += 1
        elif isinstance(result.decision, ActionDecision):
            tally.actions += 1
        else:
            tally.grids += 1
        return tally

    def account_summary(self, account: str) -> AccountSummary:
        """Return what a provider is told of its own account."""
        balance = self.exchange.balance(account)
        acct = self.exchange.accounts[account]
        positions = tuple(
            PositionSummary(
                symbol=p.symbol,
                qty=p.qty,
                entry_price=p.entry_price,
                unrealized_pnl=p.unrealized_pnl,
                leverage=Decimal(p.leverage),
            )
            for p in self.exchange.positions(account)
            if p.qty != 0
        )
        return AccountSummary(
            balance=balance.wallet,
            equity=balance.equity,
            available=balance.available,
            realized_pnl=acct.realized,
            unrealized_pnl=balance.unrealized_pnl,
            positions=positions,
        )

    # --- sync jobs ---------------------------------------------------------------------------
    def price_sync(self, index: int) -> None:
        """Record every symbol's candle ``index`` in the price history (once per candle)."""
        record = self.record
        if record is None or index <= self._priced:
            return
        self._priced = index
        for symbol in self.symbols:
            c = self.candles[symbol]
            if index < len(c):
                record.price(
                    {
                        "symbol": symbol,
                        "ts": utc(int(c.ts_ms[index])),
                        "open": _dec(c.open[index]),
                        "high": _dec(c.high[index]),
                        "low": _dec(c.low[index]),
                        "close": _dec(c.close[index]),
                        "volume": _dec(c.volume[index]),
                    }
                )

    def balance_sync(self, now_ms: int) -> None:
        record = self.record
        bus = self.bus
        if record is None and bus is None:
            return
        for c in self.competitors:
            balance = self.exchange.balance(c.name)
            acct = self.exchange.accounts[c.name]
            if bus is not None:
                bus.publish(
                    "equity",
                    {
                        "model": c.name,
                        "equity": str(balance.equity),
                        "realized": str(acct.realized),
                        "unrealized": str(balance.unrealized_pnl),
                        "ts": now_ms,
                    },
                )
            account_id = record.recorder.account_ids.get(c.name) if record is not None else None
            if record is None or account_id is None:
                continue
            record.pnl(
                {
                    "account_id": account_id,
                    "ts": utc(now_ms),
                    "equity": balance.equity,
                    "realized": acct.realized,
                    "unrealized": balance.unrealized_pnl,
                    "fees": acct.fees,
                    "funding": acct.funding,
                }
            )
            if record.orders:  # live arena: the API reads balances and positions from the store
                record.recorder.add(self._holdings_op(c.name, account_id, now_ms))

    def _holdings_op(self, name: str, account_id: int, now_ms: int) -> Callable[[Any], None]:
        balance = self.exchange.balance(name)
        positions = self.exchange.positions(name)
        symbols = tuple(self.symbols)

        def op(s: Any) -> None:
            write_holdings(s, account_id, positions, balance, utc(now_ms), symbols=symbols)

        return op

    # --- live wiring ---------------------------------------------------------------------------
    def sync_sessions(self) -> list[tuple[str, str]]:
        """Store and publish grid sessions whose status changed; return (id, status) pairs."""
        sessions = self.engine.sessions
        if len(sessions) > self._sessions_seen:
            for session in list(sessions.values())[self._sessions_seen :]:
                self._grid_status.setdefault(session.id, "NEW")
            self._sessions_seen = len(sessions)
        changed = []
        for sid, known in list(self._grid_status.items()):
            session = sessions[sid]
            status = session.status.value
            if status == known:
                continue
            changed.append((sid, status))
            if status == "STOPPED":
                del self._grid_status[sid]
            else:
                self._grid_status[sid] = status
            reason = session.stats.stop_reason if status == "STOPPED" else None
            if self.record is not None and self.record.orders and known != "NEW":
                self.record.recorder.session_status(sid, status, reason=reason, at_ms=self.now_ms)
            if self.bus is not None:
                self.bus.publish(
                    "grid",
                    {
                        "session_id": sid,
                        "model": session.account,
                        "symbol": session.symbol,
                        "status": status,
                        "reason": reason,
                        "ts": self.now_ms,
                    },
                )
        return changed

    def _wire_bus(self, bus: Publisher) -> None:
        """Publish every account's fills and order updates, and every risk event."""
        for c in self.competitors:
            self.exchange.subscribe(c.name, _venue_publisher(bus, c.name), order_updates=True)
        previous = self.supervisor.on_event

        def risk(record: Any) -> None:
            if previous is not None:
                previous(record)
            bus.publish("risk", {"model": record.account, **record.as_dict()})

        self.supervisor.on_event = risk

    def _open_records(self) -> None:
        record = self.record
        assert record is not None
        start = int(self.candles[self._lead].ts_ms[0])
        record.open_season(
            seed=self.config.seed,
            mode=self.config.mode,
            config={
                "symbols": self.symbols,
                "providers": [c.name for c in self.competitors],
                "decision_interval_s": self.config.decision_interval_s,
                "symbol_selection": self.config.symbol_selection,
                "initial_balance": str(self.config.initial_balance),
            },
            at_ms=start,
        )
        from gridarena.store import enums as db

        for c in self.competitors:
            record.open_provider(
                name=c.name,
                kind=db.ProviderKind(c.provider.kind.value),
                model=c.model,
                base_url=c.base_url,
                api_key_env=c.api_key_env,
                balance=self.config.initial_balance,
            )
        if record.orders:
            self.engine.attach_recorder(record.recorder)
        else:
            record.recorder.watch_supervisor(self.supervisor)

    # --- results -----------------------------------------------------------------------------
    def leaderboard(self) -> list[LeaderRow]:
        """Return the ranked leaderboard as of now."""
        rows = []
        start = float(self.config.initial_balance)
        refused = self.supervisor.counters.refused_by_account
        for c in self.competitors:
            name = c.name
            balance = self.exchange.balance(name)
            acct = self.exchange.accounts[name]
            fills = self.exchange.fills[name]
            closing = [f for f in fills if f.realized_pnl != 0]
            wins = sum(1 for f in closing if f.realized_pnl > 0)
            gross = sum(
                (abs(p.qty) * p.mark_price for p in self.exchange.positions(name)), Decimal(0)
            )
            equity = float(balance.equity)
            tally = self.tally[name]
            metrics = curve_metrics(
                self.engine.equity.curves[name], periods_per_year=self._periods_per_year
            )
            rejected = dict(tally.rejected)
            for code, n in refused.get(name, {}).items():
                rejected[code] = rejected.get(code, 0) + n
            pnl = equity - start
            rows.append(
                LeaderRow(
                    provider=name,
                    kind=str(c.provider.kind.value),
                    rule_based=c.rule_based,
                    equity=equity,
                    return_pct=pnl / start * 100.0,
                    realized_pnl=float(acct.realized),
                    unrealized_pnl=float(balance.unrealized_pnl),
                    fees=float(acct.fees),
                    funding=float(acct.funding),
                    llm_cost=tally.llm_cost,
                    pnl_net_of_llm=pnl - tally.llm_cost,
                    sharpe=metrics["sharpe"],
                    sortino=metrics["sortino"],
                    calmar=metrics["calmar"],
                    max_drawdown=metrics["max_drawdown"],
                    win_rate=wins / len(closing) if closing else 0.0,
                    trades=len(fills),
                    exposure=float(gross) / equity if equity > 0 else 0.0,
                    decisions=tally.decisions,
                    rejected=rejected,
                    outcomes=dict(tally.outcomes),
                    state=self.supervisor.state(name).value,
                )
            )
        return rank(rows, {c.name: c.rule_based for c in self.competitors})

    def summary(self, board: list[LeaderRow] | None = None) -> dict[str, Any]:
        """Return the season as one JSON-ready object."""
        board = board if board is not None else self.leaderboard()
        lead = self.candles[self._lead]
        return {
            "season_id": self.season_id,
            "seed": self.config.seed,
            "symbols": self.symbols,
            "candles": int(min(self.exchange.markets[self._lead].i, len(lead))),
            "cycles": self.cycles,
            "decisions": sum(t.decisions for t in self.tally.values()),
            "job_errors": self.job_errors,
            "elapsed_s": round(self.elapsed_s, 3),
            "providers": [row.as_dict() for row in board],
        }


def _venue_publisher(bus: Publisher, account: str) -> Callable[[VenueEvent], None]:
    def listen(event: VenueEvent) -> None:
        if isinstance(event, FillEvent):
            f = event.fill
            bus.publish(
                "fill",
                {
                    "model": account,
                    "symbol": f.symbol,
                    "side": f.side.value,
                    "price": str(f.price),
                    "qty": str(f.qty),
                    "fee": str(f.fee),
                    "realized_pnl": str(f.realized_pnl),
                    "client_order_id": f.client_id,
                    "trade_id": f.trade_id,
                    "ts": f.ts_ms,
                },
            )
        elif isinstance(event, OrderUpdate):
            o = event.order
            bus.publish(
                "order",
                {
                    "model": account,
                    "symbol": o.symbol,
                    "client_order_id": o.client_id,
                    "side": o.side.value,
                    "type": o.type.value,
                    "status": o.status.value,
                    "price": None if o.price is None else str(o.price),
                    "qty": str(o.qty),
                    "filled_qty": str(o.filled_qty),
                    "ts": event.ts_ms,
                },
            )

    return listen


def _executed(done: Executed) -> dict[str, Any]:
    return {"status": done.status, "reasons": list(done.reasons), "detail": done.detail}


def _dec(x: float | np.floating[Any]) -> Decimal:
    return Decimal(repr(float(x)))
