"""Record paper trading in the store: accounts, grid configs and sessions, every order with its
status transitions, fills, positions, balances, PnL snapshots and risk events.

Writes are buffered and committed in one transaction per flush (every few thousand ticks and at
the end), so recording does not slow the replay down to the database's commit rate. The
durable write-ahead of each order intent *before* its venue call — what live trading needs to
survive a crash — belongs to the order tracker of the execution layer.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Table, insert
from sqlalchemy.orm import Session, sessionmaker

from gridarena.domain.orders import Balance, OrderRequest, OrderStatus, Position
from gridarena.store import enums as db
from gridarena.store import repo
from gridarena.store.engine import transaction
from gridarena.store.models import RiskEvent
from gridarena.store.repo._common import json_ready, now_or
from gridarena.store.repo.audit import mask_secrets
from gridarena.venues.base import FillEvent, OrderUpdate
from gridarena.venues.base import VenueEvent as Event
from gridarena.venues.sim.ledger import SimAccount

if TYPE_CHECKING:
    from gridarena.engine.paper import PaperEngine
    from gridarena.engine.supervisor import RiskEventRecord, RiskSupervisor
    from gridarena.risk.monitors import Transition

Op = Callable[[Session], None]

_STATUS = {
    OrderStatus.NEW: db.OrderStatus.ACKNOWLEDGED,
    OrderStatus.PARTIALLY_FILLED: db.OrderStatus.PARTIALLY_FILLED,
    OrderStatus.FILLED: db.OrderStatus.FILLED,
    OrderStatus.CANCELED: db.OrderStatus.CANCELED,
    OrderStatus.EXPIRED: db.OrderStatus.EXPIRED,
    OrderStatus.REJECTED: db.OrderStatus.REJECTED,
}


def utc(ms: int) -> datetime:
    """Return an aware UTC datetime for epoch milliseconds."""
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


def _event_json(value: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """Return a risk event's JSON payload as `repo.add_risk_event` stores it (masked)."""
    return None if value is None else json_ready(mask_secrets(value))


def write_holdings(
    s: Session,
    account_id: int,
    positions: list[Position],
    balance: Balance,
    ts: datetime,
    *,
    symbols: tuple[str, ...] = (),
) -> None:
    """Store an account's positions and balance as of ``ts``.

    A stored position in one of ``symbols`` that the venue no longer holds is stored as flat.
    """
    held = set()
    for p in positions:
        held.add(p.symbol)
        repo.upsert_position(
            s,
            account_id=account_id,
            symbol=p.symbol,
            qty=p.qty,
            entry_price=p.entry_price,
            leverage=p.leverage,
            margin_mode=db.MarginMode(p.margin_mode.value),
            liquidation_price=p.liquidation_price,
            unrealized=p.unrealized_pnl,
            at=ts,
        )
    for symbol in symbols:
        if symbol in held:
            continue
        stored = repo.get_position(s, account_id=account_id, symbol=symbol)
        if stored is not None and stored.qty != 0:
            repo.upsert_position(
                s, account_id=account_id, symbol=symbol, qty=0, entry_price=0, at=ts
            )
    repo.upsert_balance(
        s,
        account_id=account_id,
        asset=balance.asset,
        wallet=balance.wallet,
        available=balance.available,
        at=ts,
    )


