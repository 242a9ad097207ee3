"""Volatility circuit breaker: trip thresholds at the edge, calm-candle resume, no flapping."""

from __future__ import annotations

import json
from decimal import Decimal
from itertools import pairwise

import numpy as np
import pytest

from gridarena.config.trading import RiskSettings
from gridarena.marketdata import Candles
from gridarena.risk import ReasonCode
from gridarena.risk.breaker import (
    BreakerAction,
    BreakerCandle,
    BreakerConfig,
    BreakerEvent,
    CircuitBreaker,
)

T0 = 1_772_409_600_000
MIN = 60_000


def feed(breaker: CircuitBreaker, atrs: list[float], start: int = 0) -> list[BreakerEvent]:
    """Feed flat 100-priced candles with the given ATRs; return the events."""
    events = []
    for k, a in enumerate(atrs):
        c = BreakerCandle(T0 + (start + k) * MIN, 100.0, 100.5, 99.5, 100.0, 100.0, a)
        event = breaker.update(c)
        if event is not None:
            events.append(event)
    return events


@pytest.mark.parametrize(
    ("atr", "trips"),
    [(130.0, False), (130.0001, True), (70.0, False), (69.9999, True), (115.0, False)],
)
def test_update_when_atr_changes_near_threshold_then_trips_only_beyond_it(
    atr: float, trips: bool
) -> None:
    breaker = CircuitBreaker(BreakerConfig(atr_change=0.30), symbol="BTCUSDT")
    events = feed(breaker, [100.0, atr])
    assert breaker.paused is trips
    if trips:
        (event,) = events
        assert (event.kind, event.reason, event.triggers) == (
            BreakerAction.PAUSE,
            ReasonCode.CIRCUIT_BREAKER,
            ("atr_change",),
        )
        assert event.symbol == "BTCUSDT"
        assert event.at_ms == T0 + MIN
        assert event.detail["prev_atr"] == 100.0
        assert event.detail["atr_change"] == pytest.approx(abs(atr - 100) / 100)
    else:
        assert events == []


@pytest.mark.parametrize(("open_", "trips"), [(102.0, False), (102.0001, True), (97.9999, True)])
def test_update_when_candle_gaps_near_threshold_then_trips_only_beyond_it(
    open_: float, trips: bool
) -> None:
    breaker = CircuitBreaker(BreakerConfig(atr_change=None, gap_pct=0.02))
    event = breaker.update(BreakerCandle(T0, open_, 103.0, 97.0, 100.0, 100.0, 1.0))
    assert (event is not None) is trips
    if event is not None:
        assert event.triggers == ("gap",)
        assert event.detail["gap"] == pytest.approx(abs(open_ - 100) / 100)


@pytest.mark.parametrize(("high", "trips"), [(103.0, False), (103.0001, True)])
def test_update_when_range_over_atr_near_spike_multiple_then_trips_only_beyond_it(
    high: float, trips: bool
) -> None:
    breaker = CircuitBreaker(BreakerConfig(atr_change=None, spike_multiple=3.0))
    event = breaker.update(BreakerCandle(T0, 100.0, high, 100.0, 101.0, 100.0, 1.0))
    assert (event is not None) is trips
    if event is not None:
        assert event.triggers == ("spike",)


def test_update_when_several_triggers_then_one_pause_names_them_all() -> None:
    breaker = CircuitBreaker(BreakerConfig(atr_change=0.3, gap_pct=0.01, spike_multiple=2.0))
    feed(breaker, [1.0])
    event = breaker.update(BreakerCandle(T0 + MIN, 105.0, 110.0, 104.0, 109.0, 100.0, 2.0))
    assert event is not None
    assert event.triggers == ("atr_change", "gap", "spike")


def test_update_when_calm_for_calm_candles_then_resumes_once() -> None:
    breaker = CircuitBreaker(BreakerConfig(atr_change=0.3, resume_atr_change=0.1, calm_candles=3))
    assert [e.kind for e in feed(breaker, [100.0, 140.0])] == [BreakerAction.PAUSE]
    # ATR decays 5 % a candle: calm by the step rule; two calm candles are not enough.
    assert feed(breaker, [133.0, 126.35], start=2) == []
    assert breaker.paused
    assert breaker.calm == 2
    (event,) = feed(breaker, [120.0325], start=4)
    assert (event.kind, event.reason) == (BreakerAction.RESUME, ReasonCode.CIRCUIT_RESET)
    assert event.at_ms == T0 + 4 * MIN
    assert event.detail["pre_trip_atr"] == 100.0
    assert not breaker.paused


def test_update_when_a_non_calm_candle_interrupts_then_calm_count_restarts() -> None:
    cfg = BreakerConfig(atr_change=0.3, resume_ratio=None, resume_atr_change=0.1, calm_candles=3)
    breaker = CircuitBreaker(cfg)
    feed(breaker, [100.0, 140.0])
    assert feed(breaker, [140.0, 140.0, 160.0, 160.0, 160.0], start=2) == []
    assert breaker.calm == 2
    assert [e.kind for e in feed(breaker, [160.0], start=7)] == [BreakerAction.RESUME]


def test_update_when_atr_returns_near_pre_trip_level_then_that_counts_as_calm() -> None:
    cfg = BreakerConfig(atr_change=0.3, resume_ratio=0.15, resume_atr_change=None, calm_candles=2)
    breaker = CircuitBreaker(cfg)
    feed(breaker, [100.0, 140.0])
    assert feed(breaker, [116.0], start=2) == []  # 16 % above the pre-trip ATR: not calm
    assert breaker.calm == 0
    assert feed(breaker, [115.0], start=3) == []  # exactly 15 %: calm
    assert [e.kind for e in feed(breaker, [100.0], start=4)] == [BreakerAction.RESUME]


