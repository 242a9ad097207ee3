"""Venue refusals reach ccxt as Binance's codes and map onto ccxt's exception classes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import ccxt
import httpx
import pytest
from test_facade_support import KEY, SECRET, SYMBOL, advance, make_app, signed

from gridarena.venues.facade import Running, configure, facade_client, serve_in_thread


@pytest.fixture(scope="module")
def venue() -> Iterator[Running]:
    with serve_in_thread(make_app()) as running:
        advance(running.base_url, candles=2)
        yield running


@pytest.fixture(scope="module")
def client(venue: Running) -> Iterator[Any]:
    ex = facade_client(venue.base_url, KEY, SECRET)
    ex.load_markets()
    yield ex
    ex.close()


def _raw(venue: Running, method: str, path: str, params: dict[str, Any]) -> httpx.Response:
    headers = {"X-MBX-APIKEY": KEY}
    return httpx.request(method, f"{venue.base_url}{path}?{signed(params)}", headers=headers)


def test_create_order_when_client_id_reused_then_invalid_order_and_4116(client: Any) -> None:
    client.create_order(SYMBOL, "limit", "buy", 0.01, 59_000, {"clientOrderId": "dup"})
    with pytest.raises(ccxt.InvalidOrder, match="-4116"):
        client.create_order(SYMBOL, "limit", "buy", 0.01, 59_000, {"clientOrderId": "dup"})


def test_create_order_when_ccxt_not_told_about_linear_errors_then_bare_exchange_error(
    venue: Running,
) -> None:
    # Against a host other than fapi.binance.com ccxt skips its USD-M table: the facade's
    # `configure` installs it. Without it -4116 is only an ExchangeError.
    plain = configure(
        ccxt.binanceusdm({"apiKey": KEY, "secret": SECRET}), venue.base_url, linear_errors=False
    )
    try:
        plain.load_markets()
        plain.create_order(SYMBOL, "limit", "buy", 0.01, 59_000, {"clientOrderId": "dup-2"})
        with pytest.raises(ccxt.ExchangeError, match="-4116") as info:
            plain.create_order(SYMBOL, "limit", "buy", 0.01, 59_000, {"clientOrderId": "dup-2"})
        assert type(info.value) is ccxt.ExchangeError
    finally:
        plain.close()


@pytest.mark.parametrize(
    ("kind", "side", "amount", "price", "params", "error", "code"),
    [
        ("limit", "sell", 0.01, 59_990, {"postOnly": True}, ccxt.OrderNotFillable, -5022),
        ("market", "sell", 0.01, None, {"reduceOnly": True}, ccxt.InvalidOrder, -2022),
        ("limit", "buy", 5, 59_000, {}, ccxt.InsufficientFunds, -2019),
        ("limit", "buy", 0.001, 59_000, {}, ccxt.InvalidOrder, -4164),
    ],
)
def test_create_order_when_venue_refuses_then_mapped_ccxt_error(
    client: Any,
    kind: str,
    side: str,
    amount: float,
    price: float | None,
    params: dict[str, Any],
    error: type[Exception],
    code: int,
) -> None:
    with pytest.raises(error, match=str(code)):
        client.create_order(SYMBOL, kind, side, amount, price, params)


def test_cancel_order_when_unknown_then_order_not_found(client: Any) -> None:
    with pytest.raises(ccxt.OrderNotFound, match="-2011"):
        client.cancel_order(None, SYMBOL, {"clientOrderId": "never-sent"})


def test_fetch_order_when_unknown_then_order_not_found(client: Any) -> None:
    with pytest.raises(ccxt.OrderNotFound, match="-2013"):
        client.fetch_order(None, SYMBOL, {"clientOrderId": "never-sent"})


def test_set_leverage_when_above_maximum_then_bad_request(client: Any) -> None:
    # ccxt checks 1..125 itself; the raw route shows the venue's own refusal.
    with pytest.raises(ccxt.BadRequest, match="-4028"):
        client.fapiPrivatePostLeverage({"symbol": "BTCUSDT", "leverage": 126})


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "quantity": "0.01"}, -1102),
        ({"symbol": "BTCUSDT", "side": "UP", "type": "MARKET", "quantity": "0.01"}, -1117),
        ({"symbol": "BTCUSDT", "side": "BUY", "type": "OCO", "quantity": "0.01"}, -1116),
        ({"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quantity": "1e3"}, -1100),
        ({"symbol": "NOPEUSDT", "side": "BUY", "type": "MARKET", "quantity": "1"}, -1121),
        ({"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quantity": "0.0101"}, -1111),
        (
            {
                "symbol": "BTCUSDT",
                "side": "BUY",
                "type": "LIMIT",
                "timeInForce": "GTC",
                "quantity": "0.01",
                "price": "59000.05",
            },
            -4014,
        ),
        (
            {
                "symbol": "BTCUSDT",
                "side": "BUY",
                "type": "MARKET",
                "quantity": "0.01",
                "newClientOrderId": "has space",
            },
            -1100,
        ),
        (
            {
                "symbol": "BTCUSDT",
                "side": "BUY",
                "type": "MARKET",
                "quantity": "0.01",
                "positionSide": "LONG",
            },
            -4061,
        ),
    ],
)
def test_new_order_when_parameters_bad_then_binance_code_and_http_400(
    venue: Running, params: dict[str, Any], code: int
) -> None:
    resp = _raw(venue, "POST", "/fapi/v1/order", params)
    assert resp.status_code == 400
    body = resp.json()
    assert body["code"] == code
    assert isinstance(body["msg"], str)


def test_query_order_when_neither_id_given_then_1102(venue: Running) -> None:
    resp = _raw(venue, "GET", "/fapi/v1/order", {"symbol": "BTCUSDT"})
    assert resp.status_code == 400
    assert resp.json() == {
        "code": -1102,
        "msg": "Param 'origClientOrderId' or 'orderId' must be sent, but both were empty/null!",
    }


def test_refusal_when_order_rejected_then_nothing_changes_on_the_venue(venue: Running) -> None:
    before = httpx.get(f"{venue.base_url}/sim/orders").json()["accounts"]
    _raw(venue, "POST", "/fapi/v1/order", {"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET"})
    assert httpx.get(f"{venue.base_url}/sim/orders").json()["accounts"] == before
