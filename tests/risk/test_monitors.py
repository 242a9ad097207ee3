"""Portfolio monitors on an injected time: each limit exactly at, and one tick either side."""

from __future__ import annotations

import json
from datetime import date, time
from decimal import Decimal

import pytest

from gridarena.config.trading import RiskSettings
from gridarena.risk import (
    AccountSample,
    AccountState,
    DayBoundary,
    MonitorLimits,
    PortfolioMonitor,
    ReasonCode,
    Transition,
)

D = Decimal
T0 = 1_772_409_600_000  # 2026-03-02 00:00 UTC, a Monday
MIN = 60_000
HOUR = 3_600_000
DAY = 86_400_000
TICK = D("0.01")

ACTIVE, REDUCING, HALTED = AccountState.ACTIVE, AccountState.REDUCING, AccountState.HALTED


def sample(equity: str | Decimal, gross: str | Decimal = "0", account: str = "a") -> AccountSample:
    return AccountSample(account, D(equity), D(gross))


def one(transitions: list[Transition]) -> Transition:
    assert len(transitions) == 1, transitions
    return transitions[0]


# -- daily loss --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("equity", "expected"),
    [("900.01", ACTIVE), ("900", HALTED), ("899.99", HALTED)],
)
def test_observe_when_day_loss_near_limit_then_halts_from_exactly_the_limit(
    equity: str, expected: AccountState
) -> None:
    mon = PortfolioMonitor(MonitorLimits(daily_loss=D(100)))
    mon.observe([sample("1000")], T0)
    out = mon.observe([sample(equity)], T0 + MIN)
    assert mon.state("a") == expected
    if expected == HALTED:
        t = one(out)
        assert (t.from_state, t.to_state, t.reason, t.flatten) == (
            ACTIVE,
            HALTED,
            ReasonCode.DAILY_LOSS,
            True,
        )
        assert t.at_ms == T0 + MIN
        assert t.detail["day_pnl"] == str(D(equity) - 1000)
    else:
        assert out == []


def test_observe_when_day_loss_one_smallest_step_short_then_stays_active() -> None:
    step = D("1e-12")
    mon = PortfolioMonitor(MonitorLimits(daily_loss=D(100)))
    mon.observe([sample("1000")], T0)
    assert mon.observe([sample(D(900) + step)], T0 + 1) == []
    assert one(mon.observe([sample(D(900))], T0 + 2)).to_state == HALTED


def test_observe_when_daily_loss_halted_and_equity_recovers_then_stays_halted_all_day() -> None:
    mon = PortfolioMonitor(MonitorLimits(daily_loss=D(100)))
    mon.observe([sample("1000")], T0)
    mon.observe([sample("900")], T0 + HOUR)
    assert mon.observe([sample("1200")], T0 + DAY - 1) == []
    assert mon.state("a") == HALTED
    status = mon.status("a")
    assert status is not None
    assert (status.reason, status.sticky) == (ReasonCode.DAILY_LOSS, False)
    assert status.since_ms == T0 + HOUR


def test_observe_when_day_rolls_over_then_daily_halt_returns_to_active_at_the_boundary() -> None:
    mon = PortfolioMonitor(MonitorLimits(daily_loss=D(100)))
    mon.observe([sample("1000")], T0)
    mon.observe([sample("900")], T0 + HOUR)
    assert mon.observe([sample("900")], T0 + DAY - 1) == []
    t = one(mon.observe([sample("900")], T0 + DAY))
    assert (t.from_state, t.to_state, t.reason, t.flatten) == (
        HALTED,
        ACTIVE,
        ReasonCode.DAY_ROLLOVER,
        False,
    )
    # The new day's start equity is the first observation of that day.
    status = mon.status("a")
    assert status is not None
    assert status.day_start_equity == D(900)
    assert status.day == date(2026, 3, 3)
    assert mon.observe([sample("800.01")], T0 + DAY + 1) == []
    assert one(mon.observe([sample("800")], T0 + DAY + 2)).reason == ReasonCode.DAILY_LOSS


def test_observe_when_account_not_sampled_at_rollover_then_it_rolls_and_rebases_later() -> None:
    mon = PortfolioMonitor(MonitorLimits(daily_loss=D(100)))
    mon.observe([sample("1000"), sample("1000", account="b")], T0)
    mon.observe([sample("900")], T0 + HOUR)
    t = one(mon.observe([sample("1000", account="b")], T0 + DAY))
    assert (t.account, t.to_state, t.reason) == ("a", ACTIVE, ReasonCode.DAY_ROLLOVER)
    mon.observe([sample("850")], T0 + DAY + HOUR)  # day start of "a" is 850 now
    assert mon.state("a") == ACTIVE


