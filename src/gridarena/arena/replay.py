"""Re-run a stored season offline: model providers answer with their stored raw responses.

The responses are looked up by provider, symbol and snapshot hash, and re-parsed by the same
parser and rules the live provider used; rule baselines run again (they are deterministic
for a seed). With the same market data the season's snapshots come out the same, so the
decisions, trades and leaderboard can be compared, or re-scored after a rule change.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from gridarena.arena.runner import Competitor
from gridarena.providers.replay import ReplayKey, ReplayProvider
from gridarena.store.enums import ProviderKind
from gridarena.store.models import Account, LlmDecision, Provider, Season

__all__ = ["StoredSeason", "load_season"]


@dataclass(frozen=True)
class StoredSeason:
    """What a replay needs of a stored season."""

    season_id: str
    seed: int
    config: dict[str, Any]
    # Providers by name: the stored kind, and for models their stored responses.
    kinds: dict[str, ProviderKind]
    models: dict[str, str | None]
    responses: dict[ReplayKey, str | None]

    @property
    def symbols(self) -> list[str]:
        """Return the symbols the season traded."""
        return [str(s) for s in self.config.get("symbols", [])]

    @property
    def providers(self) -> list[str]:
        """Return the providers of the season, in their order."""
        return [str(p) for p in self.config.get("providers", [])]

    def replay_competitors(self) -> dict[str, Competitor]:
        """Return a replaying competitor for every model (non-rule) provider."""
        out = {}
        for name in self.providers:
            kind = self.kinds[name]
            if kind is ProviderKind.RULE:
                continue
            provider = ReplayProvider(name, self.responses.get, kind=kind)
            out[name] = Competitor(provider=provider, model=self.models.get(name))
        return out


def load_season(factory: sessionmaker[Session], season_id: str) -> StoredSeason:
    """Load ``season_id``'s settings and every stored model response; raise LookupError."""
    with factory() as s:
        season = s.get(Season, season_id)
        if season is None:
            raise LookupError(f"no season {season_id!r} in the store")
        config = dict(season.config or {})
        kinds: dict[str, ProviderKind] = {}
        models: dict[str, str | None] = {}
        for name in config.get("providers", []):
            provider = s.scalars(select(Provider).where(Provider.name == name)).one_or_none()
            if provider is None:
                raise LookupError(f"season {season_id!r}: provider {name!r} is not in the store")
            kinds[name] = ProviderKind(provider.kind)
            models[name] = provider.model
        rows = s.execute(
            select(Account.name, LlmDecision.symbol, LlmDecision.snapshot_hash,
                   LlmDecision.raw_response)
            .join(Account, Account.id == LlmDecision.account_id)
            .where(LlmDecision.season_id == season_id)
        ).all()  # fmt: skip
    responses = {
        ReplayKey(name, symbol, digest): raw
        for name, symbol, digest, raw in rows
        if digest is not None and kinds.get(name, ProviderKind.RULE) is not ProviderKind.RULE
    }
    return StoredSeason(season_id, int(season.seed), config, kinds, models, responses)
