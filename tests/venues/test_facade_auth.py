"""Signed requests: keys map to sub-accounts, signatures and the receive window are enforced."""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import ccxt
import httpx
import pytest
from test_facade_support import ACCOUNT, KEY, KEYS, SECRET, SYMBOL, advance, make_app, signed

from gridarena.venues.facade import Running, facade_client, serve_in_thread
from gridarena.venues.facade.auth import Credential, credentials

ORDER = {"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quantity": "0.01"}


@pytest.fixture(scope="module")
def venue() -> Iterator[Running]:
    with serve_in_thread(make_app()) as running:
        advance(running.base_url, candles=1)
        yield running


def _client(venue: Running, key: str = KEY, secret: str = SECRET) -> Any:
    return facade_client(venue.base_url, key, secret)


def test_private_call_when_secret_wrong_then_authentication_error(venue: Running) -> None:
    ex = _client(venue, secret="not-the-secret")
    try:
        with pytest.raises(ccxt.AuthenticationError, match="-1022"):
            ex.fetch_balance()
    finally:
        ex.close()


def test_private_call_when_key_unknown_then_authentication_error_401(venue: Running) -> None:
    ex = _client(venue, key="stranger")
    try:
        with pytest.raises(ccxt.AuthenticationError, match="-2015"):
            ex.fetch_balance()
    finally:
        ex.close()
    resp = httpx.get(f"{venue.base_url}/fapi/v2/balance?{signed({})}")
    assert resp.status_code == 401
    assert resp.json()["code"] == -2014


def test_private_call_when_clock_behind_then_invalid_nonce(venue: Running) -> None:
    ex = _client(venue)
    ex.options["recvWindow"] = 5_000
    ex.nonce = lambda: time.time_ns() // 1_000_000 - 60_000
    try:
        with pytest.raises(ccxt.InvalidNonce, match="-1021"):
            ex.fetch_balance()
    finally:
        ex.close()


def test_private_call_when_clock_ahead_then_invalid_nonce(venue: Running) -> None:
    ex = _client(venue)
    ex.nonce = lambda: time.time_ns() // 1_000_000 + 5_000
    try:
        with pytest.raises(ccxt.InvalidNonce, match="ahead"):
            ex.fetch_balance()
    finally:
        ex.close()


def test_private_call_when_venue_replays_2024_then_wall_clock_timestamps_pass(
    venue: Running,
) -> None:
    server_time = httpx.get(f"{venue.base_url}/fapi/v1/time").json()["serverTime"]
    assert server_time < time.time() * 1000 - 86_400_000  # the replay is in the past
    ex = _client(venue)
    try:
        assert ex.fetch_balance()["USDT"]["total"] == 10_000
    finally:
        ex.close()


def test_signature_when_params_split_between_query_and_body_then_total_params_signed(
    venue: Running,
) -> None:
    query = urlencode({"symbol": "BTCUSDT", "side": "BUY"})
    body = urlencode(
        {
            "type": "MARKET",
            "quantity": "0.01",
            "newClientOrderId": "split",
            "timestamp": time.time_ns() // 1_000_000,
        }
    )
    sig = hmac.new(SECRET.encode(), (query + body).encode(), hashlib.sha256).hexdigest()
    resp = httpx.post(
        f"{venue.base_url}/fapi/v1/order?{query}",
        content=f"{body}&signature={sig}",
        headers={"X-MBX-APIKEY": KEY, "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert resp.status_code == 200, resp.text
    assert resp.json()["clientOrderId"] == "split"


@pytest.mark.parametrize(
    ("query", "code"),
    [
        (urlencode(ORDER), -1102),  # no timestamp, no signature
        (f"{urlencode(ORDER)}&timestamp=1&signature=00", -1022),
        (signed({**ORDER, "recvWindow": 70_000}), -1130),
    ],
)
def test_signed_route_when_request_malformed_then_binance_error(
    venue: Running, query: str, code: int
) -> None:
    resp = httpx.post(f"{venue.base_url}/fapi/v1/order?{query}", headers={"X-MBX-APIKEY": KEY})
    assert resp.status_code == 400
    assert resp.json()["code"] == code


def test_secrets_when_serving_then_never_in_answers_or_logs(
    venue: Running, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    ex = _client(venue)
    try:
        ex.create_order(SYMBOL, "market", "buy", 0.01, None, {"clientOrderId": "s-1"})
    finally:
        ex.close()
    texts = [
        httpx.get(f"{venue.base_url}/sim/{path}").text
        for path in ("state", "stats", "orders", "faults")
    ]
    for _, secret_account in KEYS.items():
        secret = secret_account[0]
        assert all(secret not in t for t in texts)
        assert secret not in caplog.text
    assert SECRET not in repr(credentials(KEYS))
    assert ACCOUNT in repr(Credential(SECRET, ACCOUNT))


def test_credentials_when_empty_secret_then_rejected() -> None:
    with pytest.raises(ValueError, match="non-empty"):
        credentials({"k": ("", "alice")})
