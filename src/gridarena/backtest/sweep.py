"""Parameter sweeps: expand value lists into validated grids, backtest them on all cores, rank.

Invalid combinations are skipped and counted by reason. Valid ones are sent to a process pool
(`sweep_pool`) in chunks, one IPC round trip per chunk, and run summary-only.
"""

import itertools
import os
import re
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from enum import Enum
from typing import Any

import numpy as np
from pydantic import ValidationError

from gridarena.backtest.params import FILL_RULES, PATHS
from gridarena.backtest.run import Summary
from gridarena.backtest.runner import BacktestConfig, BacktestResult, run_backtest
from gridarena.backtest.sweep_pool import Task, execute
from gridarena.domain.types import Spacing
from gridarena.grid.spec import GridSpec
from gridarena.marketdata.candles import Candles, Funding

# Swept names in expansion order; "allocation" is the CLI's name for GridSpec.base_allocation,
# "fill_rule" and "path" belong to the BacktestConfig rather than the spec.
SWEEP_FIELDS: tuple[str, ...] = ("lower", "upper", "grids", "spacing", "direction", "leverage")
SWEEP_FIELDS += ("allocation", "tp_pct", "sl_pct", "fill_rule", "path")
CONFIG_FIELDS = ("fill_rule", "path")
SPEC_NAMES = {"allocation": "base_allocation"}
METRICS = {"return": "total_return", "sharpe": "sharpe", "calmar": "calmar"}
MAX_CONFIGS = 1_000_000
DEFAULT_CONFIG = BacktestConfig()
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")


@dataclass(frozen=True)
class Candidate:
    """One expanded configuration: the swept values and the validated inputs they make."""

    index: int
    params: dict[str, Any]
    spec: GridSpec
    config: BacktestConfig


@dataclass(frozen=True)
class Expansion:
    """The valid configurations of a parameter grid and why the others were skipped."""

    candidates: list[Candidate]
    total: int
    skip_reasons: dict[str, int]
    space: dict[str, tuple[Any, ...]]


@dataclass(frozen=True)
class SweepRow:
    """One backtested configuration with its summary."""

    index: int
    params: dict[str, Any]
    summary: Summary
    spec: GridSpec = field(repr=False)
    config: BacktestConfig = field(repr=False)

    def metric(self, metric: str) -> float:
        """Return the value of ``metric`` (return, sharpe or calmar); NaN ranks last."""
        value = float(getattr(self.summary, METRICS[metric]))
        return value if np.isfinite(value) else -np.inf

    def to_dict(self, metric: str = "return") -> dict[str, Any]:
        """Return the row as JSON-ready data."""
        value = self.metric(metric)
        return {
            "index": self.index,
            "params": self.params,
            "metric": value if np.isfinite(value) else None,
            "summary": self.summary.to_dict(),
        }


@dataclass(frozen=True)
class SweepResult:
    """Ranked outcome of a sweep (best first) with its bookkeeping."""

    rows: list[SweepRow]
    metric: str
    total: int
    skip_reasons: dict[str, int]
    elapsed_s: float
    workers: int
    candles: int
    space: dict[str, tuple[Any, ...]]

    @property
    def configs(self) -> int:
        """Return how many configurations were backtested."""
        return len(self.rows)

    @property
    def skipped(self) -> int:
        """Return how many combinations were skipped as invalid."""
        return sum(self.skip_reasons.values())

    @property
    def configs_per_s(self) -> float:
        """Return backtested configurations per second of wall time."""
        return self.configs / self.elapsed_s if self.elapsed_s > 0 else 0.0

    @property
    def swept(self) -> dict[str, tuple[Any, ...]]:
        """Return the fields that took more than one value."""
        return {name: values for name, values in self.space.items() if len(values) > 1}

    def to_dict(self, top: int = 10) -> dict[str, Any]:
        """Return the JSON object printed by ``gridarena sweep --json``."""
        return {
            "configs": self.configs,
            "combinations": self.total,
            "skipped": self.skipped,
            "skip_reasons": self.skip_reasons,
            "elapsed_s": self.elapsed_s,
            "configs_per_s": self.configs_per_s,
            "workers": self.workers,
            "candles": self.candles,
            "metric": self.metric,
            "top": [
                {"rank": i + 1, **row.to_dict(self.metric)} for i, row in enumerate(self.rows[:top])
            ],
        }


def _plain(value: Any) -> Any:
    # Params are reported as JSON: enums by value, Decimals as floats.
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return float(value)
    return value


def skip_reason(exc: Exception | str) -> str:
    """Return a grouping key for a rejected configuration (numbers masked so reasons pool)."""
    if isinstance(exc, ValidationError):
        parts = []
        for e in exc.errors():
            loc = ".".join(str(x) for x in e["loc"]) or "spec"
            parts.append(f"{loc}: {e['msg'].removeprefix('Value error, ')}")
        text = "; ".join(parts)
    else:
        text = str(exc)
    return _NUMBER.sub("#", text)


