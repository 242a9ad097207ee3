"""Injected facade faults → our error families, checked against what the venue really did.

A mutating call that may have taken effect raises `OutcomeUnknown`, and the venue's own record
(``GET /sim/orders``) shows whether it did; the caller resolves it by client id. Reads raise
`VenueUnavailable`; 429 raises `RateLimited` with the venue's ``Retry-After``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from decimal import Decimal

import pytest
from aster_support import facade, facade_truth, v1_venue
from fastapi import FastAPI
from fastapi.responses import Response

from gridarena.domain.orders import OrderRequest, OrderStatus, OrderType
from gridarena.domain.types import Side
from gridarena.venues.aster import AsterHttpConfig, AsterV1Venue
from gridarena.venues.errors import (
    OrderNotFound,
    OutcomeUnknown,
    RateLimited,
    VenueUnavailable,
)
from gridarena.venues.facade import FacadeApp, FacadeConfig, FaultConfig, serve_async

ORDER = "POST /fapi/v1/order"
SHORT = AsterHttpConfig(timeout_s=0.3, connect_timeout_s=1.0)


@pytest.fixture
async def served() -> AsyncIterator[tuple[FacadeApp, AsterV1Venue, str]]:
    config = FacadeConfig(faults=FaultConfig(timeout_delay_s=5.0, retry_after_s=3))
    async with facade(config) as (app, base_url):
        venue = v1_venue(base_url, config=SHORT)
        yield app, venue, base_url
        await venue.aclose()


def buy(cid: str) -> OrderRequest:
    return OrderRequest(
        "BTCUSDT", Side.BUY, OrderType.LIMIT, Decimal("0.01"), cid, price=Decimal("59000")
    )


# fault kind (and drop phase) → whether the venue executed the order
PLACE_FAULTS = [
    ("503_after_accept", None, True),
    ("503_before_accept", None, False),
    ("500", None, False),
    ("502", None, False),
    ("timeout_after_accept", None, True),
    ("drop", "before", False),
    ("drop", "after", True),
]


@pytest.mark.parametrize(("kind", "phase", "accepted"), PLACE_FAULTS)
async def test_place_when_fault_injected_then_outcome_unknown_and_resolvable_by_client_id(
    served: tuple[FacadeApp, AsterV1Venue, str], kind: str, phase: str | None, accepted: bool
) -> None:
    app, venue, base_url = served
    cid = f"f-{kind}-{phase}"
    app.venue.faults.force(kind, phase=phase, endpoint=ORDER)
    with pytest.raises(OutcomeUnknown) as info:
        await venue.place_order(buy(cid))
    assert type(info.value) is OutcomeUnknown
    assert info.value.retryable
    assert (cid in await facade_truth(base_url)) is accepted
    # The caller's resolution: ask by client id, re-send with the same id only if absent.
    if accepted:
        assert (await venue.get_order("BTCUSDT", cid)).status is OrderStatus.NEW
    else:
        with pytest.raises(OrderNotFound):
            await venue.get_order("BTCUSDT", cid)
        assert (await venue.place_order(buy(cid))).status is OrderStatus.NEW
    assert (await facade_truth(base_url))[cid]["status"] == "NEW"


async def test_place_when_503_unknown_then_message_names_route_and_code_only(
    served: tuple[FacadeApp, AsterV1Venue, str],
) -> None:
    app, venue, _ = served
    app.venue.faults.force("503_after_accept", endpoint=ORDER)
    with pytest.raises(OutcomeUnknown) as info:
        await venue.place_order(buy("msg-1"))
    assert info.value.code == -1000
    assert str(info.value).startswith("POST /fapi/v1/order: HTTP 503 code -1000: Unknown error")
    assert "signature" not in str(info.value)


async def test_place_when_429_then_rate_limited_with_retry_after_and_nothing_placed(
    served: tuple[FacadeApp, AsterV1Venue, str],
) -> None:
    app, venue, base_url = served
    app.venue.faults.force("429", endpoint=ORDER)
    with pytest.raises(RateLimited) as info:
        await venue.place_order(buy("rl-1"))
    assert info.value.retry_after == 3.0
    assert venue.rate_state.retry_after_s == 3.0
    assert await facade_truth(base_url) == {}
    await venue.place_order(buy("rl-1"))
    assert venue.rate_state.retry_after_s is None


@pytest.mark.parametrize(
    ("kind", "phase", "endpoint"),
    [
        ("503_after_accept", None, "GET /fapi/v1/order"),
        ("500", None, "GET /fapi/v1/openOrders"),
        ("drop", "before", "GET /fapi/v1/openOrders"),
        ("timeout_after_accept", None, "GET /fapi/v2/balance"),
    ],
)
async def test_read_when_fault_injected_then_venue_unavailable(
    served: tuple[FacadeApp, AsterV1Venue, str], kind: str, phase: str | None, endpoint: str
) -> None:
    app, venue, _ = served
    await venue.place_order(buy("r-1"))
    app.venue.faults.force(kind, phase=phase, endpoint=endpoint)
    reads: dict[str, Callable[[], Awaitable[object]]] = {
        "/fapi/v1/order": lambda: venue.get_order("BTCUSDT", "r-1"),
        "/fapi/v1/openOrders": venue.open_orders,
        "/fapi/v2/balance": venue.balance,
    }
    read = reads[endpoint.split()[1]]
    with pytest.raises(VenueUnavailable) as info:
        await read()
    assert type(info.value) is VenueUnavailable


async def test_cancel_when_dropped_after_accept_then_outcome_unknown_and_order_cancelled(
    served: tuple[FacadeApp, AsterV1Venue, str],
) -> None:
    app, venue, base_url = served
    await venue.place_order(buy("c-1"))
    app.venue.faults.force("drop", phase="after", endpoint="DELETE /fapi/v1/order")
    with pytest.raises(OutcomeUnknown):
        await venue.cancel_order("BTCUSDT", "c-1")
    assert (await facade_truth(base_url))["c-1"]["status"] == "CANCELED"
    assert (await venue.get_order("BTCUSDT", "c-1")).status is OrderStatus.CANCELED


async def test_place_when_venue_unreachable_then_venue_unavailable_not_unknown() -> None:
    async with facade() as (_, base_url):
        pass  # the server is gone: connecting is refused, so nothing can have been sent
    venue = v1_venue(base_url, config=SHORT)
    with pytest.raises(VenueUnavailable) as info:
        await venue.place_order(buy("gone-1"))
    assert type(info.value) is VenueUnavailable
    await venue.aclose()


async def test_answer_when_accepted_but_unreadable_then_unknown_for_mutations_only() -> None:
    broken = FastAPI()

    @broken.post("/fapi/v1/order")
    async def accepted_garbage() -> Response:
        return Response(b'{"orderId": "not a number"}', media_type="application/json")

    @broken.get("/fapi/v1/order")
    async def not_json() -> Response:
        return Response(b"<html>maintenance</html>", media_type="text/html")

    async with serve_async(broken) as running:
        venue = v1_venue(running.base_url, config=SHORT)
        with pytest.raises(OutcomeUnknown, match="unreadable order"):
            await venue.place_order(buy("u-1"))
        with pytest.raises(VenueUnavailable, match="unreadable body"):
            await venue.get_order("BTCUSDT", "u-1")
        await venue.aclose()
