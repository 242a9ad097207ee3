"""Trading-day boundaries and trading sessions in a time zone, with an injected time."""

from __future__ import annotations

import math
import re
from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from gridarena.config.trading import RiskSettings

__all__ = [
    "DayBoundary",
    "SessionCalendar",
    "SessionSpec",
    "parse_days",
    "parse_timezone",
]

_OFFSET = re.compile(r"^(?:UTC|GMT)?\s*([+-])(\d{1,2})(?::?(\d{2}))?$", re.IGNORECASE)


def parse_timezone(name: str) -> tzinfo:
    """Return the zone for an IANA name (`America/Chicago`) or a fixed offset (`UTC+02:00`)."""
    text = name.strip()
    match = _OFFSET.match(text)
    if match:
        sign, hours, minutes = match.groups()
        delta = timedelta(hours=int(hours), minutes=int(minutes or 0))
        if delta > timedelta(hours=18):
            raise ValueError(f"UTC offset out of range: {name!r}")
        return timezone(-delta if sign == "-" else delta)
    if text.upper() in {"UTC", "GMT", "Z"}:
        return UTC
    try:
        return ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {name!r}") from exc


def to_local(now_ms: int, zone: tzinfo) -> datetime:
    """Return the instant `now_ms` (ms since the epoch, UTC) as an aware local datetime."""
    return datetime.fromtimestamp(now_ms / 1000, tz=UTC).astimezone(zone)


def local_ms(day: date, at: time, zone: tzinfo) -> int:
    """Return the epoch ms of the wall-clock time `at` on `day` in `zone`."""
    return round(datetime.combine(day, at, tzinfo=zone).timestamp() * 1000)


def parse_hhmm(text: str) -> time:
    """Parse `HH:MM` (or `HH:MM:SS`) into a time; `24:00` is not accepted."""
    try:
        return time.fromisoformat(text.strip())
    except ValueError as exc:
        raise ValueError(f"expected a time like '17:00', got {text!r}") from exc


@dataclass(frozen=True, slots=True)
class DayBoundary:
    """Where one trading day ends and the next begins: wall-clock time `at` in zone `tz`.

    A trading day is named by the local date on which it starts, so with `at=17:00` in
    America/Chicago the day from Monday 17:00 to Tuesday 17:00 CT is "Monday". The boundary
    follows the zone's daylight-saving changes.
    """

    tz: str = "UTC"
    at: time = time(0)

    def __post_init__(self) -> None:
        parse_timezone(self.tz)
        if self.at.tzinfo is not None:
            raise ValueError("DayBoundary.at must be a naive wall-clock time")

    @classmethod
    def parse(cls, spec: str | int | DayBoundary) -> DayBoundary:
        """Read `17` (UTC hour), `"America/Chicago"`, `"17:00 America/Chicago"` or `"+02:00"`."""
        if isinstance(spec, DayBoundary):
            return spec
        if isinstance(spec, int):
            if not 0 <= spec <= 23:
                raise ValueError(f"day start hour must be 0..23, got {spec}")
            return cls("UTC", time(spec))
        parts = spec.split()
        if len(parts) == 2 and ":" in parts[0] and not parts[0].startswith(("+", "-")):
            return cls(parts[1], parse_hhmm(parts[0]))
        if len(parts) == 1 and re.fullmatch(r"\d{1,2}:\d{2}(:\d{2})?", parts[0]):
            return cls("UTC", parse_hhmm(parts[0]))
        return cls(spec.strip())

    @property
    def zone(self) -> tzinfo:
        """Return the boundary's time zone."""
        return parse_timezone(self.tz)

    def day_of(self, now_ms: int) -> date:
        """Return the trading day that contains the instant `now_ms`."""
        local = to_local(now_ms, self.zone)
        start = local.date()
        if local.time() < self.at:
            start -= timedelta(days=1)
        return start

    def start_ms(self, day: date) -> int:
        """Return the epoch ms at which trading day `day` begins."""
        return local_ms(day, self.at, self.zone)


_DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_LOOKBACK_DAYS = 2  # a session lasts at most a day, so one opened two days ago has closed
_HORIZON_DAYS = 21  # long enough to span any run of holidays and weekends