def test_update_when_atr_oscillates_around_trip_level_then_pauses_once_without_flapping() -> None:
    breaker = CircuitBreaker(BreakerConfig(atr_change=0.3, calm_candles=3))
    atrs = [100.0]
    for _ in range(40):  # +31 %, then −24 %: every other candle would trip on its own
        atrs += [atrs[-1] * 1.31, atrs[-1] * 1.31 * 0.76]
    events = feed(breaker, atrs)
    assert [e.kind for e in events] == [BreakerAction.PAUSE]
    assert breaker.paused
    settled = feed(breaker, [atrs[-1]] * 3, start=len(atrs))
    assert [e.kind for e in settled] == [BreakerAction.RESUME]


def test_update_when_trip_and_calm_candles_alternate_then_stays_paused_without_flapping() -> None:
    breaker = CircuitBreaker(BreakerConfig(atr_change=0.3, calm_candles=2))
    atrs = [100.0] + [131.0, 100.0] * 20  # +31 % trips; the way back is calm by ratio
    naive_trips = sum(b / a - 1 > 0.3 for a, b in pairwise(atrs))
    events = feed(breaker, atrs)
    assert naive_trips == 20
    assert [e.kind for e in events] == [BreakerAction.PAUSE]
    assert breaker.calm == 1


def test_update_when_candle_repeated_or_older_then_ignored() -> None:
    breaker = CircuitBreaker(BreakerConfig(atr_change=0.3, calm_candles=1))
    feed(breaker, [100.0, 140.0])
    again = BreakerCandle(T0 + MIN, 100.0, 100.5, 99.5, 100.0, 100.0, 140.0)
    assert breaker.update(again) is None
    assert breaker.calm == 0


def test_update_when_atr_missing_then_no_atr_trip_and_no_calm() -> None:
    breaker = CircuitBreaker(BreakerConfig(atr_change=0.3, gap_pct=0.01, calm_candles=1))
    assert feed(breaker, [float("nan"), 100.0, float("nan")]) == []
    event = breaker.update(BreakerCandle(T0 + 3 * MIN, 110.0, 111.0, 109.0, 110.0, 100.0, None))
    assert event is not None
    assert event.triggers == ("gap",)
    assert feed(breaker, [float("nan")], start=4) == []
    assert breaker.paused


def test_from_settings_when_risk_settings_then_trips_on_atr_spike_setting() -> None:
    risk = RiskSettings(atr_spike_circuit_breaker=Decimal("0.5"))
    breaker = CircuitBreaker.from_settings(risk, symbol="ETHUSDT", gap_pct=0.05)
    assert breaker.config.atr_change == 0.5
    assert breaker.config.gap_pct == 0.05
    assert feed(breaker, [100.0, 149.0]) == []
    assert len(feed(breaker, [230.0], start=2)) == 1


def test_restore_when_snapshot_round_trips_through_json_then_continues_identically() -> None:
    breaker = CircuitBreaker(BreakerConfig(calm_candles=3), symbol="X")
    feed(breaker, [100.0, 140.0, 133.0])
    twin = CircuitBreaker(BreakerConfig(calm_candles=3))
    twin.restore(json.loads(json.dumps(breaker.snapshot())))
    assert twin.snapshot() == breaker.snapshot()
    tail = [126.0, 120.0, 119.0]
    assert feed(twin, tail, start=3) == feed(breaker, tail, start=3)
    assert not twin.paused


def test_update_index_when_bound_to_candle_arrays_then_feeds_candle_i_with_its_atr() -> None:
    n = 60
    close = np.full(n, 100.0)
    close[40:] = 130.0  # a 30 % jump: the true range explodes, so does the ATR
    opens = np.concatenate(([100.0], close[:-1]))
    candles = Candles(
        symbol="TESTUSDT",
        timeframe_ms=MIN,
        ts_ms=T0 + MIN * np.arange(n),
        open=opens,
        high=np.maximum(opens, close) + 0.5,
        low=np.minimum(opens, close) - 0.5,
        close=close,
        volume=np.ones(n),
    )
    breaker = CircuitBreaker(BreakerConfig(atr_change=0.3, gap_pct=0.05), symbol="TESTUSDT")
    breaker.bind(candles, atr_period=14)
    events = [(i, e) for i in range(n) if (e := breaker.update_index(i)) is not None]
    assert events[0][0] == 40
    assert events[0][1].kind == BreakerAction.PAUSE
    assert "atr_change" in events[0][1].triggers
    assert breaker.update_index(40) is None  # already fed
    with pytest.raises(IndexError):
        breaker.update_index(n)


def test_update_index_when_not_bound_then_raises() -> None:
    with pytest.raises(RuntimeError, match="bind"):
        CircuitBreaker().update_index(0)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"atr_change": 0.3, "resume_atr_change": 0.3},
        {"atr_change": None, "gap_pct": None, "spike_multiple": None},
        {"resume_ratio": None, "resume_atr_change": None},
        {"calm_candles": 0},
        {"atr_change": -0.1},
    ],
)
def test_config_when_thresholds_invalid_then_raises(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - several messages, one family
        BreakerConfig(**kwargs)  # type: ignore[arg-type]
