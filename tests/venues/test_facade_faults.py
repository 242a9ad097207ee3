"""Injected faults: what ccxt raises for each, and what the venue really did (/sim/orders).

The table below is the contract the retry logic builds on: for each fault on
``POST /fapi/v1/order``, the exception class ccxt (async, aiohttp) raises, the HTTP status, and
whether the order exists on the venue afterwards. Classes are exact (``type(exc) is ...``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import ccxt
import httpx
import pytest
from test_facade_support import KEY, SECRET, SYMBOL, make_app

from gridarena.venues.facade import (
    FacadeApp,
    FacadeConfig,
    FaultConfig,
    Running,
    facade_client,
    serve_async,
    serve_in_thread,
)
from gridarena.venues.facade.faults import FaultInjector

ORDER_ROUTE = "POST /fapi/v1/order"

# fault kind → (ccxt exception class, HTTP status seen, order accepted by the venue)
CCXT_SYMPTOMS: dict[str, tuple[type[Exception], int | None, bool]] = {
    "503_after_accept": (ccxt.OperationFailed, 503, True),  # code -1000, "Unknown error, ..."
    "503_before_accept": (ccxt.OperationFailed, 503, False),  # code -1001, "Service Unavailable."
    "500": (ccxt.OperationFailed, 500, False),  # code -1001, "Internal error; ..."
    "502": (ccxt.ExchangeNotAvailable, 502, False),  # HTML body: ccxt maps the status
    "429": (ccxt.DDoSProtection, 429, False),  # Binance's handler: 418/429 → DDoSProtection
    "timeout_after_accept": (ccxt.RequestTimeout, None, True),
}


async def _advance(base_url: str, candles: int = 1) -> None:
    async with httpx.AsyncClient(base_url=base_url) as http:
        (await http.post("/sim/advance", params={"candles": candles})).raise_for_status()


async def _truth(base_url: str) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=base_url) as http:
        orders: dict[str, Any] = (await http.get("/sim/orders")).json()["accounts"]["alice"]
        return orders


async def _faults(base_url: str) -> list[dict[str, Any]]:
    async with httpx.AsyncClient(base_url=base_url) as http:
        log: list[dict[str, Any]] = (await http.get("/sim/faults")).json()
        return log


@pytest.fixture
async def app() -> FacadeApp:
    return make_app(config=FacadeConfig(faults=FaultConfig(timeout_delay_s=5.0)))


@pytest.fixture
async def venue(app: FacadeApp) -> AsyncIterator[Running]:
    async with serve_async(app) as running:
        await _advance(running.base_url)
        yield running


@pytest.fixture
async def client(venue: Running) -> AsyncIterator[Any]:
    ex = facade_client(venue.base_url, KEY, SECRET, asynchronous=True, timeout_ms=2_000)
    ex.timeout_on_exit = 0  # loopback HTTP: nothing to wait for on close
    await ex.load_markets()
    yield ex
    await ex.close()


async def _place(client: Any, cid: str) -> Any:
    return await client.create_order(SYMBOL, "limit", "buy", 0.01, 59_000, {"clientOrderId": cid})


@pytest.mark.parametrize("kind", sorted(CCXT_SYMPTOMS))
async def test_create_order_when_fault_injected_then_ccxt_symptom_and_venue_truth(
    app: FacadeApp, venue: Running, client: Any, kind: str
) -> None:
    error, _status, accepted = CCXT_SYMPTOMS[kind]
    app.venue.faults.force(kind, endpoint=ORDER_ROUTE)
    if kind == "timeout_after_accept":
        client.timeout = 100  # the answer is held 5 s; the client gives up first
    with pytest.raises(error) as info:
        await _place(client, f"f-{kind}")
    assert type(info.value) is error
    truth = await _truth(venue.base_url)
    assert (f"f-{kind}" in truth) is accepted
    (event,) = await _faults(venue.base_url)
    assert (event["kind"], event["endpoint"], event["client_order_id"]) == (
        kind,
        ORDER_ROUTE,
        f"f-{kind}",
    )
    assert event["inner_status"] == (200 if accepted else None)


@pytest.mark.parametrize(
    ("kind", "body"),
    [
        ("503_after_accept", b'"code": -1000'),
        ("503_before_accept", b'"msg": "Service Unavailable."'),
        ("500", b'"code": -1001'),
        ("502", b"502 Bad Gateway"),
        ("429", b'"code": -1003'),
    ],
)
async def test_new_order_when_http_fault_then_status_and_body_as_binance(
    app: FacadeApp, venue: Running, kind: str, body: bytes
) -> None:
    app.venue.faults.force(kind, endpoint="/fapi/v1/order")
    async with httpx.AsyncClient(base_url=venue.base_url) as http:
        resp = await http.post("/fapi/v1/order", params={"symbol": "BTCUSDT"})
    assert resp.status_code == CCXT_SYMPTOMS[kind][1]
    assert body in resp.content
    if kind == "429":
        assert resp.headers["Retry-After"] == "1"


async def test_create_order_when_503_after_accept_then_message_tells_status_unknown(
    app: FacadeApp, client: Any
) -> None:
    app.venue.faults.force("503_after_accept", endpoint=ORDER_ROUTE)
    with pytest.raises(ccxt.OperationFailed, match="Unknown error, please check your request"):
        await _place(client, "unknown-1")
    # The retry logic resolves the unknown outcome by client id: the order is there.
    found = await client.fetch_order(None, SYMBOL, {"clientOrderId": "unknown-1"})
    assert found["status"] == "open"


@pytest.mark.parametrize(("phase", "accepted"), [("before", False), ("after", True)])
async def test_create_order_when_connection_dropped_then_exchange_not_available(
    app: FacadeApp, venue: Running, client: Any, phase: str, accepted: bool
) -> None:
    app.venue.faults.force(
        "drop", phase="before" if phase == "before" else "after", endpoint=ORDER_ROUTE
    )
    with pytest.raises(ccxt.ExchangeNotAvailable) as info:
        await _place(client, f"drop-{phase}")
    assert type(info.value) is ccxt.ExchangeNotAvailable
    assert (f"drop-{phase}" in await _truth(venue.base_url)) is accepted
    (event,) = await _faults(venue.base_url)
    assert (event["kind"], event["phase"]) == ("drop", phase)
    # The next request on a fresh connection works.
    assert (await _place(client, f"after-drop-{phase}"))["status"] == "open"


async def test_fetch_order_when_stale_then_older_state_returned_once(
    app: FacadeApp, venue: Running, client: Any
) -> None:
    await client.create_order(SYMBOL, "limit", "buy", 0.01, 59_950, {"clientOrderId": "st"})
    first = await client.fetch_order(None, SYMBOL, {"clientOrderId": "st"})
    await _advance(venue.base_url)
    app.venue.faults.force("stale", endpoint="GET /fapi/v1/order")
    stale = await client.fetch_order(None, SYMBOL, {"clientOrderId": "st"})
    fresh = await client.fetch_order(None, SYMBOL, {"clientOrderId": "st"})
    assert first["status"] == stale["status"] == "open"
    assert fresh["status"] == "closed"
    assert (await _truth(venue.base_url))["st"]["status"] == "FILLED"


async def test_faults_when_endpoint_filtered_then_other_routes_untouched(
    app: FacadeApp, venue: Running, client: Any
) -> None:
    app.venue.faults.configure(
        FaultConfig(rate=1.0, kinds=("503_before_accept",), endpoints=(ORDER_ROUTE,))
    )
    assert (await client.fetch_ticker(SYMBOL))["last"] == 60_000
    assert await client.fetch_open_orders(SYMBOL) == []
    with pytest.raises(ccxt.OperationFailed, match="Service Unavailable"):
        await _place(client, "filtered")
    async with httpx.AsyncClient(base_url=venue.base_url) as http:
        stats = (await http.get("/sim/stats")).json()["faults"]
    assert stats["by_kind"] == {"503_before_accept": 1}
    assert stats["by_endpoint"] == {ORDER_ROUTE: 1}


async def test_faults_when_reconfigured_over_http_then_applied(venue: Running) -> None:
    async with httpx.AsyncClient(base_url=venue.base_url) as http:
        resp = await http.post(
            "/sim/faults", json={"rate": 1.0, "kinds": ["500"], "endpoints": ["/fapi/v1/ping"]}
        )
        assert resp.status_code == 200
        assert (await http.get("/fapi/v1/ping")).status_code == 500
        assert (await http.get("/fapi/v1/time")).status_code == 200
        bad = await http.post("/sim/faults", json={"kinds": ["meteor"]})
        assert bad.status_code == 400


def _decisions(seed: int, n: int) -> list[tuple[str, str] | None]:
    injector = FaultInjector(FaultConfig(rate=0.3, seed=seed))
    out = []
    for k in range(n):
        method = "GET" if k % 3 else "POST"
        fault = injector.decide(method, "/fapi/v1/order")
        out.append((fault.kind, fault.phase) if fault else None)
    return out


def test_fault_rng_when_same_seed_then_same_faults() -> None:
    a, b, c = _decisions(7, 300), _decisions(7, 300), _decisions(8, 300)
    assert a == b
    assert a != c
    hits = [d for d in a if d is not None]
    assert 60 <= len(hits) <= 120
    assert {k for k, _ in hits} == set(FaultConfig().kinds)
    assert {phase for kind, phase in hits if kind == "drop"} == {"before", "after"}


def test_sync_client_when_dropped_or_timed_out_then_network_error_or_timeout() -> None:
    app = make_app(config=FacadeConfig(faults=FaultConfig(timeout_delay_s=5.0)))
    with serve_in_thread(app) as running:
        httpx.post(f"{running.base_url}/sim/advance").raise_for_status()
        ex = facade_client(running.base_url, KEY, SECRET, timeout_ms=2_000)
        try:
            ex.load_markets()
            app.venue.faults.force("drop", phase="before", endpoint=ORDER_ROUTE)
            with pytest.raises(ccxt.NetworkError) as dropped:
                ex.create_order(SYMBOL, "limit", "buy", 0.01, 59_000, {"clientOrderId": "s1"})
            assert type(dropped.value) is ccxt.NetworkError
            app.venue.faults.force("timeout_after_accept", endpoint=ORDER_ROUTE)
            ex.timeout = 100
            with pytest.raises(ccxt.RequestTimeout):
                ex.create_order(SYMBOL, "limit", "buy", 0.01, 59_000, {"clientOrderId": "s2"})
        finally:
            ex.close()
        truth = httpx.get(f"{running.base_url}/sim/orders").json()["accounts"]["alice"]
    assert "s1" not in truth
    assert truth["s2"]["status"] == "NEW"


async def test_cancel_when_dropped_after_accept_then_aiohttp_resends_and_ccxt_sees_2011(
    app: FacadeApp, venue: Running, client: Any
) -> None:
    # aiohttp re-sends an idempotent request (GET, DELETE) once when the connection drops, so
    # a cancel that succeeded before the drop comes back as "Unknown order sent." (-2011).
    await _place(client, "cx")
    app.venue.faults.force("drop", phase="after", endpoint="DELETE /fapi/v1/order")
    with pytest.raises(ccxt.OrderNotFound, match="-2011"):
        await client.cancel_order(None, SYMBOL, {"clientOrderId": "cx"})
    assert (await _truth(venue.base_url))["cx"]["status"] == "CANCELED"
    async with httpx.AsyncClient(base_url=venue.base_url) as http:
        requests = (await http.get("/sim/stats")).json()["requests"]
    assert requests["DELETE /fapi/v1/order"] == 2


async def test_fetch_when_dropped_then_aiohttp_retry_hides_the_fault(
    app: FacadeApp, venue: Running, client: Any
) -> None:
    app.venue.faults.force("drop", phase="before", endpoint="GET /fapi/v1/openOrders")
    assert await client.fetch_open_orders(SYMBOL) == []
    (event,) = await _faults(venue.base_url)
    assert event["kind"] == "drop"