def test_observe_when_day_starts_in_chicago_at_17_then_rolls_over_at_local_17_across_dst() -> None:
    limits = MonitorLimits(daily_loss=D(100), day_start=DayBoundary("America/Chicago", time(17)))
    mon = PortfolioMonitor(limits)
    # Sat 2026-03-07 17:00 CST = 23:00 UTC; DST starts Sun 03-08, so 17:00 CDT = 22:00 UTC.
    sat_23 = 1_772_924_400_000
    sun_22 = sat_23 + DAY - HOUR
    mon.observe([sample("1000")], sat_23 - HOUR)
    mon.observe([sample("900")], sat_23 - 1)
    assert mon.state("a") == HALTED
    assert one(mon.observe([sample("900")], sat_23)).reason == ReasonCode.DAY_ROLLOVER
    mon.observe([sample("800")], sat_23 + HOUR)
    assert mon.state("a") == HALTED
    assert mon.observe([sample("800")], sun_22 - 1) == []
    assert one(mon.observe([sample("800")], sun_22)).to_state == ACTIVE
    status = mon.status("a")
    assert status is not None
    assert status.day == date(2026, 3, 8)


def test_observe_when_time_goes_backwards_then_day_does_not_reopen() -> None:
    mon = PortfolioMonitor(MonitorLimits(daily_loss=D(100)))
    mon.observe([sample("1000")], T0)
    mon.observe([sample("900")], T0 + DAY + 1)  # new day starts at 900
    mon.observe([sample("799")], T0 + DAY + 2)
    assert mon.state("a") == HALTED
    assert mon.observe([sample("1000")], T0 + 5) == []
    assert mon.state("a") == HALTED


# -- global daily loss -------------------------------------------------------------------


@pytest.mark.parametrize(("loss_b", "halted"), [("39.99", False), ("40", True), ("40.01", True)])
def test_observe_when_summed_day_loss_reaches_global_limit_then_halts_every_account(
    loss_b: str, halted: bool
) -> None:
    mon = PortfolioMonitor(MonitorLimits(daily_loss=D(1000), global_daily_loss=D(100)))
    accounts = [sample("1000", account=x) for x in ("a", "b", "c")]
    mon.observe(accounts, T0)
    out = mon.observe(
        [sample("940", account="a"), sample(D(1000) - D(loss_b), account="b")], T0 + MIN
    )
    if not halted:
        assert out == []
        return
    assert {t.account for t in out} == {"a", "b", "c"}
    assert all(t.to_state == HALTED and t.flatten for t in out)
    assert all(t.reason == ReasonCode.GLOBAL_DAILY_LOSS for t in out)


def test_observe_when_global_halt_then_an_account_first_seen_that_day_is_halted_too() -> None:
    mon = PortfolioMonitor(MonitorLimits(global_daily_loss=D(100)))
    mon.observe([sample("1000")], T0)
    mon.observe([sample("900")], T0 + MIN)
    t = one(mon.observe([sample("5000", account="late")], T0 + 2 * MIN))
    assert (t.account, t.to_state, t.reason) == ("late", HALTED, ReasonCode.GLOBAL_DAILY_LOSS)
    out = mon.observe([sample("900"), sample("5000", account="late")], T0 + DAY)
    assert {(t.account, t.to_state, t.reason) for t in out} == {
        ("a", ACTIVE, ReasonCode.DAY_ROLLOVER),
        ("late", ACTIVE, ReasonCode.DAY_ROLLOVER),
    }


def test_observe_when_one_account_hits_own_daily_loss_then_others_keep_trading() -> None:
    mon = PortfolioMonitor(MonitorLimits(daily_loss=D(100), global_daily_loss=D(500)))
    mon.observe([sample("1000"), sample("1000", account="b")], T0)
    out = mon.observe([sample("900"), sample("1000", account="b")], T0 + MIN)
    assert [(t.account, t.reason) for t in out] == [("a", ReasonCode.DAILY_LOSS)]
    assert mon.state("b") == ACTIVE


# -- trailing drawdown -------------------------------------------------------------------


