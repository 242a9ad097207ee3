"""The venue clock: manual steps on request, background replay, never showing the future."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from test_facade_support import T0, advance, make_app, make_exchange, sim_get, swing_candles

from gridarena.venues.facade import FacadeConfig, serve_async, serve_in_thread
from gridarena.venues.facade.clock import SimClock


def test_advance_when_candles_or_ticks_then_market_time_moves_by_quarter_candles() -> None:
    with serve_in_thread(make_app()) as venue:
        assert httpx.get(f"{venue.base_url}/fapi/v1/time").json()["serverTime"] == T0
        moved = advance(venue.base_url, candles=2)
        assert (moved["advanced"], moved["time"]) == (8, T0 + 120_000)
        moved = advance(venue.base_url, ticks=3)
        assert (moved["advanced"], moved["time"]) == (3, T0 + 120_000 + 45_000)
        state = sim_get(venue.base_url, "state")
        assert state["markets"]["BTCUSDT"]["candle"] == 2
        assert state["markets"]["BTCUSDT"]["phase"] == 3
        assert httpx.get(f"{venue.base_url}/fapi/v1/time").json()["serverTime"] == moved["time"]


def test_advance_when_replay_ends_then_stops_and_reports_done() -> None:
    exchange = make_exchange([swing_candles(n=3)])
    with serve_in_thread(make_app(exchange)) as venue:
        moved = advance(venue.base_url, candles=10)
    assert moved["advanced"] == 12
    assert moved["done"] is True


def test_klines_when_candle_half_walked_then_partial_bar_without_future_extremes() -> None:
    with serve_in_thread(make_app()) as venue:
        advance(venue.base_url, candles=1, ticks=2)  # candle 1: open, then its low (nearest)
        rows = httpx.get(
            f"{venue.base_url}/fapi/v1/klines", params={"symbol": "BTCUSDT", "interval": "1m"}
        ).json()
    assert [r[0] for r in rows] == [T0, T0 + 60_000]
    assert rows[0][1:5] == ["60000.0", "60100.0", "59900.0", "60000.0"]
    # The high of the current candle is still in the future: only open and low are known.
    assert rows[1][1:5] == ["60000.0", "60000.0", "59900.0", "59900.0"]


def test_klines_when_start_time_given_then_bars_from_it_oldest_first() -> None:
    with serve_in_thread(make_app()) as venue:
        advance(venue.base_url, candles=30)
        rows = httpx.get(
            f"{venue.base_url}/fapi/v1/klines",
            params={"symbol": "BTCUSDT", "interval": "5m", "startTime": T0 + 1, "limit": 2},
        ).json()
        bad = httpx.get(
            f"{venue.base_url}/fapi/v1/klines", params={"symbol": "BTCUSDT", "interval": "1s"}
        )
    assert [r[0] for r in rows] == [T0 + 300_000, T0 + 600_000]
    assert rows[0][6] == T0 + 600_000 - 1
    assert bad.status_code == 400
    assert bad.json()["code"] == -1120


async def test_replay_when_speed_zero_then_market_runs_to_the_end_while_serving() -> None:
    exchange = make_exchange([swing_candles(n=5_000)])
    app = make_app(exchange, FacadeConfig(clock="replay", speed=0))
    async with serve_async(app) as venue, httpx.AsyncClient(base_url=venue.base_url) as http:
        times = []
        for _ in range(100_000):
            times.append((await http.get("/fapi/v1/time")).json()["serverTime"])
            if exchange.done:
                break
        assert exchange.done
        assert times == sorted(times)
        assert len(set(times)) > 1
        state = (await http.get("/sim/state")).json()["clock"]
    assert state["mode"] == "replay"
    assert state["ticks"] == 20_000
    assert state["done"]


async def test_replay_when_speed_set_then_ticks_follow_the_wall_clock() -> None:
    now = [0.0]
    exchange = make_exchange([swing_candles(n=100)])
    clock = SimClock(exchange, "replay", speed=60.0, monotonic=lambda: now[0])
    clock.start()
    try:
        await asyncio.sleep(0)
        assert clock.ticks == 0
        now[0] = 1.0  # one real second at 60x = one minute = four ticks
        for _ in range(100):
            await asyncio.sleep(0.001)
            if clock.ticks >= 4:
                break
        assert clock.ticks == 4
        assert clock.now_ms() == T0 + 60_000
    finally:
        await clock.stop()
    assert not clock.running


def test_facade_config_when_bad_clock_then_rejected() -> None:
    with pytest.raises(ValueError, match="clock"):
        FacadeConfig(clock="wall")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="speed"):
        FacadeConfig(speed=-1)
