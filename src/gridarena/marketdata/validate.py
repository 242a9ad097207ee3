"""Integrity checks for candles: fail loudly on corrupt rows, report (never hide) gaps."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gridarena.marketdata.candles import Candles


class CandleDataError(ValueError):
    """Raised when candles are unusable; the message names the first offending row."""


@dataclass(frozen=True, slots=True)
class CandleReport:
    """Summary of a validated candle series.

    ``gaps`` counts steps longer than one timeframe; ``missing_candles`` the candles absent in
    them. ``largest_gap_ms`` is the largest step between two consecutive candles and
    ``largest_gap_start_ms`` the open time of the candle just before it (0 when no gap).
    """

    symbol: str
    timeframe_ms: int
    rows: int
    first_ts_ms: int | None
    last_ts_ms: int | None
    gaps: int
    missing_candles: int
    largest_gap_ms: int
    largest_gap_start_ms: int
    zero_volume_rows: int

    def to_dict(self) -> dict[str, Any]:
        """Return the report as a JSON-ready dict (with ISO-8601 UTC copies of timestamps)."""
        out = asdict(self)
        out["first"] = iso_utc(self.first_ts_ms)
        out["last"] = iso_utc(self.last_ts_ms)
        out["largest_gap_start"] = iso_utc(self.largest_gap_start_ms) if self.gaps else None
        return out


def iso_utc(ts_ms: int | None) -> str | None:
    """Format epoch milliseconds as an ISO-8601 UTC string (``None`` passes through)."""
    if ts_ms is None:
        return None
    return datetime.fromtimestamp(ts_ms / 1000, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _fail(c: Candles, mask: NDArray[np.bool_], what: str, offset: int = 0) -> None:
    """Raise for the first True row of ``mask`` (row index = position + offset)."""
    bad = np.flatnonzero(mask)
    if bad.size == 0:
        return
    row = int(bad[0]) + offset
    ts = int(c.ts_ms[row])
    values = ", ".join(
        f"{name}={float(getattr(c, name)[row])!r}"
        for name in ("open", "high", "low", "close", "volume")
    )
    raise CandleDataError(
        f"{c.symbol or 'candles'}: row {row} (ts_ms={ts}, {iso_utc(ts)}): {what} "
        f"[{values}]; {bad.size} row(s) affected"
    )


def _check_values(c: Candles) -> None:
    for name in ("open", "high", "low", "close", "volume"):
        _fail(c, ~np.isfinite(getattr(c, name)), f"{name} is NaN or infinite")
    _fail(c, c.low <= 0.0, "low <= 0")
    _fail(c, c.volume < 0.0, "volume < 0")
    _fail(c, c.high < c.low, "high < low")
    _fail(c, c.high < np.maximum(c.open, c.close), "high < max(open, close)")
    _fail(c, c.low > np.minimum(c.open, c.close), "low > min(open, close)")


def validate_candles(c: Candles, *, allow_gaps: bool = True) -> CandleReport:
    """Check ``c`` and return a report; raise :class:`CandleDataError` on the first bad row.

    Errors: unsorted or duplicate timestamps, steps that are not a whole number of
    timeframes, NaN/inf, ``low <= 0``, negative volume, ``high < low``,
    ``high < max(open, close)``, ``low > min(open, close)``; and any gap when
    ``allow_gaps`` is False. Gaps are always counted in the report.
    """
    n = len(c)
    _check_values(c)
    steps = np.diff(c.ts_ms)
    _fail(c, steps < 0, "timestamp earlier than the previous row (unsorted)", offset=1)
    _fail(c, steps == 0, "duplicate timestamp", offset=1)
    tf = c.timeframe_ms
    gaps = 0
    missing = 0
    largest_gap = 0
    largest_gap_start = 0
    if tf > 0 and steps.size:
        _fail(c, steps % tf != 0, f"step is not a multiple of the timeframe {tf} ms", offset=1)
        gap_mask = steps > tf
        gaps = int(np.count_nonzero(gap_mask))
        if gaps:
            missing = int(np.sum(steps[gap_mask] // tf - 1))
            i = int(np.argmax(steps))
            largest_gap = int(steps[i])
            largest_gap_start = int(c.ts_ms[i])
            if not allow_gaps:
                ts = largest_gap_start
                raise CandleDataError(
                    f"{c.symbol or 'candles'}: {gaps} gap(s), {missing} missing candle(s); "
                    f"first after row {int(np.flatnonzero(gap_mask)[0])}, largest "
                    f"{largest_gap // 60_000} min after row {i} (ts_ms={ts}, {iso_utc(ts)})"
                )
    return CandleReport(
        symbol=c.symbol,
        timeframe_ms=tf,
        rows=n,
        first_ts_ms=int(c.ts_ms[0]) if n else None,
        last_ts_ms=int(c.ts_ms[-1]) if n else None,
        gaps=gaps,
        missing_candles=missing,
        largest_gap_ms=largest_gap,
        largest_gap_start_ms=largest_gap_start,
        zero_volume_rows=int(np.count_nonzero(c.volume == 0.0)),
    )