class StoreRecorder:
    """Buffer what a paper run does and write it to the store in batches."""

    def __init__(self, factory: sessionmaker[Session], *, provider: str = "paper") -> None:
        self.factory = factory
        self.provider = provider
        self.account_ids: dict[str, int] = {}
        self._order_ids: dict[tuple[str, str], int] = {}
        self._ops: list[Op] = []
        self._sessions: set[str] = set()
        # Risk events waiting for the next flush (one insert for all of them), or None.
        self._risk_batch: list[tuple[int, RiskEventRecord]] | None = None
        self.flushes = 0

    # --- setup (written at once) -------------------------------------------------------------
    def open_account(self, name: str, balance: Decimal) -> int:
        """Return the store id of account ``name``, creating it (and the provider) if new."""
        if name in self.account_ids:
            return self.account_ids[name]
        with transaction(self.factory) as s:
            account = repo.get_account_by_name(s, name=name)
            if account is None:
                provider = repo.get_provider(s, name=self.provider) or repo.create_provider(
                    s, name=self.provider, kind=db.ProviderKind.RULE
                )
                account = repo.create_account(
                    s, name=name, provider_id=provider.id, venue="sim", starting_balance=balance
                )
            self.account_ids[name] = account.id
        return self.account_ids[name]

    def open_session(
        self, *, account: str, session_id: str, symbol: str, spec: dict[str, Any], at_ms: int
    ) -> None:
        """Save the grid config (next version) and the session."""
        account_id = self.account_ids[account]
        with transaction(self.factory) as s:
            config = repo.save_grid_config(
                s, account_id=account_id, symbol=symbol, spec=spec, at=utc(at_ms)
            )
            repo.create_grid_session(
                s,
                session_id=session_id,
                account_id=account_id,
                config_id=config.id,
                symbol=symbol,
                started_at=utc(at_ms),
            )
        self._sessions.add(session_id)

    # --- buffered ----------------------------------------------------------------------------
    def order_requested(
        self,
        *,
        account: str,
        session_id: str,
        request: OrderRequest,
        slot: int | None,
        cycle: int | None,
        at_ms: int,
    ) -> None:
        """Record an order intent (and that it was sent)."""
        account_id = self.account_ids[account]
        key = (account, request.client_id)

        def op(s: Session) -> None:
            order = repo.record_request_intent(
                s,
                account_id=account_id,
                request=request,
                session_id=session_id,
                slot=slot,
                cycle=cycle,
                at=utc(at_ms),
            )
            self._order_ids[key] = order.id
            repo.transition_order(s, order_id=order.id, status=db.OrderStatus.SENT, at=utc(at_ms))

        self._ops.append(op)

    def order_rejected(self, *, account: str, client_id: str, code: object, at_ms: int) -> None:
        """Record the venue's refusal of an order."""
        key = (account, client_id)

        def op(s: Session) -> None:
            order_id = self._order_ids.get(key)
            if order_id is not None:
                repo.transition_order(
                    s,
                    order_id=order_id,
                    status=db.OrderStatus.REJECTED,
                    reason=f"venue code {code}",
                    at=utc(at_ms),
                )

        self._ops.append(op)

    def on_event(self, account: str) -> Callable[[Event], None]:
        """Return a venue listener recording ``account``'s order updates and fills."""
        account_id = self.account_ids[account]

        def listen(event: Event) -> None:
            if isinstance(event, OrderUpdate):
                order = event.order
                key = (account, order.client_id)
                status = _STATUS[order.status]

                def op(s: Session) -> None:
                    order_id = self._order_ids.get(key)
                    if order_id is None:
                        return  # not one of ours (e.g. placed by hand on the venue)
                    current = repo.get_order(s, order_id=order_id)
                    if current is not None and current.status is status:
                        return
                    repo.transition_order(
                        s,
                        order_id=order_id,
                        status=status,
                        venue_order_id=order.venue_id,
                        filled_qty=order.filled_qty,
                        avg_fill_price=order.avg_price,
                        at=utc(event.ts_ms),
                    )

                self._ops.append(op)
            elif isinstance(event, FillEvent):
                fill = event.fill

                def op(s: Session) -> None:
                    repo.record_fill(
                        s,
                        account_id=account_id,
                        trade_id=fill.trade_id,
                        symbol=fill.symbol,
                        side=fill.side,
                        price=fill.price,
                        qty=fill.qty,
                        fee=fill.fee,
                        fee_asset=fill.fee_asset,
                        liquidity=db.Liquidity(fill.liquidity.value),
                        ts=utc(fill.ts_ms),
                        order_id=self._order_ids.get((account, fill.client_id)),
                        client_order_id=fill.client_id,
                        realized_pnl=fill.realized_pnl,
                        candle_index=fill.candle,
                    )

                self._ops.append(op)

        return listen

    def watch_supervisor(self, supervisor: RiskSupervisor) -> None:
        """Store the supervisor's risk events and account state changes as they happen."""
        supervisor.on_event = self.risk_event
        supervisor.on_state = self.state_change

    def risk_event(self, record: RiskEventRecord) -> None:
        """Buffer one risk event (written with the next flush, in one insert with the rest)."""
        account_id = self.account_ids.get(record.account)
        if account_id is None:
            return
        batch = self._risk_batch
        if batch is None:
            batch = self._risk_batch = []

            def op(s: Session, batch: list[tuple[int, RiskEventRecord]] = batch) -> None:
                self._write_risk_events(s, batch)

            self.add(op)
        batch.append((account_id, record))

    def _write_risk_events(self, s: Session, pending: list[tuple[int, RiskEventRecord]]) -> None:
        """Insert risk events as `repo.add_risk_event` would, in one statement."""
        rows = [
            {
                "account_id": account_id,
                "session_id": r.session_id if r.session_id in self._sessions else None,
                "ts": now_or(utc(r.ts_ms)),
                "kind": r.kind,
                "reason_code": r.reason_code[:64],
                "requested": _event_json(r.requested),
                "approved": _event_json(r.approved),
                "detail": r.detail,
            }
            for account_id, r in pending
        ]
        if rows:
            s.execute(insert(cast(Table, RiskEvent.__table__)), rows)

    def state_change(self, transition: Transition) -> None:
        """Buffer an account state change with its reason and time."""
        account_id = self.account_ids.get(transition.account)
        if account_id is None:
            return

        def op(s: Session) -> None:
            repo.set_account_state(
                s,
                account_id=account_id,
                state=db.AccountState(transition.to_state.value),
                reason_code=transition.reason.value,
                at=utc(transition.at_ms),
            )

        self.add(op)

    def session_status(
        self, session_id: str, status: str, *, reason: str | None, at_ms: int
    ) -> None:
        """Buffer a grid session's move to ``status`` (RUNNING, PAUSED or STOPPED).

        A move the stored row already made, or may not make (STOPPED is final), is skipped.
        """
        if session_id not in self._sessions:
            return
        target = db.SessionStatus(status)

        def op(s: Session) -> None:
            stored = repo.get_grid_session(s, session_id=session_id)
            if stored is None or stored.status is target:
                return
            if stored.status is db.SessionStatus.STOPPED:
                return
            repo.update_grid_session(
                s, session_id=session_id, status=target, stop_reason=reason, at=utc(at_ms)
            )

        self._ops.append(op)

    def add(self, op: Op) -> None:
        """Buffer any other write (snapshots, positions, risk events, session status)."""
        self._ops.append(op)

    def flush(self) -> int:
        """Write everything buffered in one transaction; return how many writes it held."""
        ops, self._ops = self._ops, []
        self._risk_batch = None  # its op is in ``ops``; later events start a new batch
        if not ops:
            return 0
        with transaction(self.factory) as s:
            for op in ops:
                op(s)
        self.flushes += 1
        return len(ops)

    def final_state(self, engine: PaperEngine) -> None:
        """Write positions, balances, a PnL snapshot, risk events and session status."""
        recorder = self
        ts = utc(max(m.ts_ms() for m in engine.exchange.markets.values()))
        for account, account_id in recorder.account_ids.items():
            summary = engine.summary(account, 0.0)
            positions = engine.exchange.positions(account)
            balance = engine.exchange.balance(account)
            acct = engine.exchange.accounts[account]

            def op(
                s: Session,
                account_id: int = account_id,
                positions: list[Position] = positions,
                balance: Balance = balance,
                acct: SimAccount = acct,
                events: list[dict[str, Any]] = summary["risk_events"],
            ) -> None:
                write_holdings(s, account_id, positions, balance, ts)
                repo.add_pnl_snapshot(
                    s,
                    account_id=account_id,
                    equity=balance.equity,
                    realized=acct.realized,
                    unrealized=balance.unrealized_pnl,
                    fees=acct.fees,
                    funding=acct.funding,
                    ts=ts,
                )
                for e in events:
                    if e.get("live"):  # stored when it happened
                        continue
                    repo.add_risk_event(
                        s,
                        account_id=account_id,
                        kind=str(e["kind"]),
                        reason_code=str(e["reason_code"]),
                        detail=str(e.get("detail", "")) or None,
                        session_id=e.get("session_id")
                        if e.get("session_id") in recorder._sessions
                        else None,
                        ts=ts,
                    )

            recorder.add(op)
        for session in engine.sessions.values():
            if session.id not in recorder._sessions:
                continue
            stopped = session.status.value == "STOPPED"
            reason = session.stats.stop_reason if stopped else "replay_end"

            def close(s: Session, sid: str = session.id, reason: str = reason) -> None:
                stored = repo.get_grid_session(s, session_id=sid)
                if stored is not None and stored.status is db.SessionStatus.STOPPED:
                    return  # stopped while running (and stored then)
                repo.update_grid_session(
                    s, session_id=sid, status=db.SessionStatus.STOPPED, stop_reason=reason, at=ts
                )

            recorder.add(close)
        recorder.flush()