@pytest.mark.parametrize(("equity", "halted"), [("950.01", False), ("950", True), ("949.99", True)])
def test_observe_when_drawdown_from_peak_near_limit_then_halts_from_exactly_the_limit(
    equity: str, halted: bool
) -> None:
    mon = PortfolioMonitor(MonitorLimits(trailing_drawdown=D(150)))
    mon.observe([sample("1000")], T0)
    mon.observe([sample("1100")], T0 + MIN)
    out = mon.observe([sample(equity)], T0 + 2 * MIN)
    assert (mon.state("a") == HALTED) is halted
    if halted:
        t = one(out)
        assert (t.reason, t.flatten) == (ReasonCode.TRAILING_DRAWDOWN, True)
        assert t.detail["peak"] == "1100"


def test_observe_when_drawdown_halted_then_sticky_across_rollover_until_reset() -> None:
    mon = PortfolioMonitor(MonitorLimits(trailing_drawdown=D(150)))
    mon.observe([sample("1000")], T0)
    mon.observe([sample("850")], T0 + MIN)
    assert mon.observe([sample("2000")], T0 + 3 * DAY) == []
    status = mon.status("a")
    assert status is not None
    assert (status.state, status.sticky, status.reason) == (
        HALTED,
        True,
        ReasonCode.TRAILING_DRAWDOWN,
    )
    t = mon.reset("a", T0 + 3 * DAY + 1)
    assert t is not None
    assert (t.from_state, t.to_state, t.reason, t.flatten) == (
        HALTED,
        ACTIVE,
        ReasonCode.MANUAL_RESET,
        False,
    )
    # The peak is re-based at the reset, so the old peak does not trip it again.
    assert mon.observe([sample("1900")], T0 + 3 * DAY + 2) == []
    assert one(mon.observe([sample("1850")], T0 + 3 * DAY + 3)).to_state == HALTED


def test_reset_when_daily_loss_also_holds_then_account_stays_halted_for_the_day() -> None:
    mon = PortfolioMonitor(MonitorLimits(daily_loss=D(100), trailing_drawdown=D(50)))
    mon.observe([sample("1000")], T0)
    mon.observe([sample("900")], T0 + MIN)
    assert mon.reset("a", T0 + 2 * MIN) is None
    status = mon.status("a")
    assert status is not None
    assert (status.state, status.reason, status.sticky) == (HALTED, ReasonCode.DAILY_LOSS, False)
    assert mon.reset("unknown", T0) is None


@pytest.mark.parametrize(("equity", "halted"), [("900.01", False), ("900", True)])
def test_observe_when_drawdown_pct_of_peak_reached_then_halts(equity: str, halted: bool) -> None:
    mon = PortfolioMonitor(MonitorLimits(trailing_drawdown_pct=D(10)))
    mon.observe([sample("1000")], T0)
    mon.observe([sample(equity)], T0 + MIN)
    assert (mon.state("a") == HALTED) is halted


# -- exposure cap ------------------------------------------------------------------------


@pytest.mark.parametrize(("gross", "expected"), [("1999.99", ACTIVE), ("2000", REDUCING)])
def test_observe_when_gross_near_exposure_cap_then_reduces_from_exactly_the_cap(
    gross: str, expected: AccountState
) -> None:
    mon = PortfolioMonitor(MonitorLimits(max_total_exposure=D(2)))
    out = mon.observe([sample("1000", gross)], T0)
    assert mon.state("a") == expected
    if expected == REDUCING:
        t = one(out)
        assert (t.reason, t.flatten) == (ReasonCode.EXPOSURE_CAP, False)
        assert t.detail["exposure_cap"] == "2000"


def test_observe_when_exposure_falls_then_resumes_only_below_the_resume_ratio() -> None:
    mon = PortfolioMonitor(MonitorLimits(max_total_exposure=D(2)))
    mon.observe([sample("1000", "2000")], T0)
    assert mon.observe([sample("1000", "1999.99")], T0 + 1) == []
    assert mon.observe([sample("1000", "1800")], T0 + 2) == []  # exactly 0.9 x cap
    t = one(mon.observe([sample("1000", "1799.99")], T0 + 3))
    assert (t.from_state, t.to_state, t.reason) == (REDUCING, ACTIVE, ReasonCode.EXPOSURE_NORMAL)
    assert mon.observe([sample("1000", "1999.99")], T0 + 4) == []


