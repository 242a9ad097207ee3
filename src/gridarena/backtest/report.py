"""Self-contained HTML reports (Plotly, plotly.js inlined so they open offline).

Every report states the fill rule and the intrabar path it was simulated with (DESIGN.md §3).
Long series are reduced to a min/max envelope of at most `MAX_POINTS` points, so extremes (and
the fills at them) stay visible; fills themselves are never dropped.
"""

import html
import math
from pathlib import Path
from typing import Any

import numpy as np
import plotly.graph_objects as go
from numpy.typing import NDArray
from plotly.subplots import make_subplots

from gridarena.backtest import layout as k
from gridarena.backtest.run import FILL_KINDS
from gridarena.backtest.runner import BacktestResult
from gridarena.backtest.sweep import SweepResult, SweepRow

MAX_POINTS = 20_000
_BIG_SCATTER = 5_000  # beyond this many markers WebGL draws faster than SVG
_CSS = """
body{font-family:system-ui,sans-serif;margin:24px;color:#222}
table{border-collapse:collapse;margin:8px 0 24px;font-size:13px}
td,th{border:1px solid #ddd;padding:3px 8px;text-align:right}
th{background:#f3f3f3}td.k{text-align:left;font-weight:600}
.note{color:#555;font-size:13px}
"""


def envelope(
    x: NDArray[Any], high: NDArray[np.float64], low: NDArray[np.float64], max_points: int
) -> tuple[NDArray[Any], NDArray[np.float64]]:
    """Reduce a series to its per-bucket minimum and maximum, in time order (≤ max_points)."""
    n = x.shape[0]
    if n <= max_points:
        return x, high
    size = math.ceil(n / (max_points // 2))
    buckets = math.ceil(n / size)
    pad = buckets * size - n
    hi = np.pad(high, (0, pad), mode="edge").reshape(buckets, size)
    lo = np.pad(low, (0, pad), mode="edge").reshape(buckets, size)
    start = np.arange(buckets) * size
    i_hi = np.minimum(start + hi.argmax(axis=1), n - 1)
    i_lo = np.minimum(start + lo.argmin(axis=1), n - 1)
    first, second = np.minimum(i_hi, i_lo), np.maximum(i_hi, i_lo)
    idx = np.column_stack([first, second]).ravel()
    values = np.where(idx == np.repeat(i_hi, 2), high[idx], low[idx])
    return x[idx], values


def _times(ts_ms: NDArray[np.int64]) -> NDArray[np.datetime64]:
    return ts_ms.astype("datetime64[ms]")


def _drawdown(equity: NDArray[np.float64]) -> NDArray[np.float64]:
    peak = np.maximum.accumulate(equity)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(peak > 0, equity / peak - 1.0, 0.0)


def _add_equity(fig: go.Figure, result: BacktestResult, row: int) -> None:
    equity = result.run.equity
    t = _times(result.candles.ts_ms[: equity.shape[0]])
    x, y = envelope(t, equity, equity, MAX_POINTS)
    fig.add_trace(go.Scatter(x=x, y=y, name="equity", line={"width": 1.2}), row=row, col=1)
    dd = _drawdown(equity)
    x, y = envelope(t, dd, dd, MAX_POINTS)
    fig.add_trace(
        go.Scatter(x=x, y=y, name="drawdown", fill="tozeroy", line={"width": 1, "color": "#c44"}),
        row=row + 1,
        col=1,
    )
    fig.update_yaxes(tickformat=".1%", row=row + 1, col=1)


def _add_fills(fig: go.Figure, result: BacktestResult) -> None:
    fills, t = result.run.fills, _times(result.candles.ts_ms)
    kinds = np.array([FILL_KINDS.get(int(v), "?") for v in fills[:, k.F_KIND]], dtype=object)
    for name, side, symbol, color in (
        ("buys", 1, "triangle-up", "#1a9850"),
        ("sells", -1, "triangle-down", "#d73027"),
    ):
        mask = fills[:, k.F_SIDE] == side
        rows = fills[mask]
        scatter = go.Scattergl if rows.shape[0] > _BIG_SCATTER else go.Scatter
        trace = scatter(
            x=t[rows[:, k.F_CANDLE].astype(np.int64)],
            y=rows[:, k.F_PRICE],
            customdata=np.column_stack([rows[:, k.F_QTY], kinds[mask]]),
            mode="markers",
            name=name,
            marker={"symbol": symbol, "color": color, "size": 7},
            hovertemplate="%{y}<br>qty %{customdata[0]}<br>%{customdata[1]}<extra>" + name,
        )
        fig.add_trace(trace, row=1, col=1)


def backtest_figure(result: BacktestResult) -> go.Figure:
    """Build the price (with levels and fills), equity and drawdown panels of one backtest."""
    c = result.candles
    t = _times(c.ts_ms)
    fig = make_subplots(
        rows=3,
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.04,
        row_heights=[0.55, 0.25, 0.2],
        subplot_titles=("Price, grid levels and fills", "Equity", "Drawdown"),
    )
    big = len(c) > MAX_POINTS
    x, y = envelope(t, c.high, c.low, MAX_POINTS) if big else (t, c.close)
    label = "price" + (" (low/high envelope)" if big else "")
    fig.add_trace(
        go.Scatter(x=x, y=y, name="price", line={"width": 1, "color": "#555"}, hovertext=label),
        row=1,
        col=1,
    )
    if len(c):
        # One trace for all levels (None breaks the line): hundreds of shapes would be slow.
        lv = result.prepared.levels
        xs = np.tile(np.array([t[0], t[-1], None], dtype=object), lv.shape[0])
        ys = np.column_stack([lv, lv, np.full(lv.shape[0], np.nan)]).ravel()
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=ys,
                name="grid levels",
                mode="lines",
                line={"width": 0.6, "color": "#99a", "dash": "dot"},
                hoverinfo="skip",
            ),
            row=1,
            col=1,
        )
    _add_fills(fig, result)
    _add_equity(fig, result, row=2)
    fig.update_layout(height=900, hovermode="closest", legend={"orientation": "h"})
    return fig