def parse_days(spec: str) -> frozenset[int]:
    """Parse weekdays (Monday = 0) from `"Mon-Thu"`, `"Fri-Mon"`, `"Mon,Wed"` or `"daily"`."""
    text = spec.strip().lower()
    if text in {"daily", "all", "*"}:
        return frozenset(range(7))
    days: set[int] = set()
    for part in text.split(","):
        ends = [p.strip()[:3] for p in part.split("-")]
        if len(ends) not in (1, 2) or any(e not in _DAY_NAMES for e in ends):
            raise ValueError(f"expected days like 'Mon-Thu' or 'Mon,Wed', got {spec!r}")
        first, last = _DAY_NAMES.index(ends[0]), _DAY_NAMES.index(ends[-1])
        # A range may wrap the week end: Fri-Mon is Fri, Sat, Sun, Mon.
        days.update((first + k) % 7 for k in range((last - first) % 7 + 1))
    return frozenset(days)


@dataclass(frozen=True, slots=True)
class SessionSpec:
    """A session opening at `open` on each of `days` (Monday = 0), in the calendar's zone.

    A `close` at or before `open` falls on the next day (Sun 17:00 → Mon 16:00). The session
    belongs to the trading date on which it closes; holidays and early closes use that date.
    """

    days: frozenset[int]
    open: time
    close: time

    def __post_init__(self) -> None:
        if not self.days or not self.days <= set(range(7)):
            raise ValueError(f"session days must be a non-empty subset of 0..6, got {self.days}")


def _parse_early_closes(raw: Any) -> dict[date, time]:
    if isinstance(raw, Mapping):
        return {date.fromisoformat(str(k)): parse_hhmm(str(v)) for k, v in raw.items()}
    out: dict[date, time] = {}
    for item in raw:
        out[date.fromisoformat(str(item["date"]))] = parse_hhmm(str(item["close"]))
    return out


