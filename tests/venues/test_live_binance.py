"""`CcxtVenue` on Binance USD-M, end to end through ccxt against the facade over the simulator.

The market swings 60 000 ± 100 every candle, so a buy resting at 59 950 fills when the clock
moves one candle (``Facade.advance``).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal
from urllib.parse import parse_qs

import pytest
from servers.binance import SYMBOL, Facade, binance_venue, running_facade

from gridarena.domain.orders import (
    Liquidity,
    MarginMode,
    OrderRequest,
    OrderStatus,
    OrderType,
    TimeInForce,
)
from gridarena.domain.types import Side
from gridarena.venues.base import FillEvent, OrderUpdate, Venue, VenueEvent
from gridarena.venues.errors import (
    AuthenticationError,
    DuplicateClientOrderId,
    InsufficientMargin,
    OrderNotFound,
    OrderRejected,
    PostOnlyWouldTake,
    ReduceOnlyRejected,
)
from gridarena.venues.live import CcxtVenue
from gridarena.venues.live.poller import Poller


def limit(
    cid: str, price: str, side: Side = Side.BUY, qty: str = "0.01", **kw: object
) -> OrderRequest:
    return OrderRequest(
        SYMBOL, side, OrderType.LIMIT, Decimal(qty), cid, price=Decimal(price), **kw
    )  # type: ignore[arg-type]


@pytest.fixture
async def facade() -> AsyncIterator[Facade]:
    async with running_facade() as running:
        yield running


@pytest.fixture
async def venue(facade: Facade) -> AsyncIterator[CcxtVenue]:
    live = binance_venue(facade.base_url)
    yield live
    await live.close()


async def test_venue_when_built_then_satisfies_protocol(venue: CcxtVenue) -> None:
    assert isinstance(venue, Venue)
    assert venue.name == "binance"


async def test_instruments_when_loaded_then_filters_from_exchange_info(venue: CcxtVenue) -> None:
    btc = (await venue.instruments())[SYMBOL]
    assert (btc.tick_size, btc.step_size, btc.min_qty) == (
        Decimal("0.1"),
        Decimal("0.001"),
        Decimal("0.001"),
    )
    assert (btc.min_notional, btc.max_qty) == (Decimal(100), Decimal(1000))


async def test_place_order_when_limit_then_new_and_client_id_sent_untouched_without_tags(
    facade: Facade, venue: CcxtVenue
) -> None:
    order = await venue.place_order(limit("ga-0a1b2c3d4e5f-3-0", "59950"))
    assert (order.status, order.client_id, order.price) == (
        OrderStatus.NEW,
        "ga-0a1b2c3d4e5f-3-0",
        Decimal("59950.0"),
    )
    (sent,) = facade.recorder.to("POST", "/fapi/v1/order")
    fields = parse_qs(sent["body"])
    assert fields["newClientOrderId"] == ["ga-0a1b2c3d4e5f-3-0"]
    values = [v for vs in fields.values() for v in vs]
    assert not [v for v in values if v.startswith("x-")]  # no ccxt broker id anywhere
    assert not [k for k in fields if "broker" in k.lower()]
    assert (await facade.truth())["ga-0a1b2c3d4e5f-3-0"]["status"] == "NEW"


async def test_lifecycle_when_candle_trades_through_then_fill_position_and_balance(
    facade: Facade, venue: CcxtVenue
) -> None:
    await venue.set_leverage(SYMBOL, 5, MarginMode.ISOLATED)
    await venue.place_order(limit("life-1", "59950"))
    await facade.advance()
    order = await venue.get_order(SYMBOL, "life-1")
    assert (order.status, order.filled_qty, order.avg_price) == (
        OrderStatus.FILLED,
        Decimal("0.010"),
        Decimal("59950"),
    )
    (fill,) = await venue.fills_since(0)
    assert (fill.client_id, fill.price, fill.qty, fill.liquidity) == (
        "life-1",
        Decimal("59950.0"),
        Decimal("0.010"),
        Liquidity.MAKER,
    )
    assert fill.fee == Decimal("0.11990000")
    (position,) = await venue.positions()
    assert (position.symbol, position.qty, position.leverage, position.margin_mode) == (
        SYMBOL,
        Decimal("0.010"),
        5,
        MarginMode.ISOLATED,
    )
    balance = await venue.balance()
    assert balance.asset == "USDT"
    assert balance.wallet == Decimal(10_000) - fill.fee


async def test_events_when_order_fills_then_one_fill_and_one_filled_update(
    facade: Facade, venue: CcxtVenue
) -> None:
    stream = venue.events()
    await venue.place_order(limit("ev-1", "59950"))
    await facade.advance()
    seen: list[VenueEvent] = []
    while not any(
        isinstance(e, OrderUpdate) and e.order.status is OrderStatus.FILLED for e in seen
    ):
        seen.append(await asyncio.wait_for(anext(stream), 2))
    fills = [e for e in seen if isinstance(e, FillEvent)]
    assert [f.fill.client_id for f in fills] == ["ev-1"]
    await stream.aclose()  # type: ignore[attr-defined]


async def test_poll_when_repeated_then_fills_deduplicated_by_trade_id(
    facade: Facade, venue: CcxtVenue
) -> None:
    poller = Poller(venue, 0)
    await venue.place_order(limit("dd-1", "59950"))
    await facade.advance()
    rounds = [await poller.poll() for _ in range(3)]
    fills = [e for events in rounds for e in events if isinstance(e, FillEvent)]
    assert len(fills) == 1
    assert rounds[1:] == [[], []]


async def test_poll_when_stale_answer_then_no_update_backwards(
    facade: Facade, venue: CcxtVenue
) -> None:
    poller = Poller(venue, 0)
    await venue.place_order(limit("st-1", "59950"))
    assert [e.order.status for e in await poller.poll() if isinstance(e, OrderUpdate)] == [
        OrderStatus.NEW
    ]
    await facade.advance()
    assert {type(e) for e in await poller.poll()} == {FillEvent, OrderUpdate}
    facade.app.venue.faults.force("stale", endpoint="GET /fapi/v1/openOrders")
    assert await poller.poll() == []  # the older answer still lists st-1 as NEW
    assert await poller.poll() == []


async def test_set_leverage_when_margin_mode_already_set_then_accepted(venue: CcxtVenue) -> None:
    await venue.set_leverage(SYMBOL, 4, MarginMode.CROSS)  # Binance: -4046, no need to change
    await venue.set_leverage(SYMBOL, 4, MarginMode.CROSS)


async def test_cancel_order_when_open_then_canceled_and_second_cancel_not_found(
    venue: CcxtVenue,
) -> None:
    await venue.place_order(limit("cx-1", "59000"))
    assert [o.client_id for o in await venue.open_orders(SYMBOL)] == ["cx-1"]
    cancelled = await venue.cancel_order(SYMBOL, "cx-1")
    assert cancelled.status is OrderStatus.CANCELED
    assert await venue.open_orders() == []
    with pytest.raises(OrderNotFound):
        await venue.cancel_order(SYMBOL, "cx-1")


async def test_get_order_when_unknown_client_id_then_order_not_found(venue: CcxtVenue) -> None:
    with pytest.raises(OrderNotFound):
        await venue.get_order(SYMBOL, "never-sent")


@pytest.mark.parametrize(
    ("request_", "error"),
    [
        (limit("po-1", "60000.1", time_in_force=TimeInForce.GTX), PostOnlyWouldTake),
        (
            OrderRequest(
                SYMBOL, Side.SELL, OrderType.MARKET, Decimal("0.01"), "ro-1", reduce_only=True
            ),
            ReduceOnlyRejected,
        ),
        (limit("im-1", "59000", qty="10"), InsufficientMargin),
        (limit("mn-1", "59000", qty="0.001"), OrderRejected),
    ],
    ids=["post-only", "reduce-only", "margin", "min-notional"],
)
async def test_place_order_when_venue_refuses_then_permanent_error(
    venue: CcxtVenue, request_: OrderRequest, error: type[Exception]
) -> None:
    with pytest.raises(error) as info:
        await venue.place_order(request_)
    assert not info.value.retryable  # type: ignore[attr-defined]


async def test_place_order_when_client_id_reused_then_duplicate(venue: CcxtVenue) -> None:
    await venue.place_order(limit("dup-1", "59000"))
    with pytest.raises(DuplicateClientOrderId) as info:
        await venue.place_order(limit("dup-1", "59000"))
    assert info.value.code == "-4116"


async def test_stop_order_when_placed_then_found_by_client_id_after_restart_and_cancelled(
    facade: Facade, venue: CcxtVenue
) -> None:
    stop = OrderRequest(SYMBOL, Side.SELL, OrderType.STOP_MARKET, Decimal("0.01"), "sl-1",
                        stop_price=Decimal(50_000))  # fmt: skip
    placed = await venue.place_order(stop)
    assert (placed.status, placed.stop_price, placed.type) == (
        OrderStatus.NEW,
        Decimal("50000.0"),
        OrderType.STOP_MARKET,
    )
    assert parse_qs(facade.recorder.to("POST", "/fapi/v1/algoOrder")[0]["body"])[
        "clientAlgoId"
    ] == ["sl-1"]
    assert [o.client_id for o in await venue.open_orders()] == ["sl-1"]
    restarted = binance_venue(facade.base_url)  # knows nothing of sl-1
    try:
        assert (await restarted.get_order(SYMBOL, "sl-1")).status is OrderStatus.NEW
        assert (await restarted.cancel_order(SYMBOL, "sl-1")).status is OrderStatus.CANCELED
    finally:
        await restarted.close()


async def test_market_data_when_read_then_candles_book_and_depth(venue: CcxtVenue) -> None:
    candles = await venue.candles(SYMBOL, "1m", limit=5)
    assert candles.symbol == SYMBOL
    assert len(candles) >= 1
    assert candles.high.max() == 60_100.0
    top = await venue.book_top(SYMBOL)
    assert (top.bid, top.ask) == (Decimal("59999.9"), Decimal("60000.1"))
    book = await venue.depth(SYMBOL, 3)
    assert len(book.bids) == 3
    assert book.bids[0][0] > book.bids[1][0]


async def test_balance_when_secret_wrong_then_authentication_error(facade: Facade) -> None:
    wrong = binance_venue(facade.base_url, secret="not-the-secret")
    try:
        with pytest.raises(AuthenticationError):
            await wrong.balance()
    finally:
        await wrong.close()
