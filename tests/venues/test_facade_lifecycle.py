"""The real ccxt ``binanceusdm`` client trades the simulated venue through the facade."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import ccxt
import pytest
from test_facade_support import (
    ACCOUNT,
    KEY,
    KEY2,
    SECRET,
    SECRET2,
    SYMBOL,
    T0,
    advance,
    make_app,
    sim_get,
)

from gridarena.venues.facade import Running, configure, facade_client, serve_in_thread


@pytest.fixture
def venue() -> Iterator[Running]:
    with serve_in_thread(make_app()) as running:
        advance(running.base_url, candles=5)
        yield running


@pytest.fixture
def client(venue: Running) -> Iterator[Any]:
    ex = facade_client(venue.base_url, KEY, SECRET)
    ex.load_markets()
    yield ex
    ex.close()


def test_load_markets_when_facade_serves_btcusdt_then_ccxt_sees_a_linear_perpetual(
    client: Any,
) -> None:
    market = client.market(SYMBOL)
    assert market["id"] == "BTCUSDT"
    assert market["swap"]
    assert market["linear"]
    assert market["settle"] == "USDT"
    assert market["precision"] == {"amount": 0.001, "price": 0.1, "base": 1e-08, "quote": 1e-08}
    assert market["limits"]["amount"]["min"] == 0.001
    assert market["limits"]["cost"]["min"] == 100.0
    assert market["info"]["contractType"] == "PERPETUAL"


def test_fetch_market_data_when_five_candles_replayed_then_only_the_past_is_shown(
    client: Any,
) -> None:
    ticker = client.fetch_ticker(SYMBOL)
    assert ticker["last"] == 60_000.0
    ohlcv = client.fetch_ohlcv(SYMBOL, "1m", limit=10)
    assert [row[0] for row in ohlcv] == [T0 + k * 60_000 for k in range(5)]
    assert ohlcv[-1][1:5] == [60_000.0, 60_100.0, 59_900.0, 60_000.0]
    book = client.fetch_order_book(SYMBOL, limit=5)
    assert book["bids"][0][0] == 59_999.9
    assert book["asks"][0][0] == 60_000.1
    assert len(book["bids"]) == 5
    assert client.fetch_time() == T0 + 5 * 60_000
    funding = client.fetch_funding_rate(SYMBOL)
    assert funding["markPrice"] == 60_000.0
    assert funding["fundingRate"] == 0.0


def test_fetch_ohlcv_when_interval_coarser_than_replay_then_candles_are_aggregated(
    client: Any, venue: Running
) -> None:
    advance(venue.base_url, candles=10)
    bars = client.fetch_ohlcv(SYMBOL, "5m", limit=5)
    assert [b[0] for b in bars] == [T0, T0 + 300_000, T0 + 600_000]
    assert bars[0][5] == pytest.approx(50.0)


def test_create_limit_order_when_price_later_crossed_then_it_fills_as_maker(
    client: Any, venue: Running
) -> None:
    client.set_leverage(5, SYMBOL)
    order = client.create_order(SYMBOL, "limit", "buy", 0.01, 59_950, {"clientOrderId": "lim-1"})
    assert (order["clientOrderId"], order["status"], order["price"]) == ("lim-1", "open", 59_950)
    assert [o["clientOrderId"] for o in client.fetch_open_orders(SYMBOL)] == ["lim-1"]

    advance(venue.base_url, candles=1)

    fetched = client.fetch_order(None, SYMBOL, {"clientOrderId": "lim-1"})
    assert (fetched["status"], fetched["filled"], fetched["average"]) == ("closed", 0.01, 59_950)
    assert client.fetch_open_orders(SYMBOL) == []
    (trade,) = client.fetch_my_trades(SYMBOL)
    assert trade["takerOrMaker"] == "maker"
    assert trade["order"] == order["id"]
    assert trade["fee"]["cost"] == pytest.approx(59_950 * 0.01 * 0.0002)
    (position,) = client.fetch_positions([SYMBOL])
    assert (position["side"], position["contracts"], position["entryPrice"]) == (
        "long",
        0.01,
        59_950,
    )
    balance = client.fetch_balance()["USDT"]
    assert balance["total"] == pytest.approx(10_000 - 59_950 * 0.01 * 0.0002 + 0.5)


def test_cancel_order_when_open_then_status_canceled_and_margin_released(client: Any) -> None:
    free_before = client.fetch_balance()["USDT"]["free"]
    client.create_order(SYMBOL, "limit", "buy", 0.02, 59_000, {"clientOrderId": "c-1"})
    assert client.fetch_balance()["USDT"]["free"] < free_before
    cancelled = client.cancel_order(None, SYMBOL, {"clientOrderId": "c-1"})
    assert cancelled["status"] == "canceled"
    assert client.fetch_balance()["USDT"]["free"] == pytest.approx(free_before)
    assert client.fetch_order(None, SYMBOL, {"clientOrderId": "c-1"})["status"] == "canceled"


def test_create_market_order_when_result_requested_then_filled_at_last_price(
    client: Any,
) -> None:
    order = client.create_order(SYMBOL, "market", "sell", 0.005, None, {"clientOrderId": "mk"})
    assert (order["status"], order["average"], order["filled"]) == ("closed", 60_000, 0.005)
    (position,) = client.fetch_positions([SYMBOL])
    assert position["side"] == "short"
    assert position["contracts"] == 0.005


def test_create_post_only_when_resting_then_open_with_gtx(client: Any) -> None:
    order = client.create_order(
        SYMBOL, "limit", "sell", 0.01, 60_050, {"clientOrderId": "po", "postOnly": True}
    )
    assert order["postOnly"]
    assert order["info"]["timeInForce"] == "GTX"
    assert order["status"] == "open"


def test_create_reduce_only_when_long_then_closes_position(client: Any, venue: Running) -> None:
    client.create_order(SYMBOL, "market", "buy", 0.01, None, {"clientOrderId": "open"})
    closing = client.create_order(
        SYMBOL, "limit", "sell", 0.01, 60_050, {"clientOrderId": "tp", "reduceOnly": True}
    )
    assert closing["reduceOnly"] is True
    advance(venue.base_url, candles=1)
    assert client.fetch_positions([SYMBOL]) == []
    trades = client.fetch_my_trades(SYMBOL)
    assert trades[-1]["info"]["realizedPnl"] == "0.50000000"


def test_create_ioc_when_not_marketable_then_expired(client: Any) -> None:
    order = client.create_order(
        SYMBOL, "limit", "buy", 0.01, 59_000, {"clientOrderId": "ioc", "timeInForce": "IOC"}
    )
    assert order["status"] == "expired"
    assert client.fetch_open_orders(SYMBOL) == []


def test_stop_market_when_sent_to_order_endpoint_then_triggers_on_the_path(
    client: Any, venue: Running
) -> None:
    client.create_order(SYMBOL, "market", "buy", 0.01, None, {"clientOrderId": "pos"})
    raw = client.fapiPrivatePostOrder(
        {
            "symbol": "BTCUSDT",
            "side": "SELL",
            "type": "STOP_MARKET",
            "stopPrice": "59950",
            "closePosition": "true",
            "newClientOrderId": "sl",
            "newOrderRespType": "RESULT",
        }
    )
    assert (raw["status"], raw["type"], raw["closePosition"]) == ("NEW", "STOP_MARKET", True)
    advance(venue.base_url, candles=1)
    assert client.fetch_order(None, SYMBOL, {"clientOrderId": "sl"})["status"] == "closed"
    assert client.fetch_positions([SYMBOL]) == []


def test_set_margin_mode_when_switched_twice_then_second_is_no_change(client: Any) -> None:
    client.set_margin_mode("isolated", SYMBOL)
    with pytest.raises(ccxt.MarginModeAlreadySet):
        client.set_margin_mode("isolated", SYMBOL)
    leverage = client.fapiPrivateGetSymbolConfig({"symbol": "BTCUSDT"})
    assert leverage[0]["marginType"] == "ISOLATED"


def test_accounts_when_two_keys_then_orders_stay_in_their_sub_account(
    client: Any, venue: Running
) -> None:
    other = facade_client(venue.base_url, KEY2, SECRET2)
    try:
        other.create_order(SYMBOL, "limit", "buy", 0.01, 59_000, {"clientOrderId": "same-id"})
        client.create_order(SYMBOL, "limit", "buy", 0.01, 59_000, {"clientOrderId": "same-id"})
        assert len(other.fetch_open_orders(SYMBOL)) == 1
        assert len(client.fetch_open_orders(SYMBOL)) == 1
    finally:
        other.close()
    truth = sim_get(venue.base_url, "orders", account=ACCOUNT)["accounts"]
    assert list(truth[ACCOUNT]) == ["same-id"]


def test_fetch_balance_when_v2_routes_used_then_same_numbers(client: Any) -> None:
    v3 = client.fapiPrivateV3GetAccount()
    v2 = client.fapiPrivateV2GetAccount()
    (bal,) = client.fapiPrivateV2GetBalance()
    assert (
        v3["totalWalletBalance"] == v2["totalWalletBalance"] == bal["balance"] == "10000.00000000"
    )
    assert v2["positions"][0]["leverage"] == "20"
    risk = client.fapiPrivateV2GetPositionRisk({"symbol": "BTCUSDT"})
    assert risk[0]["positionAmt"] == "0.000"
    assert risk[0]["marginType"] == "cross"


def test_stop_loss_when_created_through_ccxt_then_algo_order_fires_on_the_path(
    client: Any, venue: Running
) -> None:
    client.create_order(SYMBOL, "market", "buy", 0.01, None, {"clientOrderId": "long"})
    stop = client.create_order(
        SYMBOL,
        "market",
        "sell",
        0.01,
        None,
        {"stopLossPrice": 59_950, "reduceOnly": True, "clientOrderId": "sl-algo"},
    )
    assert (stop["clientOrderId"], stop["status"], stop["triggerPrice"]) == (
        "sl-algo",
        "open",
        59_950,
    )
    assert stop["info"]["orderType"] == "STOP_MARKET"
    (listed,) = client.fetch_open_orders(SYMBOL, None, None, {"trigger": True})
    assert listed["id"] == stop["id"]
    advance(venue.base_url, candles=1)
    fired = client.fetch_order(None, SYMBOL, {"clientOrderId": "sl-algo", "trigger": True})
    assert fired["status"] == "closed"
    assert client.fetch_positions([SYMBOL]) == []


def test_cancel_algo_order_when_untriggered_then_gone_from_open_list(client: Any) -> None:
    client.create_order(
        SYMBOL, "market", "sell", 0.01, None, {"takeProfitPrice": 61_000, "clientOrderId": "tp-a"}
    )
    client.cancel_order(None, SYMBOL, {"clientOrderId": "tp-a", "trigger": True})
    assert client.fetch_open_orders(SYMBOL, None, None, {"trigger": True}) == []
    got = client.fetch_order(None, SYMBOL, {"clientOrderId": "tp-a", "trigger": True})
    assert got["status"] == "canceled"


def test_load_markets_when_spot_client_asks_then_spot_exchange_info_answers(
    venue: Running,
) -> None:
    spot = configure(ccxt.binance({"enableRateLimit": False}), venue.base_url)
    spot.options["fetchMarkets"] = {"types": ["spot"]}
    try:
        markets = spot.load_markets()
    finally:
        spot.close()
    assert list(markets) == ["BTC/USDT"]
    assert markets["BTC/USDT"]["spot"]
    assert markets["BTC/USDT"]["precision"]["price"] == 0.1


def test_sim_routes_when_orders_filled_then_truth_counters_and_wallets_agree(
    client: Any, venue: Running
) -> None:
    client.create_order(SYMBOL, "limit", "buy", 0.01, 59_950, {"clientOrderId": "t-1"})
    with pytest.raises(ccxt.InvalidOrder):
        client.create_order(SYMBOL, "limit", "buy", 0.01, 59_950, {"clientOrderId": "t-1"})
    advance(venue.base_url, candles=1)
    truth = sim_get(venue.base_url, "orders", account=ACCOUNT)["accounts"][ACCOUNT]
    assert truth["t-1"]["status"] == "FILLED"
    assert [f["price"] for f in truth["t-1"]["fills"]] == ["59950.0"]
    stats = sim_get(venue.base_url, "stats")
    assert stats["orders"]["accepted"] == 1
    assert stats["orders"]["duplicate_client_id"] == 1
    assert stats["requests"]["POST /fapi/v1/order"] == 2
    state = sim_get(venue.base_url, "state")
    (pos,) = state["accounts"][ACCOUNT]["positions"]
    assert (pos["symbol"], pos["qty"], pos["entry_price"]) == ("BTCUSDT", "0.010", "59950.0")
    assert state["accounts"]["bob"]["wallet"] == "10000.00000000"
    assert state["markets"]["BTCUSDT"]["candle"] == 6
