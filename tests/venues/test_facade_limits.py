"""Request weight and order-count limits, their headers, 429 with Retry-After, then 418."""

from __future__ import annotations

import time

import ccxt
import httpx
import pytest
from test_facade_support import KEY, SECRET, SYMBOL, advance, make_app, signed

from gridarena.venues.facade import (
    FacadeApp,
    FacadeConfig,
    LimitConfig,
    facade_client,
    serve_in_thread,
)
from gridarena.venues.facade.config import FaultConfig
from gridarena.venues.facade.limits import RateLimiter


def _app(**limits: int) -> FacadeApp:
    """Return a facade whose wall clock stands still, so that no minute window rolls over."""
    frozen = time.time_ns() // 1_000_000
    config = FacadeConfig(limits=LimitConfig(**limits), ahead_tolerance_ms=600_000)
    return make_app(config=config, wall_ms=lambda: frozen)


def test_requests_when_within_limits_then_usage_headers_count_weight_and_orders() -> None:
    with serve_in_thread(_app()) as venue:
        advance(venue.base_url, candles=1)
        first = httpx.get(f"{venue.base_url}/fapi/v1/depth", params={"symbol": "BTCUSDT"})
        second = httpx.get(f"{venue.base_url}/fapi/v1/ping")
        order = httpx.post(
            f"{venue.base_url}/fapi/v1/order?"
            + signed({"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quantity": "0.01"}),
            headers={"X-MBX-APIKEY": KEY},
        )
    assert first.headers["X-MBX-USED-WEIGHT-1M"] == "10"  # depth limit 500
    assert second.headers["X-MBX-USED-WEIGHT-1M"] == "11"
    assert order.status_code == 200
    assert order.headers["X-MBX-ORDER-COUNT-1M"] == "1"
    assert order.headers["X-MBX-ORDER-COUNT-10S"] == "1"


def test_requests_when_weight_exhausted_then_429_retry_after_and_ccxt_ddos_protection() -> None:
    with serve_in_thread(_app(weight_per_minute=3)) as venue:
        for _ in range(3):
            assert httpx.get(f"{venue.base_url}/fapi/v1/ping").status_code == 200
        refused = httpx.get(f"{venue.base_url}/fapi/v1/ping")
        assert refused.status_code == 429
        assert refused.json()["code"] == -1003
        assert 1 <= int(refused.headers["Retry-After"]) <= 60
        ex = facade_client(venue.base_url, KEY, SECRET)
        try:
            with pytest.raises(ccxt.DDoSProtection, match="429"):
                ex.fetch_time()
        finally:
            ex.close()


def test_orders_when_order_limit_hit_then_429_with_1015() -> None:
    with serve_in_thread(_app(orders_per_10s=2)) as venue:
        advance(venue.base_url, candles=1)
        ex = facade_client(venue.base_url, KEY, SECRET)
        try:
            ex.load_markets()
            for k in range(2):
                ex.create_order(SYMBOL, "limit", "buy", 0.01, 59_000, {"clientOrderId": f"o{k}"})
            with pytest.raises(ccxt.DDoSProtection, match="-1015"):
                ex.create_order(SYMBOL, "limit", "buy", 0.01, 59_000, {"clientOrderId": "o2"})
        finally:
            ex.close()


def test_requests_when_refused_repeatedly_then_ip_banned_with_418() -> None:
    with serve_in_thread(_app(weight_per_minute=1, ban_after=2)) as venue:
        codes = [httpx.get(f"{venue.base_url}/fapi/v1/ping").status_code for _ in range(5)]
    assert codes == [200, 429, 429, 418, 418]


def test_limiter_when_minute_rolls_over_then_weight_resets() -> None:
    now = [60_000 * 10 + 59_000]
    limiter = RateLimiter(LimitConfig(weight_per_minute=5), lambda: now[0])
    assert limiter.admit("1.2.3.4", None, 5, False)["X-MBX-USED-WEIGHT-1M"] == "5"
    now[0] += 1_000
    assert limiter.admit("1.2.3.4", None, 1, False)["X-MBX-USED-WEIGHT-1M"] == "1"


def test_fault_config_when_rate_out_of_range_then_rejected() -> None:
    with pytest.raises(ValueError, match="rate"):
        FaultConfig(rate=1.5)
    with pytest.raises(ValueError, match="unknown fault kinds"):
        FaultConfig(kinds=("meteor",))
    with pytest.raises(ValueError, match="endpoint"):
        FaultConfig(endpoints=("POST fapi/v1/order",))
