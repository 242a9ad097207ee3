"""`CcxtVenue` on Hyperliquid against a local server that recovers EIP-712 action signers.

An agent key signs for the main wallet, as Hyperliquid API wallets do. Orders rest on the
server's book (mid 60 000, one tick wide) until the test fills them by cloid.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal

import pytest
from eth_account import Account
from pydantic import SecretStr
from servers.hyperliquid import HyperliquidServer, create_app

from gridarena.domain.orders import MarginMode, OrderRequest, OrderStatus, OrderType, TimeInForce
from gridarena.domain.types import Side
from gridarena.execution.client_ids import hyperliquid_cloid
from gridarena.venues.base import FillEvent, OrderUpdate, Venue, VenueEvent
from gridarena.venues.errors import (
    AuthenticationError,
    InsufficientMargin,
    OrderNotFound,
    OrderRejected,
    OutcomeUnknown,
    PostOnlyWouldTake,
    RateLimited,
    ReduceOnlyRejected,
    VenueUnavailable,
)
from gridarena.venues.facade import serve_async
from gridarena.venues.live import CcxtVenue, Credentials, open_venue

SYMBOL = "BTCUSDC"
WALLET, AGENT = Account.create(), Account.create()


def limit(
    cid: str, price: str, side: Side = Side.BUY, qty: str = "0.001", **kw: object
) -> OrderRequest:
    return OrderRequest(
        SYMBOL, side, OrderType.LIMIT, Decimal(qty), cid, price=Decimal(price), **kw
    )  # type: ignore[arg-type]


@pytest.fixture
async def server() -> AsyncIterator[tuple[HyperliquidServer, str]]:
    state = HyperliquidServer(WALLET.address, {AGENT.address}, testnet=True)
    async with serve_async(create_app(state)) as running:
        yield state, running.base_url


def connect(base_url: str, key: str = AGENT.key.hex(), *, testnet: bool = True) -> CcxtVenue:
    creds = Credentials(private_key=SecretStr(key), wallet_address=WALLET.address)
    venue = open_venue("hyperliquid", credentials=creds, live=True, base_url=base_url,
                       testnet=testnet, rate_limit=False, timeout_ms=2_000,
                       poll_interval_s=0.005)  # fmt: skip
    assert isinstance(venue, CcxtVenue)
    venue.exchange.timeout_on_exit = 0
    return venue


@pytest.fixture
async def venue(server: tuple[HyperliquidServer, str]) -> AsyncIterator[CcxtVenue]:
    live = connect(server[1])
    yield live
    await live.close()


async def test_instruments_when_loaded_then_size_decimals_and_ten_dollar_minimum(
    venue: CcxtVenue,
) -> None:
    assert isinstance(venue, Venue)
    btc = (await venue.instruments())[SYMBOL]
    assert (btc.step_size, btc.min_notional, btc.max_leverage) == (
        Decimal("0.00001"),
        Decimal(10),
        50,
    )


async def test_place_order_when_signed_by_agent_then_cloid_sent_and_no_builder_or_referral(
    server: tuple[HyperliquidServer, str], venue: CcxtVenue
) -> None:
    order = await venue.place_order(limit("ga-0123456789ab-1-0", "59000"))
    assert (order.status, order.client_id) == (OrderStatus.NEW, "ga-0123456789ab-1-0")
    (action,) = server[0].actions
    assert action["type"] == "order"
    assert "builder" not in action
    assert action["orders"][0]["c"] == hyperliquid_cloid("ga-0123456789ab-1-0")
    await venue.cancel_order(SYMBOL, "ga-0123456789ab-1-0")
    await venue.set_leverage(SYMBOL, 3)
    types = {a["type"] for a in server[0].actions}
    assert types == {"order", "cancelByCloid", "updateLeverage"}  # no approveBuilderFee/setReferrer


async def test_lifecycle_when_filled_then_fill_position_balance_and_events(
    server: tuple[HyperliquidServer, str], venue: CcxtVenue
) -> None:
    state = server[0]
    await venue.set_leverage(SYMBOL, 5, MarginMode.ISOLATED)
    stream = venue.events()
    await venue.place_order(limit("life-1", "59000"))
    state.fill(hyperliquid_cloid("life-1"))
    seen: list[VenueEvent] = []
    while not any(
        isinstance(e, OrderUpdate) and e.order.status is OrderStatus.FILLED for e in seen
    ):
        seen.append(await asyncio.wait_for(anext(stream), 2))
    await stream.aclose()  # type: ignore[attr-defined]
    (fill,) = [e.fill for e in seen if isinstance(e, FillEvent)]
    assert (fill.client_id, fill.price, fill.qty, fill.fee) == (
        "life-1",
        Decimal(59_000),
        Decimal("0.001"),
        Decimal("0.0118"),
    )
    (position,) = await venue.positions()
    assert (position.qty, position.entry_price, position.mark_price) == (
        Decimal("0.001"),
        Decimal(59_000),
        Decimal(60_000),
    )
    assert (position.leverage, position.margin_mode) == (5, MarginMode.ISOLATED)
    balance = await venue.balance()
    assert (balance.wallet, balance.unrealized_pnl) == (Decimal("9999.9882"), Decimal(1))


async def test_cancel_order_when_open_then_canceled_by_cloid_then_not_found(
    venue: CcxtVenue,
) -> None:
    await venue.place_order(limit("cx-1", "61000", side=Side.SELL))
    assert [o.client_id for o in await venue.open_orders(SYMBOL)] == ["cx-1"]
    assert (await venue.cancel_order(SYMBOL, "cx-1")).status is OrderStatus.CANCELED
    with pytest.raises(OrderNotFound):
        await venue.cancel_order(SYMBOL, "cx-1")
    with pytest.raises(OrderNotFound):
        await venue.get_order(SYMBOL, "never-sent")


@pytest.mark.parametrize(
    ("request_", "error"),
    [
        (limit("po-1", "60001", time_in_force=TimeInForce.GTX), PostOnlyWouldTake),
        (limit("ro-1", "61000", side=Side.SELL, reduce_only=True), ReduceOnlyRejected),
        (limit("im-1", "59000", qty="3"), InsufficientMargin),
        (limit("mn-1", "59000", qty="0.0001"), OrderRejected),
        (limit("fok-1", "59000", time_in_force=TimeInForce.FOK), OrderRejected),
    ],
    ids=["post-only", "reduce-only", "margin", "min-value", "fok"],
)
async def test_place_order_when_refused_then_permanent_error(
    venue: CcxtVenue, request_: OrderRequest, error: type[Exception]
) -> None:
    with pytest.raises(error) as info:
        await venue.place_order(request_)
    assert not info.value.retryable  # type: ignore[attr-defined]


async def test_place_order_when_market_then_priced_off_the_book_and_filled(
    server: tuple[HyperliquidServer, str], venue: CcxtVenue
) -> None:
    order = await venue.place_order(
        OrderRequest(SYMBOL, Side.BUY, OrderType.MARKET, Decimal("0.001"), "mk-1")
    )
    assert (order.status, order.avg_price) == (OrderStatus.FILLED, Decimal("60000.1"))
    wire = server[0].actions[-1]["orders"][0]
    assert wire["t"] == {"limit": {"tif": "Ioc"}}
    assert Decimal(wire["p"]) == Decimal(63_000)


async def test_calls_when_signer_unknown_or_network_wrong_then_authentication_error(
    server: tuple[HyperliquidServer, str],
) -> None:
    for wrong in (
        connect(server[1], Account.create().key.hex()),
        connect(server[1], testnet=False),
    ):
        try:
            with pytest.raises(AuthenticationError, match="does not exist"):
                await wrong.place_order(limit("auth-1", "59000"))
        finally:
            await wrong.close()
    wallet = connect(server[1], WALLET.key.hex())  # the main wallet may sign for itself
    try:
        assert (await wallet.place_order(limit("auth-2", "59000"))).status is OrderStatus.NEW
    finally:
        await wallet.close()


async def test_calls_when_server_fails_then_unknown_unavailable_or_rate_limited(
    server: tuple[HyperliquidServer, str], venue: CcxtVenue
) -> None:
    state = server[0]
    await venue.instruments()
    state.fail_next("/exchange", 500)
    with pytest.raises(OutcomeUnknown):
        await venue.place_order(limit("f-1", "59000"))
    state.fail_next("/info", 502, "<html>bad gateway</html>")
    with pytest.raises(VenueUnavailable) as unavailable:
        await venue.get_order(SYMBOL, "f-1")
    assert not isinstance(unavailable.value, OutcomeUnknown)
    state.fail_next("/exchange", 429, "", **{"Retry-After": "3"})
    with pytest.raises(RateLimited) as limited:
        await venue.place_order(limit("f-2", "59000"))
    assert limited.value.retry_after == 3.0


async def test_restart_when_client_ids_remembered_then_orders_and_fills_carry_them(
    server: tuple[HyperliquidServer, str], venue: CcxtVenue
) -> None:
    await venue.place_order(limit("rs-1", "59000"))
    server[0].fill(hyperliquid_cloid("rs-1"), "0.0005")
    fresh = connect(server[1])  # a restarted engine: the venue only knows the cloid
    try:
        (unknown,) = await fresh.open_orders()
        assert unknown.client_id == hyperliquid_cloid("rs-1")
        fresh.remember_client_ids(["rs-1"])
        (known,) = await fresh.open_orders()
        assert (known.client_id, known.status) == ("rs-1", OrderStatus.PARTIALLY_FILLED)
        (fill,) = await fresh.fills_since(0)
        assert (fill.client_id, fill.qty) == ("rs-1", Decimal("0.0005"))
    finally:
        await fresh.close()
