"""The arena: strategy providers compete, each on its own account, under one risk engine."""

from gridarena.arena.leaderboard import LeaderRow, ProviderTally, curve_metrics
from gridarena.arena.runner import Arena, ArenaConfig, Competitor

__all__ = ["Arena", "ArenaConfig", "Competitor", "LeaderRow", "ProviderTally", "curve_metrics"]
