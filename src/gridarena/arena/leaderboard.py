"""The leaderboard: every provider's result, computed the same way for all (no cherry-picking).

Returns come from the venue's account (the source of truth), risk figures from the equity
curve sampled at every candle close, LLM costs from the stored decisions. Each provider's
margin over the best rule-based baseline is its return minus the best baseline's return.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = ["LeaderRow", "ProviderTally", "curve_metrics", "rank"]

MINUTES_PER_YEAR = 525_600.0


@dataclass
class ProviderTally:
    """What the arena counted for one provider while the season ran."""

    decisions: int = 0
    grids: int = 0
    actions: int = 0
    holds: int = 0
    executed: int = 0
    llm_cost: float = 0.0
    tokens_in: int = 0
    tokens_out: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)
    rejected: dict[str, int] = field(default_factory=dict)

    def count_outcome(self, outcome: str) -> None:
        """Count one decision outcome (ok, invalid, timeout, rate_limited, error)."""
        self.outcomes[outcome] = self.outcomes.get(outcome, 0) + 1

    def count_rejection(self, reason: str) -> None:
        """Count one refused decision or order by reason code."""
        self.rejected[reason] = self.rejected.get(reason, 0) + 1


@dataclass
class LeaderRow:
    """One provider's line on the leaderboard."""

    provider: str
    kind: str
    rule_based: bool
    equity: float
    return_pct: float
    realized_pnl: float
    unrealized_pnl: float
    fees: float
    funding: float
    llm_cost: float
    pnl_net_of_llm: float
    sharpe: float
    sortino: float
    calmar: float
    max_drawdown: float
    win_rate: float
    trades: int
    exposure: float
    decisions: int
    rejected: dict[str, int]
    outcomes: dict[str, int]
    state: str
    margin_vs_best_baseline: float | None = None
    rank: int = 0

    def as_dict(self) -> dict[str, Any]:
        """Return the row as JSON-ready values (NaN/inf become None)."""
        out = asdict(self)
        for key, value in out.items():
            if isinstance(value, float) and not math.isfinite(value):
                out[key] = None
        return out


def curve_metrics(
    curve: Sequence[float] | NDArray[np.float64], *, periods_per_year: float
) -> dict[str, float]:
    """Return Sharpe, Sortino, Calmar and max drawdown (fraction) of an equity curve."""
    eq = np.asarray(curve, dtype=np.float64)
    if eq.shape[0] < 3 or not np.all(eq > 0):
        return {"sharpe": 0.0, "sortino": 0.0, "calmar": 0.0, "max_drawdown": 0.0}
    r = np.diff(eq) / eq[:-1]
    mean, std = float(r.mean()), float(r.std(ddof=1))
    downside = r[r < 0]
    dstd = float(np.sqrt(np.mean(downside**2))) if downside.size else 0.0
    ann = math.sqrt(periods_per_year)
    peak = np.maximum.accumulate(eq)
    mdd = float(np.max((peak - eq) / peak))
    years = eq.shape[0] / periods_per_year
    total = float(eq[-1] / eq[0])
    cagr = total ** (1 / years) - 1 if years > 0 and total > 0 else 0.0
    return {
        "sharpe": mean / std * ann if std > 0 else 0.0,
        "sortino": mean / dstd * ann if dstd > 0 else 0.0,
        "calmar": cagr / mdd if mdd > 0 else 0.0,
        "max_drawdown": mdd,
    }


def rank(rows: list[LeaderRow], rule_based: Mapping[str, bool]) -> list[LeaderRow]:
    """Sort by return, number the ranks and set each margin over the best baseline."""
    baselines = [r.return_pct for r in rows if rule_based.get(r.provider)]
    best = max(baselines) if baselines else None
    ordered = sorted(rows, key=lambda r: (-r.return_pct, r.provider))
    for i, row in enumerate(ordered, start=1):
        row.rank = i
        row.margin_vs_best_baseline = None if best is None else row.return_pct - best
    return ordered
