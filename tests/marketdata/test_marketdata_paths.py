"""Locating the shared data directory and naming helpers."""

from __future__ import annotations

from pathlib import Path

import pytest

from gridarena.marketdata import format_timeframe, shared_market_dir


def test_shared_market_dir_when_env_set_then_that_directory(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("GRIDARENA_MARKET_DATA", str(tmp_path))
    assert shared_market_dir() == tmp_path


def test_shared_market_dir_when_env_unset_then_shared_beside_the_repo(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("GRIDARENA_MARKET_DATA", raising=False)
    repo = Path(__file__).resolve().parents[2]
    assert shared_market_dir() == repo.parent / "shared" / "data" / "market"


@pytest.mark.parametrize(
    ("ms", "text"),
    [(60_000, "1m"), (900_000, "15m"), (3_600_000, "1h"), (86_400_000, "1d"), (1_500, "1500ms")],
)
def test_format_timeframe_when_ms_then_largest_exact_unit(ms: int, text: str) -> None:
    assert format_timeframe(ms) == text