def _normalise_space(space: Mapping[str, Sequence[Any]]) -> dict[str, tuple[Any, ...]]:
    unknown = sorted(set(space) - set(SWEEP_FIELDS) - {"base_allocation"})
    if unknown:
        raise ValueError(
            f"cannot sweep {', '.join(unknown)}; choose from {', '.join(SWEEP_FIELDS)}"
        )
    out: dict[str, tuple[Any, ...]] = {}
    for name in SWEEP_FIELDS:
        values = space.get(name, space.get("base_allocation") if name == "allocation" else None)
        if values is None:
            continue
        # NumPy scalars become Python numbers: np.float64's repr is not a decimal literal.
        plain = [v.item() if isinstance(v, np.generic) else v for v in values]
        unique = tuple(dict.fromkeys(plain))  # drop repeats, keep order
        if not unique:
            raise ValueError(f"{name}: no values to sweep")
        out[name] = unique
    for name, table in (("fill_rule", FILL_RULES), ("path", PATHS)):
        bad = [v for v in out.get(name, ()) if v not in table]
        if bad:
            raise ValueError(f"{name}: {bad[0]!r} is not one of {', '.join(table)}")
    return out


def expand_grid(
    base: Mapping[str, Any],
    space: Mapping[str, Sequence[Any]],
    *,
    config: BacktestConfig = DEFAULT_CONFIG,
) -> Expansion:
    """Expand the cartesian product of ``space`` over ``base`` into validated configurations.

    ``base`` holds GridSpec fields (at least ``symbol`` and ``base_allocation``); ``space`` maps
    names of `SWEEP_FIELDS` to value lists. Invalid combinations are counted by reason, not
    raised. ATR spacing can only be fee-checked against the market, so the run does that.
    """
    norm = _normalise_space(space)
    total = int(np.prod([len(v) for v in norm.values()], dtype=np.float64))
    if total > MAX_CONFIGS:
        raise ValueError(f"{total:,} combinations exceed the limit of {MAX_CONFIGS:,}")
    names = list(norm)
    reasons: Counter[str] = Counter()
    candidates: list[Candidate] = []
    for index, combo in enumerate(itertools.product(*norm.values())):
        values = dict(zip(names, combo, strict=True))
        spec_values = {SPEC_NAMES.get(n, n): v for n, v in values.items() if n not in CONFIG_FIELDS}
        try:
            spec = GridSpec.model_validate({**base, **spec_values})
            if spec.spacing is not Spacing.ATR:
                spec.check_spacing(config.fees.maker)
        except (ValidationError, ValueError) as exc:
            reasons[skip_reason(exc)] += 1
            continue
        cfg_changes = {n: values[n] for n in CONFIG_FIELDS if n in values}
        cfg = replace(config, **cfg_changes) if cfg_changes else config
        params = {n: _plain(v) for n, v in values.items()}
        candidates.append(Candidate(index, params, spec, cfg))
    return Expansion(candidates, total, dict(reasons), norm)


def rank(rows: Sequence[SweepRow], metric: str) -> list[SweepRow]:
    """Return ``rows`` sorted best first by ``metric``; ties keep expansion order."""
    if metric not in METRICS:
        raise ValueError(f"metric: {metric!r} is not one of {', '.join(METRICS)}")
    return sorted(rows, key=lambda r: (-r.metric(metric), r.index))


def run_sweep(
    candles: Candles,
    base: Mapping[str, Any],
    space: Mapping[str, Sequence[Any]],
    *,
    config: BacktestConfig = DEFAULT_CONFIG,
    funding: Funding | None = None,
    metric: str = "return",
    workers: int | None = None,
    chunk_size: int | None = None,
    progress: bool = False,
) -> SweepResult:
    """Backtest every valid combination of ``space`` over ``base`` and rank them by ``metric``.

    ``workers`` defaults to all cores (1 runs in this process). Chunks default to about eight
    per worker, which keeps the cores busy to the end while amortising IPC.
    """
    if metric not in METRICS:
        raise ValueError(f"metric: {metric!r} is not one of {', '.join(METRICS)}")
    if len(candles) == 0:
        raise ValueError("candles: no data to sweep over")
    t0 = time.perf_counter()
    expansion = expand_grid(base, space, config=config)
    n_workers = max(1, workers if workers is not None else (os.cpu_count() or 1))
    tasks: list[Task] = [(c.index, c.spec, c.config) for c in expansion.candidates]
    size = chunk_size or max(1, -(-len(tasks) // (n_workers * 8)))
    outcomes = execute(tasks, candles, funding, n_workers, size, progress)
    by_index = {c.index: c for c in expansion.candidates}
    reasons = Counter(expansion.skip_reasons)
    rows: list[SweepRow] = []
    for index, outcome in outcomes:
        if isinstance(outcome, str):
            reasons[skip_reason(outcome)] += 1
            continue
        cand = by_index[index]
        rows.append(SweepRow(index, cand.params, outcome, cand.spec, cand.config))
    return SweepResult(
        rows=rank(rows, metric),
        metric=metric,
        total=expansion.total,
        skip_reasons=dict(reasons),
        elapsed_s=time.perf_counter() - t0,
        workers=n_workers,
        candles=len(candles),
        space=expansion.space,
    )


def rerun(row: SweepRow, candles: Candles, funding: Funding | None = None) -> BacktestResult:
    """Backtest one sweep row again with fills and equity recorded (for reports)."""
    return run_backtest(row.spec, candles, config=row.config, funding=funding, record=True)