def test_observe_when_exposure_oscillates_around_cap_then_no_flapping() -> None:
    mon = PortfolioMonitor(MonitorLimits(max_total_exposure=D(2)))
    grosses = ["2000", "1950", "2001", "1850", "2000", "1900"] * 5
    changes = [mon.observe([sample("1000", g)], T0 + i) for i, g in enumerate(grosses)]
    assert sum(len(c) for c in changes) == 1
    assert mon.state("a") == REDUCING


# -- profit target -----------------------------------------------------------------------


@pytest.mark.parametrize(("equity", "expected"), [("1499.99", ACTIVE), ("1500", REDUCING)])
def test_observe_when_day_pnl_near_profit_target_then_reduces_from_exactly_the_target(
    equity: str, expected: AccountState
) -> None:
    mon = PortfolioMonitor(MonitorLimits(daily_profit_target=D(500)))
    mon.observe([sample("1000")], T0)
    out = mon.observe([sample(equity)], T0 + MIN)
    assert mon.state("a") == expected
    if out:
        assert (one(out).reason, one(out).flatten) == (ReasonCode.DAILY_PROFIT_TARGET, False)


def test_observe_when_profit_target_hit_then_reduces_rest_of_day_and_rolls_back() -> None:
    mon = PortfolioMonitor(MonitorLimits(daily_profit_target=D(500)))
    mon.observe([sample("1000")], T0)
    mon.observe([sample("1500")], T0 + MIN)
    assert mon.observe([sample("1000")], T0 + DAY - 1) == []
    assert mon.state("a") == REDUCING
    t = one(mon.observe([sample("1000")], T0 + DAY))
    assert (t.to_state, t.reason) == (ACTIVE, ReasonCode.DAY_ROLLOVER)


# -- severity ----------------------------------------------------------------------------


def test_observe_when_reducing_then_daily_loss_then_escalates_to_halted_with_flatten() -> None:
    limits = MonitorLimits(daily_loss=D(100), max_total_exposure=D(2))
    mon = PortfolioMonitor(limits)
    mon.observe([sample("1000", "2000")], T0)
    t = one(mon.observe([sample("900", "2000")], T0 + MIN))
    assert (t.from_state, t.to_state, t.reason, t.flatten) == (
        REDUCING,
        HALTED,
        ReasonCode.DAILY_LOSS,
        True,
    )


def test_observe_when_halted_and_exposure_high_at_rollover_then_becomes_reducing() -> None:
    limits = MonitorLimits(daily_loss=D(100), max_total_exposure=D(2))
    mon = PortfolioMonitor(limits)
    mon.observe([sample("1000")], T0)
    mon.observe([sample("900", "1800")], T0 + MIN)
    t = one(mon.observe([sample("900", "1800")], T0 + DAY))
    assert (t.from_state, t.to_state, t.reason) == (HALTED, REDUCING, ReasonCode.EXPOSURE_CAP)


def test_observe_when_daily_halt_then_drawdown_trips_then_halt_becomes_sticky() -> None:
    mon = PortfolioMonitor(MonitorLimits(daily_loss=D(100), trailing_drawdown=D(300)))
    mon.observe([sample("1000")], T0)
    assert one(mon.observe([sample("900")], T0 + 1)).reason == ReasonCode.DAILY_LOSS
    assert mon.observe([sample("700")], T0 + 2) == []  # state unchanged: no transition
    status = mon.status("a")
    assert status is not None
    assert (status.reason, status.sticky, status.since_ms) == (
        ReasonCode.TRAILING_DRAWDOWN,
        True,
        T0 + 1,
    )
    assert mon.observe([sample("700")], T0 + DAY) == []
    assert mon.state("a") == HALTED


def test_observe_when_nothing_changes_then_emits_no_transition() -> None:
    mon = PortfolioMonitor(MonitorLimits(daily_loss=D(100)))
    assert mon.observe([sample("1000")], T0) == []
    assert mon.observe([sample("950")], T0 + 1) == []
    assert mon.state("never-seen") == ACTIVE
    assert mon.status("never-seen") is None


# -- persistence, settings, validation ---------------------------------------------------