class SessionCalendar:
    """Trading sessions of a market in its time zone, with holidays and early closes.

    `must_flatten` is true from `flatten_before_s` before each close until the close, and
    while the market is closed; `may_open` is true only outside that window. All methods take
    the time as epoch ms (UTC): nothing reads a clock. Daylight-saving changes are honoured
    because sessions are wall-clock times in the zone.
    """

    def __init__(
        self,
        tz: str,
        sessions: Sequence[SessionSpec],
        *,
        holidays: Iterable[date] = (),
        early_closes: Mapping[date, time] | None = None,
        flatten_before_s: float = 0.0,
        always_open: bool = False,
    ) -> None:
        self.tz = tz
        self.zone = parse_timezone(tz)
        self.sessions = tuple(sessions)
        self.holidays = frozenset(holidays)
        self.early_closes = dict(early_closes or {})
        if not math.isfinite(flatten_before_s) or flatten_before_s < 0:
            raise ValueError(f"flatten_before_s must be >= 0, got {flatten_before_s}")
        self.flatten_before_s = flatten_before_s
        self.always_open = always_open
        if not always_open and not self.sessions:
            raise ValueError("a calendar needs at least one session (or always_open=True)")
        self._cache: dict[date, tuple[list[int], list[int]]] = {}

    # -- constructors ----------------------------------------------------------------------

    @classmethod
    def twenty_four_seven(cls, tz: str = "UTC") -> SessionCalendar:
        """Return a calendar that never closes (crypto): it never asks to flatten."""
        return cls(tz, (), always_open=True)

    @classmethod
    def cme_equity_index(
        cls,
        *,
        holidays: Iterable[date] = (),
        early_closes: Mapping[date, time] | None = None,
        flatten_before_s: float = 300.0,
    ) -> SessionCalendar:
        """Return CME Globex equity-index futures (MES, MNQ): Sun 17:00 – Fri 16:00 CT.

        Each session runs 17:00 → 16:00 next day, so Mon–Thu have the 16:00–17:00 break.
        """
        spec = SessionSpec(parse_days("Sun-Thu"), time(17), time(16))
        return cls(
            "America/Chicago",
            (spec,),
            holidays=holidays,
            early_closes=early_closes,
            flatten_before_s=flatten_before_s,
        )

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> SessionCalendar:
        """Build from `{"tz", "sessions": [{"days", "open", "close"}], "holidays", ...}`.

        Optional keys: `early_closes` (`{"2026-11-27": "12:00"}` or a list of
        `{"date", "close"}`), `flatten_before_s`, `always_open`.
        """
        allowed = {"tz", "sessions", "holidays", "early_closes", "flatten_before_s", "always_open"}
        unknown = set(config) - allowed
        if unknown:
            raise ValueError(f"unknown session calendar keys: {sorted(unknown)}")
        tz = str(config.get("tz", "UTC"))
        if config.get("always_open"):
            return cls.twenty_four_seven(tz)
        sessions = [
            SessionSpec(parse_days(str(s["days"])), parse_hhmm(s["open"]), parse_hhmm(s["close"]))
            for s in config.get("sessions", ())
        ]
        return cls(
            tz,
            sessions,
            holidays=[date.fromisoformat(str(d)) for d in config.get("holidays", ())],
            early_closes=_parse_early_closes(config.get("early_closes", {})),
            flatten_before_s=float(config.get("flatten_before_s", 0.0)),
        )

    @classmethod
    def from_settings(
        cls,
        risk: RiskSettings,
        *,
        days: str = "daily",
        reopen_at: time = time(0),
        flatten_before_s: float = 0.0,
    ) -> SessionCalendar:
        """Build from `risk.flatten_at` / `risk.session_timezone`: close daily at `flatten_at`.

        Without `flatten_at` the calendar is 24/7. Otherwise the market counts as open from
        `reopen_at` (local midnight) until `flatten_at` on each of `days`, so positions are
        flat between the two.
        """
        if risk.flatten_at is None:
            return cls.twenty_four_seven(risk.session_timezone)
        close = risk.flatten_at.replace(tzinfo=None)
        if close == reopen_at:
            raise ValueError("flatten_at equals reopen_at: pass a different reopen_at")
        spec = SessionSpec(parse_days(days), reopen_at, close)
        return cls(risk.session_timezone, (spec,), flatten_before_s=flatten_before_s)

    # -- queries ---------------------------------------------------------------------------

    def is_open(self, now_ms: int) -> bool:
        """Return whether a session is in progress at `now_ms`."""
        if self.always_open:
            return True
        return self._containing(now_ms) is not None

    def next_open(self, now_ms: int) -> int | None:
        """Return when the next session opens after `now_ms` (None: 24/7 or none in sight)."""
        if self.always_open:
            return None
        opens, _ = self._intervals(now_ms)
        k = bisect_right(opens, now_ms)
        return opens[k] if k < len(opens) else None

    def next_close(self, now_ms: int) -> int | None:
        """Return the close of the current session, or of the next one when closed."""
        if self.always_open:
            return None
        current = self._containing(now_ms)
        if current is not None:
            return current[1]
        opens, closes = self._intervals(now_ms)
        k = bisect_right(opens, now_ms)
        return closes[k] if k < len(closes) else None

    def must_flatten(self, now_ms: int) -> bool:
        """Return whether positions must be flat: near the close, or while closed."""
        if self.always_open:
            return False
        current = self._containing(now_ms)
        if current is None:
            return True
        return now_ms >= current[1] - round(self.flatten_before_s * 1000)

    def may_open(self, now_ms: int) -> bool:
        """Return whether new positions may be opened (open, outside the flatten window)."""
        return not self.must_flatten(now_ms)

    # -- internals -------------------------------------------------------------------------

    def _containing(self, now_ms: int) -> tuple[int, int] | None:
        opens, closes = self._intervals(now_ms)
        k = bisect_right(opens, now_ms) - 1
        if k >= 0 and now_ms < closes[k]:
            return opens[k], closes[k]
        return None

    def _intervals(self, now_ms: int) -> tuple[list[int], list[int]]:
        anchor = to_local(now_ms, self.zone).date()
        cached = self._cache.get(anchor)
        if cached is None:
            cached = self._build(anchor)
            if len(self._cache) > 8:
                self._cache.clear()
            self._cache[anchor] = cached
        return cached

    def _build(self, anchor: date) -> tuple[list[int], list[int]]:
        spans: list[tuple[int, int]] = []
        for offset in range(-_LOOKBACK_DAYS, _HORIZON_DAYS):
            day = anchor + timedelta(days=offset)
            for spec in self.sessions:
                if day.weekday() not in spec.days:
                    continue
                close_day = day + timedelta(days=1) if spec.close <= spec.open else day
                if close_day in self.holidays:
                    continue
                close = self.early_closes.get(close_day, spec.close)
                if close_day == day and close <= spec.open:
                    continue  # an early close before the open cancels the session
                spans.append(
                    (local_ms(day, spec.open, self.zone), local_ms(close_day, close, self.zone))
                )
        spans.sort()
        merged: list[tuple[int, int]] = []
        for start, end in spans:
            # Overlapping sessions merge; back-to-back ones stay apart: each close counts.
            if merged and start < merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], end))
            else:
                merged.append((start, end))
        return [s for s, _ in merged], [e for _, e in merged]
