"""Session calendar: CME Globex hours, maintenance break, DST weeks, holidays, flatten window."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from gridarena.config.trading import RiskSettings
from gridarena.risk.calendar import SessionCalendar, SessionSpec, parse_days

MS = 1
MIN = 60_000
HOUR = 3_600_000


def utc(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> int:
    """Return epoch ms of a UTC wall time (expectations stay independent of zoneinfo)."""
    return int(datetime(y, mo, d, h, mi, tzinfo=UTC).timestamp() * 1000)


CME = SessionCalendar.cme_equity_index(flatten_before_s=300)


# -- weekly shape and maintenance break (winter, CST = UTC−6) -----------------------------


@pytest.mark.parametrize(
    ("now", "is_open"),
    [
        (utc(2026, 1, 9, 21, 59), True),  # Fri 15:59 CST
        (utc(2026, 1, 9, 22), False),  # Fri 16:00 CST: weekly close
        (utc(2026, 1, 10, 12), False),  # Saturday
        (utc(2026, 1, 11, 22, 59), False),  # Sun 16:59 CST
        (utc(2026, 1, 11, 23), True),  # Sun 17:00 CST: weekly open
        (utc(2026, 1, 12, 22) - MS, True),  # Mon 15:59:59.999 CST
        (utc(2026, 1, 12, 22), False),  # Mon 16:00 CST: maintenance break
        (utc(2026, 1, 12, 23) - MS, False),
        (utc(2026, 1, 12, 23), True),  # Mon 17:00 CST: reopens
    ],
)
def test_is_open_when_cme_week_then_follows_globex_hours_and_break(now: int, is_open: bool) -> None:
    assert CME.is_open(now) is is_open


def test_next_close_when_open_then_todays_16_ct_and_when_closed_then_next_sessions() -> None:
    assert CME.next_close(utc(2026, 1, 12, 15)) == utc(2026, 1, 12, 22)
    assert CME.next_close(utc(2026, 1, 12, 22, 30)) == utc(2026, 1, 13, 22)
    assert CME.next_close(utc(2026, 1, 10, 12)) == utc(2026, 1, 12, 22)
    assert CME.next_open(utc(2026, 1, 10, 12)) == utc(2026, 1, 11, 23)
    assert CME.next_open(utc(2026, 1, 12, 22)) == utc(2026, 1, 12, 23)


@pytest.mark.parametrize(
    ("now", "flatten"),
    [
        (utc(2026, 1, 12, 21, 55) - MS, False),  # 5 min + 1 ms before the break
        (utc(2026, 1, 12, 21, 55), True),  # exactly flatten_before_s before the close
        (utc(2026, 1, 12, 22) - MS, True),
        (utc(2026, 1, 12, 22, 30), True),  # during the break
        (utc(2026, 1, 12, 23), False),  # reopened
        (utc(2026, 1, 10, 12), True),  # weekend
    ],
)
def test_must_flatten_when_near_close_or_closed_then_true(now: int, flatten: bool) -> None:
    assert CME.must_flatten(now) is flatten
    assert CME.may_open(now) is not flatten


# -- daylight saving -----------------------------------------------------------------------


def test_is_open_when_dst_starts_then_sunday_open_and_monday_break_shift_one_hour_in_utc() -> None:
    # Fri 2026-03-06 16:00 CST = 22:00 UTC; DST starts Sun 03-08 02:00, so 17:00 CDT is
    # 22:00 UTC and Monday's 16:00 CDT close is 21:00 UTC.
    assert CME.next_close(utc(2026, 3, 6, 12)) == utc(2026, 3, 6, 22)
    assert CME.next_open(utc(2026, 3, 7, 12)) == utc(2026, 3, 8, 22)
    assert not CME.is_open(utc(2026, 3, 8, 22) - MS)
    assert CME.is_open(utc(2026, 3, 8, 22))
    assert CME.next_close(utc(2026, 3, 8, 22)) == utc(2026, 3, 9, 21)
    assert not CME.must_flatten(utc(2026, 3, 9, 20, 55) - MS)
    assert CME.must_flatten(utc(2026, 3, 9, 20, 55))
    assert not CME.is_open(utc(2026, 3, 9, 21))
    assert CME.is_open(utc(2026, 3, 9, 22))


def test_is_open_when_dst_ends_then_sunday_open_moves_back_to_23_utc() -> None:
    # DST ends Sun 2026-11-01 02:00: Fri 10-30 closes 16:00 CDT = 21:00 UTC, Sunday opens
    # 17:00 CST = 23:00 UTC.
    assert CME.next_close(utc(2026, 10, 30, 12)) == utc(2026, 10, 30, 21)
    assert CME.next_open(utc(2026, 10, 31)) == utc(2026, 11, 1, 23)
    assert not CME.is_open(utc(2026, 11, 1, 22))
    assert CME.next_close(utc(2026, 11, 1, 23)) == utc(2026, 11, 2, 22)


# -- holidays and early closes ---------------------------------------------------------------


def test_is_open_when_holiday_then_that_trading_date_has_no_session() -> None:
    cal = SessionCalendar.cme_equity_index(holidays=[date(2026, 12, 25)])
    # The Thu 12-24 17:00 session would close on Fri 12-25: it does not open at all.
    thu_evening = utc(2026, 12, 24, 23, 30)  # 17:30 CST
    assert not cal.is_open(thu_evening)
    assert cal.must_flatten(thu_evening)
    assert cal.next_open(thu_evening) == utc(2026, 12, 27, 23)
    assert cal.next_close(thu_evening) == utc(2026, 12, 28, 22)
    assert cal.is_open(utc(2026, 12, 24, 15))  # Thursday's own session still runs
    assert CME.is_open(thu_evening)


def test_must_flatten_when_early_close_then_window_moves_to_the_early_close() -> None:
    cal = SessionCalendar.cme_equity_index(early_closes={date(2026, 11, 27): time(12)})
    assert cal.next_close(utc(2026, 11, 27, 12)) == utc(2026, 11, 27, 18)
    assert not cal.must_flatten(utc(2026, 11, 27, 17, 55) - MS)
    assert cal.must_flatten(utc(2026, 11, 27, 17, 55))
    assert not cal.is_open(utc(2026, 11, 27, 18))
    assert cal.next_open(utc(2026, 11, 27, 18)) == utc(2026, 11, 29, 23)


# -- 24/7, config, settings -------------------------------------------------------------------


def test_must_flatten_when_24_7_calendar_then_never() -> None:
    cal = SessionCalendar.twenty_four_seven()
    for now in (utc(2026, 1, 10, 12), utc(2026, 3, 8, 8), utc(2026, 12, 25)):
        assert cal.is_open(now)
        assert not cal.must_flatten(now)
        assert cal.may_open(now)
        assert cal.next_close(now) is None
        assert cal.next_open(now) is None


def test_from_config_when_cme_spelled_as_sessions_then_matches_the_preset() -> None:
    cal = SessionCalendar.from_config(
        {
            "tz": "America/Chicago",
            "sessions": [
                {"days": "Sun", "open": "17:00", "close": "16:00"},
                {"days": "Mon-Thu", "open": "17:00", "close": "16:00"},
            ],
            "holidays": ["2026-12-25"],
            "early_closes": [{"date": "2026-11-27", "close": "12:00"}],
            "flatten_before_s": 300,
        }
    )
    preset = SessionCalendar.cme_equity_index(
        holidays=[date(2026, 12, 25)], early_closes={date(2026, 11, 27): time(12)}
    )
    start = utc(2026, 11, 20)
    for now in range(start, start + 45 * 24 * HOUR, 7 * MIN):
        assert cal.must_flatten(now) == preset.must_flatten(now)
        assert cal.next_close(now) == preset.next_close(now)


def test_from_config_when_always_open_or_unknown_key_then_24_7_or_raises() -> None:
    assert SessionCalendar.from_config({"always_open": True}).always_open
    with pytest.raises(ValueError, match="unknown"):
        SessionCalendar.from_config({"tz": "UTC", "session": []})
    with pytest.raises(ValueError, match="at least one session"):
        SessionCalendar.from_config({"tz": "UTC"})


def test_from_settings_when_flatten_at_set_then_flat_from_flatten_at_until_local_midnight() -> None:
    risk = RiskSettings(flatten_at="15:55", session_timezone="America/New_York")
    cal = SessionCalendar.from_settings(risk)
    # 2026-01-12 15:55 EST = 20:55 UTC; New York midnight = 05:00 UTC.
    assert cal.may_open(utc(2026, 1, 12, 20, 55) - MS)
    assert cal.must_flatten(utc(2026, 1, 12, 20, 55))
    assert cal.must_flatten(utc(2026, 1, 13, 5) - MS)
    assert cal.may_open(utc(2026, 1, 13, 5))
    assert SessionCalendar.from_settings(RiskSettings()).always_open


def test_from_settings_when_flatten_at_equals_reopen_then_raises() -> None:
    with pytest.raises(ValueError, match="reopen_at"):
        SessionCalendar.from_settings(RiskSettings(flatten_at="00:00"))


@pytest.mark.parametrize(
    ("spec", "days"),
    [
        ("Mon-Thu", {0, 1, 2, 3}),
        ("Sun-Thu", {6, 0, 1, 2, 3}),
        ("Fri-Mon", {4, 5, 6, 0}),
        ("mon,wed, FRI", {0, 2, 4}),
        ("Sunday", {6}),
        ("daily", set(range(7))),
    ],
)
def test_parse_days_when_ranges_and_lists_then_weekday_sets(spec: str, days: set[int]) -> None:
    assert parse_days(spec) == frozenset(days)


@pytest.mark.parametrize("spec", ["Mon-", "Funday", "Mon-Tue-Wed", ""])
def test_parse_days_when_malformed_then_raises(spec: str) -> None:
    with pytest.raises(ValueError, match="days"):
        parse_days(spec)


def test_session_when_same_day_session_has_early_close_before_open_then_skipped() -> None:
    spec = SessionSpec(parse_days("daily"), time(9, 30), time(16))
    cal = SessionCalendar("America/New_York", [spec], early_closes={date(2026, 1, 14): time(9)})
    assert cal.is_open(utc(2026, 1, 13, 15))  # Tue 10:00 EST
    assert not cal.is_open(utc(2026, 1, 14, 15))  # Wed: cancelled
    assert cal.next_open(utc(2026, 1, 14, 15)) == utc(2026, 1, 15, 14, 30)


def test_calendar_when_invalid_inputs_then_raises() -> None:
    with pytest.raises(ValueError, match="time zone"):
        SessionCalendar("Nowhere/City", [SessionSpec(frozenset({0}), time(9), time(17))])
    with pytest.raises(ValueError, match="flatten_before_s"):
        SessionCalendar(
            "UTC", [SessionSpec(frozenset({0}), time(9), time(17))], flatten_before_s=-1
        )
    with pytest.raises(ValueError, match="subset"):
        SessionSpec(frozenset(), time(9), time(17))
