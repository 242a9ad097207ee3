"""`CcxtVenue` on Orderly (ccxt ``woofipro``) against a local server that checks ed25519 signatures.

Orders rest on the server's book (mid 60 000, one tick wide) until the test fills them.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from decimal import Decimal

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)
from pydantic import SecretStr
from servers.orderly import OrderlyServer, create_app
from servers.wirecodec import b58encode

from gridarena.domain.orders import MarginMode, OrderRequest, OrderStatus, OrderType, TimeInForce
from gridarena.domain.types import Side
from gridarena.venues.base import FillEvent, OrderUpdate, Venue, VenueEvent
from gridarena.venues.errors import (
    AuthenticationError,
    DuplicateClientOrderId,
    InsufficientMargin,
    OrderNotFound,
    OrderRejected,
    OutcomeUnknown,
    RateLimited,
    VenueUnavailable,
)
from gridarena.venues.facade import serve_async
from gridarena.venues.live import CcxtVenue, Credentials, open_venue

SYMBOL, ACCOUNT = "BTCUSDC", "0x5f1a"


def keypair(seed: bytes | None = None) -> tuple[bytes, bytes]:
    key = Ed25519PrivateKey.from_private_bytes(seed) if seed else Ed25519PrivateKey.generate()
    public = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return public, key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())


def credentials(public: bytes, private: bytes) -> Credentials:
    return Credentials(
        api_key=SecretStr("ed25519:" + b58encode(public)),
        secret=SecretStr("ed25519:" + b58encode(private)),
        account_id=ACCOUNT,
    )


def limit(
    cid: str, price: str, side: Side = Side.BUY, qty: str = "0.01", **kw: object
) -> OrderRequest:
    return OrderRequest(
        SYMBOL, side, OrderType.LIMIT, Decimal(qty), cid, price=Decimal(price), **kw
    )  # type: ignore[arg-type]


@pytest.fixture
def keys() -> tuple[bytes, bytes]:
    return keypair()


@pytest.fixture
async def server(keys: tuple[bytes, bytes]) -> AsyncIterator[tuple[OrderlyServer, str]]:
    state = OrderlyServer(ACCOUNT, keys[0])
    async with serve_async(create_app(state)) as running:
        yield state, running.base_url


def connect(base_url: str, creds: Credentials) -> CcxtVenue:
    venue = open_venue("orderly", credentials=creds, live=True, base_url=base_url,
                       rate_limit=False, timeout_ms=2_000, poll_interval_s=0.005)  # fmt: skip
    assert isinstance(venue, CcxtVenue)
    venue.exchange.timeout_on_exit = 0
    return venue


@pytest.fixture
async def venue(
    server: tuple[OrderlyServer, str], keys: tuple[bytes, bytes]
) -> AsyncIterator[CcxtVenue]:
    live = connect(server[1], credentials(*keys))
    yield live
    await live.close()


def sent_orders(state: OrderlyServer) -> list[dict[str, object]]:
    return [
        json.loads(r["body"])
        for r in state.requests
        if (r["method"], r["path"]) == ("POST", "order")
    ]


async def test_instruments_when_loaded_then_filters_from_public_info(venue: CcxtVenue) -> None:
    assert isinstance(venue, Venue)
    btc = (await venue.instruments())[SYMBOL]
    assert (btc.tick_size, btc.step_size, btc.min_notional) == (
        Decimal("0.1"),
        Decimal("0.0001"),
        Decimal(10),
    )


async def test_place_order_when_signed_then_client_order_id_untouched_and_no_order_tag(
    server: tuple[OrderlyServer, str], venue: CcxtVenue
) -> None:
    order = await venue.place_order(limit("ga-00ff00ff00ff-7-2", "59000"))
    assert (order.status, order.client_id) == (OrderStatus.NEW, "ga-00ff00ff00ff-7-2")
    (body,) = sent_orders(server[0])
    assert body["client_order_id"] == "ga-00ff00ff00ff-7-2"
    assert "order_tag" not in body
    assert not [k for k in body if "broker" in k]


async def test_lifecycle_when_filled_then_fill_position_balance_and_events(
    server: tuple[OrderlyServer, str], venue: CcxtVenue
) -> None:
    state = server[0]
    stream = venue.events()
    await venue.set_leverage(SYMBOL, 5)
    await venue.place_order(limit("life-1", "59000"))
    state.fill("life-1")
    seen: list[VenueEvent] = []
    while not any(
        isinstance(e, OrderUpdate) and e.order.status is OrderStatus.FILLED for e in seen
    ):
        seen.append(await asyncio.wait_for(anext(stream), 2))
    await stream.aclose()  # type: ignore[attr-defined]
    (fill,) = [e.fill for e in seen if isinstance(e, FillEvent)]
    assert (fill.client_id, fill.price, fill.qty, fill.fee) == (
        "life-1",
        Decimal("59000.0"),
        Decimal("0.01"),
        Decimal("0.118"),
    )
    assert (await venue.get_order(SYMBOL, "life-1")).avg_price == Decimal("59000.0")
    (position,) = await venue.positions()
    assert (position.symbol, position.qty, position.leverage) == (SYMBOL, Decimal("0.01"), 5)
    balance = await venue.balance()
    assert (balance.asset, balance.wallet, balance.unrealized_pnl) == (
        "USDC",
        Decimal("9999.882"),
        Decimal("10.0"),
    )


async def test_cancel_order_when_open_then_canceled_then_not_found(venue: CcxtVenue) -> None:
    await venue.place_order(limit("cx-1", "61000", side=Side.SELL))
    assert [o.client_id for o in await venue.open_orders()] == ["cx-1"]
    assert (await venue.cancel_order(SYMBOL, "cx-1")).status is OrderStatus.CANCELED
    with pytest.raises(OrderNotFound):
        await venue.cancel_order(SYMBOL, "cx-1")
    with pytest.raises(OrderNotFound):
        await venue.get_order(SYMBOL, "never-sent")


async def test_place_order_when_post_only_crosses_then_acknowledged_then_cancelled(
    venue: CcxtVenue,
) -> None:
    ack = await venue.place_order(limit("po-1", "60000.1", time_in_force=TimeInForce.GTX))
    assert ack.status is OrderStatus.NEW  # Orderly matches asynchronously
    order = await venue.get_order(SYMBOL, "po-1")
    assert (order.status, order.time_in_force) == (OrderStatus.CANCELED, TimeInForce.GTX)


@pytest.mark.parametrize(
    ("request_", "error"),
    [
        (limit("im-1", "59000", qty="20"), InsufficientMargin),
        (limit("mn-1", "59000", qty="0.0001"), OrderRejected),
    ],
    ids=["margin", "min-notional"],
)
async def test_place_order_when_refused_then_permanent_error(
    venue: CcxtVenue, request_: OrderRequest, error: type[Exception]
) -> None:
    with pytest.raises(error):
        await venue.place_order(request_)


async def test_place_order_when_client_id_reused_then_duplicate(venue: CcxtVenue) -> None:
    await venue.place_order(limit("dup-1", "59000"))
    with pytest.raises(DuplicateClientOrderId):
        await venue.place_order(limit("dup-1", "59000"))


async def test_place_order_when_unsupported_then_rejected_before_sending(
    server: tuple[OrderlyServer, str], venue: CcxtVenue
) -> None:
    stop = OrderRequest(SYMBOL, Side.SELL, OrderType.STOP_MARKET, Decimal("0.01"), "st-1",
                        stop_price=Decimal(50_000))  # fmt: skip
    with pytest.raises(OrderRejected):
        await venue.place_order(stop)
    with pytest.raises(OrderRejected):
        await venue.set_leverage(SYMBOL, 5, MarginMode.ISOLATED)
    assert sent_orders(server[0]) == []


async def test_calls_when_key_not_registered_or_secret_wrong_then_authentication_error(
    server: tuple[OrderlyServer, str], keys: tuple[bytes, bytes]
) -> None:
    other_public, other_private = keypair()
    for creds in (credentials(other_public, other_private), credentials(keys[0], other_private)):
        wrong = connect(server[1], creds)
        try:
            with pytest.raises(AuthenticationError):
                await wrong.place_order(limit("auth-1", "59000"))
        finally:
            await wrong.close()
    assert server[0].ledger.orders == {}


async def test_place_order_when_secret_seed_starts_with_zero_byte_then_signed(
    server: tuple[OrderlyServer, str],
) -> None:
    # ccxt's own base58 decoder drops leading zero bytes: one key in 256 could not sign.
    public, private = keypair(b"\0" + bytes(range(1, 32)))
    server[0].public_key = public
    venue = connect(server[1], credentials(public, private))
    try:
        assert (await venue.place_order(limit("z-1", "59000"))).status is OrderStatus.NEW
    finally:
        await venue.close()


async def test_calls_when_server_fails_then_unknown_unavailable_or_rate_limited(
    server: tuple[OrderlyServer, str], venue: CcxtVenue
) -> None:
    state = server[0]
    await venue.instruments()
    state.fail_next("POST /v1/order", 500, -1000)
    with pytest.raises(OutcomeUnknown):
        await venue.place_order(limit("f-1", "59000"))
    state.fail_next("GET /v1/client/order/f-1", 500, -1000)
    with pytest.raises(VenueUnavailable) as unavailable:
        await venue.get_order(SYMBOL, "f-1")
    assert not isinstance(unavailable.value, OutcomeUnknown)
    state.fail_next("POST /v1/order", 429, -1003, **{"Retry-After": "2"})
    with pytest.raises(RateLimited) as limited:
        await venue.place_order(limit("f-2", "59000"))
    assert limited.value.retry_after == 2.0


async def test_market_data_when_read_then_candles_book_and_market_order_fills(
    venue: CcxtVenue,
) -> None:
    candles = await venue.candles(SYMBOL, "1m", limit=3)
    assert len(candles) == 3
    assert candles.high[0] == 60_010.0
    top = await venue.book_top(SYMBOL)
    assert (top.bid, top.ask, top.ask_qty) == (Decimal("59999.9"), Decimal("60000.1"), Decimal(4))
    market = OrderRequest(SYMBOL, Side.BUY, OrderType.MARKET, Decimal("0.01"), "mk-1")
    await venue.place_order(market)
    order = await venue.get_order(SYMBOL, "mk-1")
    assert (order.status, order.type, order.avg_price) == (
        OrderStatus.FILLED,
        OrderType.MARKET,
        Decimal("60000.1"),
    )
