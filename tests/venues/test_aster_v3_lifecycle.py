"""`AsterV3Venue` trades the local V3 server end to end with EIP-712 agent signatures."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal

import httpx
import pytest
from aster_server import AsterV3Server
from aster_support import AGENT, MAIN, advance, v3_server, v3_venue

from gridarena.domain.orders import OrderRequest, OrderStatus, OrderType
from gridarena.domain.types import Side
from gridarena.venues.aster import AsterV3Venue
from gridarena.venues.base import Venue
from gridarena.venues.errors import DuplicateClientOrderId, OrderNotFound


@pytest.fixture
async def served() -> AsyncIterator[tuple[AsterV3Server, AsterV3Venue, str]]:
    async with v3_server() as (server, base_url):
        venue = v3_venue(base_url)
        yield server, venue, base_url
        await venue.aclose()


def buy(cid: str, price: str = "59950") -> OrderRequest:
    return OrderRequest(
        "BTCUSDT", Side.BUY, OrderType.LIMIT, Decimal("0.01"), cid, price=Decimal(price)
    )


async def truth(base_url: str) -> dict[str, str]:
    async with httpx.AsyncClient(base_url=base_url) as http:
        data: dict[str, str] = (await http.get("/sim/orders", params={"account": "alice"})).json()
        return data


async def test_lifecycle_when_agent_signs_then_place_fill_position_balance_cancel(
    served: tuple[AsterV3Server, AsterV3Venue, str],
) -> None:
    server, venue, base_url = served
    assert isinstance(venue, Venue)
    assert (venue.user, venue.signer) == (MAIN.address, AGENT.address)
    await venue.set_leverage("BTCUSDT", 10)
    placed = await venue.place_order(buy("ga-v3-buy-0"))
    assert (placed.status, placed.client_id, placed.price) == (
        OrderStatus.NEW,
        "ga-v3-buy-0",
        Decimal("59950"),
    )
    assert [o.client_id for o in await venue.open_orders()] == ["ga-v3-buy-0"]

    await advance(base_url)

    assert (await venue.get_order("BTCUSDT", "ga-v3-buy-0")).status is OrderStatus.FILLED
    (fill,) = await venue.fills_since(placed.created_ms - 30 * 86_400_000, "BTCUSDT")
    assert (fill.client_id, fill.price, fill.qty) == (
        "ga-v3-buy-0",
        Decimal("59950"),
        Decimal("0.01"),
    )
    (position,) = await venue.positions()
    assert (position.qty, position.leverage) == (Decimal("0.01"), 10)
    balance = await venue.balance()
    assert balance.wallet == Decimal("10000") - fill.fee

    await venue.place_order(buy("ga-v3-buy-1", "59000"))
    assert (await venue.cancel_order("BTCUSDT", "ga-v3-buy-1")).status is OrderStatus.CANCELED
    with pytest.raises(OrderNotFound):
        await venue.cancel_order("BTCUSDT", "ga-v3-buy-1")
    with pytest.raises(OrderNotFound):
        await venue.get_order("BTCUSDT", "never-sent")
    with pytest.raises(DuplicateClientOrderId):
        await venue.place_order(buy("ga-v3-buy-0"))
    assert await truth(base_url) == {"ga-v3-buy-0": "FILLED", "ga-v3-buy-1": "CANCELED"}
    assert server.refused == []


async def test_signed_calls_when_concurrent_then_nonces_increase_and_none_refused(
    served: tuple[AsterV3Server, AsterV3Venue, str],
) -> None:
    server, venue, base_url = served
    second = v3_venue(base_url)  # same agent key, another object: shares the nonce sequence
    calls = [venue.place_order(buy(f"cc-{k}", "59000")) for k in range(8)]
    calls += [second.open_orders() for _ in range(8)]
    await asyncio.gather(*calls)
    nonces = list(server.auth.books[AGENT.address].seen)
    assert len(nonces) == 16
    assert nonces == sorted(nonces)
    assert len(set(nonces)) == 16
    assert server.refused == []
    await second.aclose()
