"""HTML reports: files written, parseable, self-contained, with the expected traces and facts."""

import re
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest

from gridarena.backtest.report import (
    MAX_POINTS,
    backtest_figure,
    envelope,
    write_backtest_report,
    write_sweep_report,
)
from gridarena.backtest.runner import BacktestConfig, BacktestResult, run_backtest
from gridarena.backtest.sweep import SweepResult, rerun, run_sweep
from gridarena.grid.spec import GridSpec
from gridarena.marketdata.candles import Candles
from gridarena.marketdata.generator import generate_market

SPEC = GridSpec(symbol="BTCUSDT", lower=58_500, upper=61_500, grids=12, base_allocation=10_000)
CONFIG = BacktestConfig(fill_rule="touch", path="ohlc")


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:  # noqa: ARG002
        self.tags.append(tag)


@pytest.fixture(scope="module")
def market() -> Candles:
    return generate_market(n_candles=3_000, seed=5)


@pytest.fixture(scope="module")
def result(market: Candles) -> BacktestResult:
    return run_backtest(SPEC, market, config=CONFIG)


@pytest.fixture(scope="module")
def sweep(market: Candles) -> SweepResult:
    space = {"lower": [58_000, 58_500, 59_000], "upper": [61_000, 61_500], "grids": [8, 12]}
    return run_sweep(market, {"symbol": "BTCUSDT", "base_allocation": 10_000}, space, workers=2)


def _trace_names(text: str) -> set[str]:
    return set(re.findall(r'"name":"([^"]+)"', text))


def _check_html(text: str) -> list[str]:
    assert text.startswith("<!DOCTYPE html>")
    assert text.rstrip().endswith("</html>")
    parser = _Tags()
    parser.feed(text)
    parser.close()
    # Offline: plotly.js is inlined, no script is fetched from a CDN.
    assert not re.search(r"<script[^>]+src=", text)
    return parser.tags


def test_backtest_report_when_written_then_html_has_price_levels_fills_equity_drawdown(
    result: BacktestResult, tmp_path: Path
) -> None:
    path = write_backtest_report(result, tmp_path / "sub" / "bt.html")
    text = path.read_text()
    tags = _check_html(text)
    assert "table" in tags
    names = _trace_names(text)
    assert {"price", "grid levels", "buys", "sells", "equity", "drawdown"} <= names
    assert "fill rule <b>touch</b>, intrabar path <b>ohlc</b>" in text
    assert result.run.summary.fills > 0


def test_backtest_report_when_run_without_record_then_raises(
    market: Candles, tmp_path: Path
) -> None:
    bare = run_backtest(SPEC, market, config=CONFIG, record=False)
    with pytest.raises(ValueError, match="record=True"):
        write_backtest_report(bare, tmp_path / "bt.html")


def test_backtest_figure_when_long_series_then_downsampled_but_every_fill_kept() -> None:
    big = generate_market(n_candles=MAX_POINTS + 5_000, seed=8)
    res = run_backtest(SPEC, big, config=CONFIG)
    traces = {t.name: t for t in backtest_figure(res).data}
    for name in ("price", "equity", "drawdown"):
        assert len(traces[name].y) <= MAX_POINTS
    n_fills = res.run.fills.shape[0]
    assert n_fills > 0
    assert len(traces["buys"].y) + len(traces["sells"].y) == n_fills
    assert "low/high envelope" in traces["price"].hovertext


def test_envelope_when_series_long_then_bounded_and_extremes_kept() -> None:
    rng = np.random.default_rng(1)
    n = 100_003
    x = np.arange(n)
    high = rng.normal(size=n).cumsum() + 1
    low = high - 1
    xs, ys = envelope(x, high, low, 1_000)
    assert xs.shape[0] <= 1_000
    assert np.all(np.diff(xs) >= 0)
    assert ys.max() == high.max()
    assert ys.min() == low.min()


def test_envelope_when_series_short_then_unchanged() -> None:
    x = np.arange(5)
    y = np.arange(5.0)
    xs, ys = envelope(x, y, y, 10)
    assert xs.tolist() == x.tolist()
    assert ys.tolist() == y.tolist()


def test_sweep_report_when_written_then_heat_map_ranking_and_best_run(
    sweep: SweepResult, market: Candles, tmp_path: Path
) -> None:
    best = rerun(sweep.rows[0], market)
    text = write_sweep_report(sweep, tmp_path / "sweep.html", best).read_text()
    _check_html(text)
    assert {"return heat map", "equity", "drawdown"} <= _trace_names(text)
    assert "Ranking (top 12)" in text
    assert "Best run" in text
    # The two axes are the parameters with the most distinct values.
    assert "return over lower × upper" in text
    assert "intrabar path" in text


def test_sweep_report_when_no_best_run_then_still_written(
    sweep: SweepResult, tmp_path: Path
) -> None:
    text = write_sweep_report(sweep, tmp_path / "s.html").read_text()
    _check_html(text)
    assert "Best run" not in text
    assert "equity" not in _trace_names(text)