def _equity_figure(result: BacktestResult, title: str) -> go.Figure:
    fig = make_subplots(
        rows=2, cols=1, shared_xaxes=True, row_heights=[0.65, 0.35], vertical_spacing=0.06
    )
    _add_equity(fig, result, row=1)
    fig.update_layout(height=550, title=title, legend={"orientation": "h"})
    return fig


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.6g}" if abs(value) < 1e6 else f"{value:,.2f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def _kv_table(items: dict[str, Any]) -> str:
    rows = "".join(
        f"<tr><td class=k>{html.escape(str(key))}</td><td>{html.escape(_fmt(val))}</td></tr>"
        for key, val in items.items()
    )
    return f"<table>{rows}</table>"


def _grid_table(header: list[str], rows: list[list[Any]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(_fmt(v))}</td>" for v in row) + "</tr>" for row in rows
    )
    return f"<table><tr>{head}</tr>{body}</table>"


def _page(title: str, parts: list[str]) -> str:
    body = "\n".join(parts)
    return (
        f"<!DOCTYPE html>\n<html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
        f"<style>{_CSS}</style></head><body><h1>{html.escape(title)}</h1>\n{body}\n</body></html>\n"
    )


class _Figures:
    """Render figures in order; only the first one carries the inlined plotly.js."""

    def __init__(self) -> None:
        self.inlined = False

    def __call__(self, fig: go.Figure) -> str:
        out = str(fig.to_html(full_html=False, include_plotlyjs=not self.inlined))
        self.inlined = True
        return out


def _backtest_sections(result: BacktestResult) -> list[str]:
    d = result.to_dict()
    config = d.pop("config")
    simulation = {"fill rule": config.pop("fill_rule"), "intrabar path": config.pop("path")}
    simulation |= config
    spec = result.spec.model_dump(mode="json", exclude_none=True)
    return [
        "<h2>Simulation</h2>",
        _kv_table(simulation),
        "<h2>Grid</h2>",
        _kv_table(spec),
        "<h2>Summary</h2>",
        _kv_table(d),
    ]


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def write_backtest_report(result: BacktestResult, path: Path | str) -> Path:
    """Write one backtest as HTML: price with levels and fills, equity, drawdown, summary."""
    if result.run.equity.shape[0] == 0:
        raise ValueError("report: the backtest ran without record=True (no equity curve)")
    figure = _Figures()
    c = result.config
    note = f"fill rule <b>{c.fill_rule}</b>, intrabar path <b>{c.path}</b>"
    parts = [f"<p class=note>{note}</p>", figure(backtest_figure(result))]
    parts += _backtest_sections(result)
    return _write(Path(path), _page(f"Backtest {result.spec.symbol}", parts))


def _axis_pair(sweep: SweepResult) -> list[str]:
    swept = sweep.swept
    return sorted(swept, key=lambda n: -len(swept[n]))[:2]


def _ordered(values: tuple[Any, ...]) -> list[Any]:
    numeric = all(isinstance(v, int | float) for v in values)
    return sorted(values) if numeric else list(values)


def _heatmap(sweep: SweepResult) -> go.Figure | None:
    names = _axis_pair(sweep)
    if not names:
        return None
    xn, yn = names[0], names[1] if len(names) > 1 else None
    xs = _ordered(sweep.space[xn])
    ys = _ordered(sweep.space[yn]) if yn is not None else [sweep.metric]
    z = np.full((len(ys), len(xs)), -np.inf)
    xi = {v: i for i, v in enumerate(xs)}
    yi = {v: i for i, v in enumerate(ys)}
    for r in sweep.rows:
        # Other swept parameters collapse to their best value in each cell.
        i, j = yi[r.params[yn]] if yn is not None else 0, xi[r.params[xn]]
        z[i, j] = max(z[i, j], r.metric(sweep.metric))
    cells = [[float(v) if np.isfinite(v) else None for v in row] for row in z]
    fig = go.Figure(
        go.Heatmap(
            z=cells,
            x=[str(x) for x in xs],
            y=[str(y) for y in ys],
            name=f"{sweep.metric} heat map",
            colorscale="RdYlGn",
            colorbar={"title": sweep.metric},
        )
    )
    fig.update_layout(xaxis_title=xn, yaxis_title=yn or "", height=550)
    fig.update_xaxes(type="category")
    fig.update_yaxes(type="category")
    return fig


def _rank_row(i: int, r: SweepRow, names: list[str]) -> list[Any]:
    s = r.summary
    metrics = [f"{s.total_return:+.2%}", s.sharpe, s.calmar, f"{s.max_drawdown:.2%}"]
    return [i, *(r.params[n] for n in names), *metrics, s.fills, s.round_trips]


def write_sweep_report(
    sweep: SweepResult, path: Path | str, best: BacktestResult | None = None, *, top: int = 50
) -> Path:
    """Write a sweep as HTML: ranking table, heat map over two swept parameters, best run."""
    figure = _Figures()
    fill_rules = sorted({r.config.fill_rule for r in sweep.rows})
    paths = sorted({r.config.path for r in sweep.rows})
    facts = {
        "metric": sweep.metric,
        "fill rule": ", ".join(fill_rules),
        "intrabar path": ", ".join(paths),
        "configs": sweep.configs,
        "combinations": sweep.total,
        "skipped": sweep.skipped,
        "candles": sweep.candles,
        "elapsed_s": round(sweep.elapsed_s, 3),
        "configs_per_s": round(sweep.configs_per_s, 1),
        "workers": sweep.workers,
        **{f"skipped: {reason}": n for reason, n in sweep.skip_reasons.items()},
    }
    names = list(sweep.space)
    header = ["#", *names, "return", "sharpe", "calmar", "max dd", "fills", "round trips"]
    rows = [_rank_row(i, r, names) for i, r in enumerate(sweep.rows[:top], 1)]
    parts = ["<h2>Sweep</h2>", _kv_table(facts)]
    heat = _heatmap(sweep)
    if heat is not None:
        parts += [f"<h2>{html.escape(sweep.metric)} over {' × '.join(_axis_pair(sweep))}</h2>"]
        parts += [figure(heat)]
    parts += [f"<h2>Ranking (top {len(rows)})</h2>", _grid_table(header, rows)]
    if best is not None and best.run.equity.shape[0]:
        parts += ["<h2>Best run</h2>", figure(_equity_figure(best, "Best run: equity, drawdown"))]
        parts += _backtest_sections(best)
    return _write(Path(path), _page(f"Sweep ranked by {sweep.metric}", parts))
