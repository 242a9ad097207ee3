"""What the arena keeps in the store: the season, providers and accounts, every snapshot and
every decision (prompt, raw response, parsed decision, latency, tokens, cost, error).

Writes are buffered in the engine's `StoreRecorder` and committed in batches, so a season of
tens of thousands of decisions costs a few transactions, not one per decision.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import insert
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from gridarena.engine.recorder import StoreRecorder, utc
from gridarena.indicators.snapshot import MarketSnapshot
from gridarena.obs.logging import scrub_text
from gridarena.providers.types import ProviderResult
from gridarena.store import enums as db
from gridarena.store import repo, transaction
from gridarena.store.models import LlmDecision, MarketSnapshotRow, PnlSnapshot, PricePoint, Season

__all__ = ["ArenaRecorder"]

# Rows another season may already hold (the same market replayed again, the same snapshot):
# kept once, never a failed batch.
_SHARED_KEYS: dict[type[Any], list[str]] = {
    PricePoint: ["symbol", "ts"],
    MarketSnapshotRow: ["hash"],
}


def _insert(session: Session, model: type[Any]) -> Any:
    # A Core insert on the model's table: the rows are plain column dicts, so the ORM's bulk
    # path (per-row bookkeeping) buys nothing; column types still validate every value.
    table = model.__table__
    keys = _SHARED_KEYS.get(model)
    if keys is None:
        return insert(table)
    dialect = session.get_bind().dialect.name
    make = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return make(table).on_conflict_do_nothing(index_elements=keys)


class ArenaRecorder:
    """Record one season through ``recorder`` (which also records orders and fills)."""

    def __init__(self, recorder: StoreRecorder, season_id: str, *, orders: bool = True) -> None:
        self.recorder = recorder
        self.season_id = season_id
        # Backtest seasons keep decisions, snapshots, risk events and results, not every order.
        self.orders = orders
        self._rows: dict[type[Any], list[dict[str, Any]]] = {}
        self.provider_ids: dict[str, int] = {}
        self._snapshots: set[str] = set()

    def _bulk(self, model: type[Any], row: dict[str, Any]) -> None:
        rows = self._rows.get(model)
        if rows is None:
            rows = self._rows[model] = []

            def op(s: Session, model: type[Any] = model) -> None:
                batch = self._rows.pop(model, [])
                if batch:
                    s.execute(_insert(s, model), batch)

            self.recorder.add(op)
        rows.append(row)

    def price(self, row: dict[str, Any]) -> None:
        """Buffer one price point (symbol, ts, open, high, low, close, volume)."""
        self._bulk(PricePoint, row)

    def pnl(self, row: dict[str, Any]) -> None:
        """Buffer one PnL snapshot (account_id, ts, equity, realized, unrealized, fees, funding)."""
        self._bulk(PnlSnapshot, row)

    def flush(self) -> None:
        """Write everything buffered (one transaction, bulk inserts)."""
        self.recorder.flush()

    def open_season(self, *, seed: int, mode: str, config: dict[str, Any], at_ms: int) -> None:
        """Write the season row at once (decisions refer to it)."""
        with transaction(self.recorder.factory) as s:
            s.add(
                Season(
                    id=self.season_id,
                    seed=seed,
                    mode=mode,
                    config=config,
                    started_at=utc(at_ms),
                    ended_at=None,
                    leaderboard=None,
                )
            )

    def open_provider(
        self,
        *,
        name: str,
        kind: db.ProviderKind,
        model: str | None,
        base_url: str | None,
        api_key_env: str | None,
        balance: Decimal,
    ) -> None:
        """Create (or find) the provider and its account, named after the provider."""
        with transaction(self.recorder.factory) as s:
            provider = repo.get_provider(s, name=name) or repo.create_provider(
                s, name=name, kind=kind, model=model, base_url=base_url, api_key_env=api_key_env
            )
            self.provider_ids[name] = provider.id
            if repo.get_account_by_name(s, name=name) is None:
                repo.create_account(
                    s, name=name, provider_id=provider.id, venue="sim", starting_balance=balance
                )
        self.recorder.open_account(name, balance)

    def snapshot(self, snap: MarketSnapshot, digest: str) -> None:
        """Buffer the cycle's snapshot (once per hash)."""
        if digest in self._snapshots:
            return
        self._snapshots.add(digest)
        row = {
            "hash": digest,
            "season_id": self.season_id,
            "symbol": snap.symbol,
            "ts": utc(snap.ts_ms),
            "payload": snap.model_dump(mode="json"),
        }
        self._bulk(MarketSnapshotRow, row)

    def decision(
        self,
        *,
        provider: str,
        model: str | None,
        symbol: str,
        digest: str,
        result: ProviderResult,
        executed: dict[str, Any],
        at_ms: int,
    ) -> None:
        """Buffer one decision with everything needed to replay and re-score it."""
        row = self.decision_row(
            provider=provider, model=model, symbol=symbol, digest=digest, result=result,
            executed=executed, at_ms=at_ms,
        )  # fmt: skip
        self._bulk(LlmDecision, row)

    def decision_row(
        self,
        *,
        provider: str,
        model: str | None,
        symbol: str,
        digest: str,
        result: ProviderResult,
        executed: dict[str, Any] | None,
        at_ms: int,
    ) -> dict[str, Any]:
        """Return the ``llm_decisions`` row of one decision (``executed``: what became of it)."""
        parsed = result.decision.model_dump(mode="json")
        if executed is not None:
            parsed |= {"executed": executed}
        return {
            "account_id": self.recorder.account_ids[provider],
            "provider_id": self.provider_ids[provider],
            "model": model,
            "symbol": symbol,
            "snapshot_hash": digest,
            "season_id": self.season_id,
            "prompt": result.prompt,
            "raw_response": result.raw_response,
            "parsed": parsed,
            "kind": result.outcome,
            "latency_ms": result.latency_ms,
            "tokens_in": result.tokens_in,
            "tokens_out": result.tokens_out,
            "cost": result.cost,
            "error": scrub_text(result.error) if result.error is not None else None,
            "created_at": utc(at_ms),
        }

    def close_season(self, leaderboard: dict[str, Any], at_ms: int) -> None:
        """Store the final leaderboard and the end time, then flush everything."""
        season_id = self.season_id

        def op(s: Session) -> None:
            season = s.get(Season, season_id)
            if season is not None:
                season.ended_at = utc(at_ms) if at_ms else datetime.now(UTC)
                season.leaderboard = leaderboard

        self.recorder.add(op)
        self.recorder.flush()
