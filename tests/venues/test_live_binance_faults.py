"""Injected faults through `CcxtVenue` on Binance: each kind lands in the right error family.

The contract (DESIGN.md §2.2): a mutating call without a definite answer raises `OutcomeUnknown`
whether or not the venue executed it; the caller asks by client id, and re-sends with the same
id only when the venue says the order does not exist. Reads raise `VenueUnavailable`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal

import pytest
from servers.binance import SYMBOL, Facade, binance_venue, running_facade

from gridarena.domain.orders import OrderRequest, OrderStatus, OrderType
from gridarena.domain.types import Side
from gridarena.venues.errors import (
    DuplicateClientOrderId,
    OrderNotFound,
    OutcomeUnknown,
    RateLimited,
    VenueUnavailable,
)
from gridarena.venues.live import CcxtVenue

ORDER = "POST /fapi/v1/order"


def buy(cid: str) -> OrderRequest:
    return OrderRequest(
        SYMBOL, Side.BUY, OrderType.LIMIT, Decimal("0.01"), cid, price=Decimal(59_000)
    )


@pytest.fixture
async def facade() -> AsyncIterator[Facade]:
    async with running_facade() as running:
        yield running


@pytest.fixture
async def venue(facade: Facade) -> AsyncIterator[CcxtVenue]:
    live = binance_venue(facade.base_url)
    await live.instruments()
    yield live
    await live.close()


@pytest.mark.parametrize(
    ("kind", "phase", "accepted"),
    [
        ("503_after_accept", None, True),
        ("503_before_accept", None, False),
        ("500", None, False),
        ("502", None, False),
        ("timeout_after_accept", None, True),
        ("drop", "before", False),
        ("drop", "after", True),
    ],
)
async def test_place_order_when_no_definite_answer_then_outcome_unknown_resolved_by_client_id(
    facade: Facade, venue: CcxtVenue, kind: str, phase: str | None, accepted: bool
) -> None:
    cid = f"f-{kind}-{phase}"
    facade.app.venue.faults.force(kind, phase=phase, endpoint=ORDER)  # type: ignore[arg-type]
    if kind == "timeout_after_accept":
        venue.exchange.timeout = 200  # the answer is held 5 s; the client gives up first
    with pytest.raises(OutcomeUnknown) as info:
        await venue.place_order(buy(cid))
    assert info.value.retryable
    venue.exchange.timeout = 2_000
    assert (cid in await facade.truth()) is accepted
    if accepted:
        assert (await venue.get_order(SYMBOL, cid)).status is OrderStatus.NEW
        with pytest.raises(DuplicateClientOrderId):  # the venue refuses a second copy
            await venue.place_order(buy(cid))
    else:
        with pytest.raises(OrderNotFound):
            await venue.get_order(SYMBOL, cid)
        assert (await venue.place_order(buy(cid))).status is OrderStatus.NEW  # same id, once
    assert list(await facade.truth()).count(cid) == 1


async def test_place_order_when_rate_limited_then_retry_after_from_header(
    facade: Facade, venue: CcxtVenue
) -> None:
    facade.app.venue.faults.force("429", endpoint=ORDER)
    with pytest.raises(RateLimited) as info:
        await venue.place_order(buy("rl-1"))
    assert info.value.retry_after == 1.0
    assert "rl-1" not in await facade.truth()


async def test_cancel_order_when_503_after_accept_then_outcome_unknown_and_cancelled(
    facade: Facade, venue: CcxtVenue
) -> None:
    await venue.place_order(buy("c-503"))
    facade.app.venue.faults.force("503_after_accept", endpoint="DELETE /fapi/v1/order")
    with pytest.raises(OutcomeUnknown):
        await venue.cancel_order(SYMBOL, "c-503")
    assert (await venue.get_order(SYMBOL, "c-503")).status is OrderStatus.CANCELED


@pytest.mark.parametrize("kind", ["503_before_accept", "500", "502", "timeout_after_accept"])
async def test_get_order_when_server_fails_then_venue_unavailable(
    facade: Facade, venue: CcxtVenue, kind: str
) -> None:
    await venue.place_order(buy("g-1"))
    facade.app.venue.faults.force(kind, endpoint="GET /fapi/v1/order")
    venue.exchange.timeout = 200
    with pytest.raises(VenueUnavailable) as info:
        await venue.get_order(SYMBOL, "g-1")
    assert not isinstance(info.value, OutcomeUnknown)


async def test_balance_when_rate_limited_then_rate_limited_not_unavailable(
    facade: Facade, venue: CcxtVenue
) -> None:
    facade.app.venue.faults.force("429")
    with pytest.raises(RateLimited) as info:
        await venue.balance()
    assert info.value.retry_after == 1.0
