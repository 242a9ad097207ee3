"""Locate the shared real-market data directory used by tests and benchmarks."""

from __future__ import annotations

import os
from pathlib import Path

ENV_VAR = "GRIDARENA_MARKET_DATA"
# src/gridarena/marketdata/paths.py -> parents[3] is the repository root.
_REPO_ROOT = Path(__file__).resolve().parents[3]


def shared_market_dir() -> Path:
    """Return ``$GRIDARENA_MARKET_DATA`` or ``<repo>/../shared/data/market`` (may not exist)."""
    return Path(os.environ.get(ENV_VAR, _REPO_ROOT.parent / "shared" / "data" / "market"))
