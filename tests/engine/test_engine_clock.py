"""Clocks: the manual clock moves only when told; the real one is monotonic."""

import pytest

from gridarena.engine.clock import ManualClock, RealClock


async def test_manual_clock_when_sleeping_then_advances_without_waiting() -> None:
    clock = ManualClock(start=100.0)
    await clock.sleep(2.5)
    clock.advance(0.5)
    assert clock.now() == 103.0
    assert clock.sleeps == [2.5]


def test_manual_clock_when_moved_backwards_then_refuses() -> None:
    with pytest.raises(ValueError, match="backwards"):
        ManualClock().advance(-1)


async def test_real_clock_when_asked_twice_then_never_goes_back() -> None:
    clock = RealClock()
    first = clock.now()
    await clock.sleep(0)
    assert clock.now() >= first
