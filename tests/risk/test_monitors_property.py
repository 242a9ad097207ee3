"""Property: a daily-loss halt lasts the day, and the state is always the most severe one."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from gridarena.risk import AccountSample, AccountState, MonitorLimits, PortfolioMonitor

D = Decimal
T0 = 1_772_409_600_000  # 2026-03-02 00:00 UTC
DAY = 86_400_000
ACCOUNTS = ("a", "b")

LIMITS = MonitorLimits(
    daily_loss=D(100),
    global_daily_loss=D(150),
    trailing_drawdown=D(250),
    max_total_exposure=D(2),
    exposure_resume_ratio=D("0.9"),
    daily_profit_target=D(120),
)

money = st.integers(min_value=700_00, max_value=1300_00).map(lambda c: D(c) / 100)
gross = st.integers(min_value=0, max_value=3000_00).map(lambda c: D(c) / 100)
step = st.tuples(
    st.integers(min_value=0, max_value=DAY // 3),
    st.tuples(money, gross),
    st.tuples(money, gross),
)


@dataclass
class _Ref:
    """Straightforward model of the rules, written independently of the monitor."""

    day: int = -1
    start: Decimal = Decimal(0)
    peak: Decimal = Decimal(0)
    lost_today: bool = False
    target_today: bool = False
    drawdown: bool = False
    exposure: bool = False


def _expected(refs: dict[str, _Ref], global_today: bool) -> dict[str, AccountState]:
    out = {}
    for name, ref in refs.items():
        if ref.drawdown or ref.lost_today or global_today:
            out[name] = AccountState.HALTED
        elif ref.exposure or ref.target_today:
            out[name] = AccountState.REDUCING
        else:
            out[name] = AccountState.ACTIVE
    return out


@settings(max_examples=300, deadline=None)
@given(st.lists(step, min_size=1, max_size=40))
def test_observe_when_any_path_then_daily_loss_holds_all_day_and_most_severe_state_wins(
    steps: list[tuple[int, tuple[Decimal, Decimal], tuple[Decimal, Decimal]]],
) -> None:
    mon = PortfolioMonitor(LIMITS)
    refs = {name: _Ref() for name in ACCOUNTS}
    global_day = -1
    now = T0
    for dt, *figures in steps:
        now += dt
        day = (now - T0) // DAY
        samples = [AccountSample(n, e, g) for n, (e, g) in zip(ACCOUNTS, figures, strict=True)]
        transitions = mon.observe(samples, now)
        for name, (equity, exposure) in zip(ACCOUNTS, figures, strict=True):
            ref = refs[name]
            if ref.day != day:
                ref.day, ref.start = day, equity
                ref.lost_today = ref.target_today = False
            ref.peak = max(ref.peak, equity)
            pnl = equity - ref.start
            ref.lost_today |= pnl <= -100
            ref.target_today |= pnl >= 120
            ref.drawdown |= ref.peak - equity >= 250
            cap = 2 * equity
            ref.exposure = exposure >= cap or (ref.exposure and exposure >= D("0.9") * cap)
        if sum(e - refs[n].start for n, (e, _) in zip(ACCOUNTS, figures, strict=True)) <= -150:
            global_day = day

        expected = _expected(refs, global_day == day)
        actual = {name: mon.state(name) for name in ACCOUNTS}
        assert actual == expected
        for name, ref in refs.items():
            if ref.lost_today:
                assert actual[name] == AccountState.HALTED
        for t in transitions:
            assert t.from_state != t.to_state
            assert t.flatten == (t.to_state == AccountState.HALTED)
            assert t.to_state == actual[t.account]