def test_restore_when_snapshot_round_trips_through_json_then_behaves_identically() -> None:
    limits = MonitorLimits(
        daily_loss=D(100),
        global_daily_loss=D(1000),
        trailing_drawdown=D(150),
        max_total_exposure=D(2),
        daily_profit_target=D(300),
    )
    mon = PortfolioMonitor(limits)
    mon.observe([sample("1000"), sample("1000", account="b"), sample("1000", account="c")], T0)
    mon.observe(
        [sample("900"), sample("1400", "2800", account="b"), sample("800", account="c")],
        T0 + HOUR,
    )
    data = json.loads(json.dumps(mon.snapshot()))
    twin = PortfolioMonitor(limits)
    twin.restore(data)
    assert twin.snapshot() == mon.snapshot()
    for name in ("a", "b", "c"):
        assert twin.status(name) == mon.status(name)
    script = [
        ([sample("1000"), sample("1400", "2500", account="b")], T0 + 2 * HOUR),
        ([sample("1000"), sample("1400", "2500", account="b")], T0 + DAY),
        ([sample("1000", account="c")], T0 + DAY + 1),
    ]
    for samples, now in script:
        assert twin.observe(samples, now) == mon.observe(samples, now)
    assert twin.reset("c", T0 + DAY + 2) == mon.reset("c", T0 + DAY + 2)
    assert twin.snapshot() == mon.snapshot()


def test_restore_when_version_unknown_then_raises() -> None:
    with pytest.raises(ValueError, match="version"):
        PortfolioMonitor(MonitorLimits()).restore({"version": 99, "accounts": {}})


def test_from_settings_when_risk_settings_given_then_maps_every_limit() -> None:
    risk = RiskSettings(
        max_daily_loss=D(-900),
        trailing_drawdown=D(1800),
        daily_profit_target=D(500),
        max_total_exposure=D("0.8"),
        session_timezone="America/Chicago",
    )
    limits = MonitorLimits.from_settings(risk, global_daily_loss=D(5000))
    assert limits.daily_loss == D(900)
    assert limits.trailing_drawdown == D(1800)
    assert limits.daily_profit_target == D(500)
    assert limits.max_total_exposure == D("0.8")
    assert limits.global_daily_loss == D(5000)
    assert limits.day_start == DayBoundary("America/Chicago", time(0))
    custom = MonitorLimits.from_settings(risk, day_start="17:00 America/Chicago")
    assert custom.day_start == DayBoundary("America/Chicago", time(17))


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (17, DayBoundary("UTC", time(17))),
        ("America/New_York", DayBoundary("America/New_York")),
        ("22:00 Europe/Oslo", DayBoundary("Europe/Oslo", time(22))),
        ("+02:00", DayBoundary("+02:00")),
        ("06:30", DayBoundary("UTC", time(6, 30))),
    ],
)
def test_parse_when_day_start_spec_given_then_builds_boundary(
    spec: str | int, expected: DayBoundary
) -> None:
    assert DayBoundary.parse(spec) == expected


def test_day_of_when_fixed_offset_then_boundary_is_local_midnight() -> None:
    boundary = DayBoundary.parse("UTC+02:00")
    # 2026-03-01 22:00 UTC is 2026-03-02 00:00 at +02:00.
    assert boundary.day_of(T0 - 2 * HOUR - 1) == date(2026, 3, 1)
    assert boundary.day_of(T0 - 2 * HOUR) == date(2026, 3, 2)
    assert boundary.start_ms(date(2026, 3, 2)) == T0 - 2 * HOUR


@pytest.mark.parametrize(
    "kwargs",
    [
        {"daily_loss": D(0)},
        {"daily_loss": D(-5)},
        {"trailing_drawdown_pct": D(100)},
        {"exposure_resume_ratio": D("1.1")},
        {"exposure_resume_ratio": D(0)},
    ],
)
def test_limits_when_values_invalid_then_raise(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - several messages, one family
        MonitorLimits(**kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize("spec", ["Mars/Olympus", "UTC+19:00", 24, "25:00 UTC"])
def test_parse_when_day_start_invalid_then_raises(spec: str | int) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - several messages, one family
        DayBoundary.parse(spec)


def test_observe_when_account_sampled_twice_or_gross_negative_then_raises_and_keeps_state() -> None:
    mon = PortfolioMonitor(MonitorLimits(daily_loss=D(100)))
    with pytest.raises(ValueError, match="twice"):
        mon.observe([sample("1000"), sample("900")], T0)
    with pytest.raises(ValueError, match="gross_notional"):
        mon.observe([sample("1000", "-1")], T0)
    assert mon.accounts() == []
