"""`AsterV1Venue` trades the Binance-compatible facade end to end: orders, fills, account, data."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal

import pytest
from aster_support import advance, facade, facade_truth, v1_venue

from gridarena.domain.orders import (
    Liquidity,
    MarginMode,
    OrderRequest,
    OrderStatus,
    OrderType,
    TimeInForce,
)
from gridarena.domain.types import Side
from gridarena.venues.aster import AsterV1Venue, trades
from gridarena.venues.base import Capability, Venue
from gridarena.venues.errors import (
    DuplicateClientOrderId,
    InsufficientMargin,
    OrderNotFound,
    OrderRejected,
    PostOnlyWouldTake,
    ReduceOnlyRejected,
)


@pytest.fixture
async def served() -> AsyncIterator[tuple[AsterV1Venue, str]]:
    async with facade() as (_, base_url):
        venue = v1_venue(base_url)
        yield venue, base_url
        await venue.aclose()


def limit(
    cid: str, side: Side, price: str, qty: str = "0.01", tif: TimeInForce = TimeInForce.GTC
) -> OrderRequest:
    return OrderRequest(
        "BTCUSDT", side, OrderType.LIMIT, Decimal(qty), cid, price=Decimal(price), time_in_force=tif
    )


async def test_venue_when_built_then_satisfies_protocol_and_declares_capabilities(
    served: tuple[AsterV1Venue, str],
) -> None:
    venue, _ = served
    assert isinstance(venue, Venue)
    assert venue.capabilities[Capability.CLIENT_ORDER_ID]
    assert not venue.capabilities[Capability.EVENT_STREAM]
    with pytest.raises(NotImplementedError):
        venue.events()


async def test_lifecycle_when_buy_rests_then_fills_after_advance_and_shows_everywhere(
    served: tuple[AsterV1Venue, str],
) -> None:
    venue, base_url = served
    await venue.set_leverage("BTCUSDT", 10, MarginMode.CROSS)  # already cross: -4046 is fine
    placed = await venue.place_order(limit("ga-v1-buy-0", Side.BUY, "59950"))
    assert (placed.status, placed.price, placed.qty) == (
        OrderStatus.NEW,
        Decimal("59950"),
        Decimal("0.01"),
    )
    assert [o.client_id for o in await venue.open_orders("BTCUSDT")] == ["ga-v1-buy-0"]
    assert (await venue.get_order("BTCUSDT", "ga-v1-buy-0")).status is OrderStatus.NEW

    await advance(base_url)

    filled = await venue.get_order("BTCUSDT", "ga-v1-buy-0")
    assert (filled.status, filled.filled_qty, filled.avg_price) == (
        OrderStatus.FILLED,
        Decimal("0.01"),
        Decimal("59950"),
    )
    (fill,) = await venue.fills_since(placed.created_ms)
    assert (fill.client_id, fill.price, fill.qty, fill.side, fill.liquidity) == (
        "ga-v1-buy-0",
        Decimal("59950"),
        Decimal("0.01"),
        Side.BUY,
        Liquidity.MAKER,
    )
    (position,) = await venue.positions()
    assert (position.symbol, position.qty, position.entry_price, position.leverage) == (
        "BTCUSDT",
        Decimal("0.01"),
        Decimal("59950"),
        10,
    )
    balance = await venue.balance()
    assert balance.asset == "USDT"
    assert balance.wallet == Decimal("10000") - fill.fee
    assert (await facade_truth(base_url))["ga-v1-buy-0"]["status"] == "FILLED"


async def test_cancel_when_open_then_canceled_and_second_cancel_not_found(
    served: tuple[AsterV1Venue, str],
) -> None:
    venue, _ = served
    await venue.place_order(limit("ga-v1-c", Side.BUY, "59000"))
    cancelled = await venue.cancel_order("BTCUSDT", "ga-v1-c")
    assert cancelled.status is OrderStatus.CANCELED
    assert await venue.open_orders() == []
    with pytest.raises(OrderNotFound) as info:
        await venue.cancel_order("BTCUSDT", "ga-v1-c")
    assert info.value.code == -2011
    with pytest.raises(OrderNotFound) as info:
        await venue.get_order("BTCUSDT", "never-sent")
    assert info.value.code == -2013


@pytest.mark.parametrize(
    ("request_", "error", "code"),
    [
        (limit("dup", Side.BUY, "59000"), DuplicateClientOrderId, -4116),
        (limit("big", Side.BUY, "59000", qty="10"), InsufficientMargin, -2019),
        (
            limit("gtx", Side.BUY, "60100", tif=TimeInForce.GTX),
            PostOnlyWouldTake,
            -5022,
        ),
        (
            OrderRequest(
                "BTCUSDT", Side.SELL, OrderType.MARKET, Decimal("0.01"), "ro", reduce_only=True
            ),
            ReduceOnlyRejected,
            -2022,
        ),
        (limit("tick", Side.BUY, "59000.05"), OrderRejected, -4014),
    ],
)
async def test_place_when_venue_refuses_then_permanent_family_with_code(
    served: tuple[AsterV1Venue, str],
    request_: OrderRequest,
    error: type[Exception],
    code: int,
) -> None:
    venue, _ = served
    await venue.place_order(limit("dup", Side.BUY, "58000"))
    with pytest.raises(error) as info:
        await venue.place_order(request_)
    assert type(info.value) is error
    assert getattr(info.value, "code", None) == code
    assert not getattr(info.value, "retryable", True)


async def test_place_when_client_id_invalid_then_rejected_before_sending(
    served: tuple[AsterV1Venue, str],
) -> None:
    venue, base_url = served
    with pytest.raises(OrderRejected, match="client id"):
        await venue.place_order(limit("x" * 37, Side.BUY, "59000"))
    with pytest.raises(OrderRejected):
        await venue.place_order(limit("bad id!", Side.BUY, "59000"))
    assert await facade_truth(base_url) == {}


async def test_market_order_when_placed_then_filled_at_once(
    served: tuple[AsterV1Venue, str],
) -> None:
    venue, _ = served
    req = OrderRequest("BTC/USDT:USDT", Side.SELL, OrderType.MARKET, Decimal("0.002"), "ga-mkt")
    order = await venue.place_order(req)
    assert (order.status, order.filled_qty, order.price) == (
        OrderStatus.FILLED,
        Decimal("0.002"),
        None,
    )
    (position,) = await venue.positions()
    assert position.qty == Decimal("-0.002")


async def test_market_data_when_read_then_decimal_domain_types(
    served: tuple[AsterV1Venue, str],
) -> None:
    venue, base_url = served
    await advance(base_url, candles=3)
    instruments = await venue.instruments()
    btc = instruments["BTCUSDT"]
    assert (btc.tick_size, btc.step_size, btc.min_notional) == (
        Decimal("0.1"),
        Decimal("0.001"),
        Decimal("100"),
    )
    candles = await venue.candles("BTCUSDT", "1m", limit=3)
    assert 1 <= len(candles) <= 3
    assert candles.timeframe_ms == 60_000
    assert float(candles.high.max()) == 60_100.0
    top = await venue.book_top("BTCUSDT")
    assert top.bid < top.ask
    assert isinstance(top.bid, Decimal)
    book = await venue.depth("BTCUSDT", 3)
    assert len(book.bids) == len(book.asks) == 3
    assert book.bids[0][0] == top.bid


async def test_rate_state_when_answers_carry_headers_then_exposed(
    served: tuple[AsterV1Venue, str],
) -> None:
    venue, _ = served
    assert venue.rate_state.used_weight_1m is None
    await venue.place_order(limit("ga-rate", Side.BUY, "59000"))
    assert venue.rate_state.order_count_1m == 1
    assert venue.rate_state.order_count["10s"] == 1
    await venue.open_orders("BTCUSDT")
    assert (venue.rate_state.used_weight_1m or 0) > 0
    assert venue.rate_state.order_count_1m == 1  # a read leaves the last order count as is


async def test_fills_since_when_many_trades_then_paged_across_windows_without_duplicates(
    served: tuple[AsterV1Venue, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    venue, base_url = served
    monkeypatch.setattr(trades, "PAGE", 3)  # force paging: 6 trades, pages of 3
    first = None
    for k in range(6):
        side = Side.BUY if k % 2 == 0 else Side.SELL
        req = OrderRequest("BTCUSDT", side, OrderType.MARKET, Decimal("0.002"), f"m-{k}")
        order = await venue.place_order(req)
        first = first or order
        if k % 2:
            await advance(base_url, candles=1)
    assert first is not None
    # Twenty days back: three seven-day windows, the last one paged.
    fills = await venue.fills_since(first.created_ms - 20 * 86_400_000, "BTCUSDT")
    assert [f.client_id for f in fills] == [f"m-{k}" for k in range(6)]
    assert len({f.trade_id for f in fills}) == 6
    later = await venue.fills_since(fills[2].ts_ms)
    assert [f.client_id for f in later] == ["m-2", "m-3", "m-4", "m-5"]
