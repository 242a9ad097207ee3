"""The edge error mapping: HTTP status first, then the venue's code or message, then ccxt's class.

Errors here are built the way the edge client builds them: a ccxt exception carrying the
`HttpReply` it was raised from (``reply=None``: no answer at all).
"""

from __future__ import annotations

import json

import ccxt
import pytest

from gridarena.venues.errors import (
    AuthenticationError,
    DuplicateClientOrderId,
    InsufficientMargin,
    OrderNotFound,
    OrderRejected,
    OutcomeUnknown,
    PermanentVenueError,
    PostOnlyWouldTake,
    RateLimited,
    ReduceOnlyRejected,
    VenueError,
    VenueUnavailable,
)
from gridarena.venues.live import binance_errors, hyperliquid_errors, orderly_errors
from gridarena.venues.live.edge import HttpReply
from gridarena.venues.live.errormap import ErrorTable, translate

BINANCE, ORDERLY, HYPERLIQUID = binance_errors.TABLE, orderly_errors.TABLE, hyperliquid_errors.TABLE


def failed(
    cls: type[Exception], status: int | None = None, body: object = "", **headers: str
) -> Exception:
    exc = cls("ccxt says something")
    if status is not None:
        text = body if isinstance(body, str) else json.dumps(body)
        exc.gridarena_reply = HttpReply(status, headers, text)  # type: ignore[attr-defined]
    return exc


def mapped(exc: BaseException, table: ErrorTable, *, mutating: bool) -> VenueError:
    return translate(exc, table, mutating=mutating)


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (-2011, OrderNotFound),
        (-2013, OrderNotFound),
        (-4116, DuplicateClientOrderId),
        (-2019, InsufficientMargin),
        (-5022, PostOnlyWouldTake),
        (-2022, ReduceOnlyRejected),
        (-1021, AuthenticationError),
        (-1022, AuthenticationError),
        (-2014, AuthenticationError),
        (-2015, AuthenticationError),
        (-4014, OrderRejected),
        (-4164, OrderRejected),
        (-1111, OrderRejected),
    ],
)
def test_translate_when_binance_code_then_permanent_class(
    code: int, expected: type[VenueError]
) -> None:
    exc = failed(ccxt.ExchangeError, 400, {"code": code, "msg": "refused"})
    error = mapped(exc, BINANCE, mutating=True)
    assert type(error) is expected
    assert error.code == str(code)
    assert not error.retryable


@pytest.mark.parametrize("status", [500, 502, 503, 504])
@pytest.mark.parametrize(
    "cls", [ccxt.OperationFailed, ccxt.ExchangeError, ccxt.ExchangeNotAvailable]
)
def test_translate_when_5xx_then_unknown_on_writes_and_unavailable_on_reads(
    status: int, cls: type[Exception]
) -> None:
    exc = failed(cls, status, {"code": -1001, "msg": "Service Unavailable."})
    assert type(mapped(exc, BINANCE, mutating=True)) is OutcomeUnknown
    assert type(mapped(exc, BINANCE, mutating=False)) is VenueUnavailable


@pytest.mark.parametrize(
    "exc",
    [
        ccxt.RequestTimeout("timed out"),
        ccxt.ExchangeNotAvailable("connection reset"),
        ccxt.NetworkError("dropped"),
        ccxt.BadResponse("unreadable"),
        TimeoutError(),
        ConnectionResetError(),
    ],
)
def test_translate_when_no_answer_then_unknown_on_writes_and_unavailable_on_reads(
    exc: Exception,
) -> None:
    for table in (BINANCE, ORDERLY, HYPERLIQUID):
        assert type(mapped(exc, table, mutating=True)) is OutcomeUnknown
        assert type(mapped(exc, table, mutating=False)) is VenueUnavailable


@pytest.mark.parametrize(
    ("status", "cls"), [(429, ccxt.DDoSProtection), (418, ccxt.DDoSProtection)]
)
def test_translate_when_rate_limited_then_retry_after_from_header(
    status: int, cls: type[Exception]
) -> None:
    exc = failed(cls, status, {"code": -1003, "msg": "Too many requests"}, **{"retry-after": "7"})
    error = mapped(exc, BINANCE, mutating=True)
    assert isinstance(error, RateLimited)
    assert error.retry_after == 7.0
    no_header = mapped(failed(cls, status, ""), BINANCE, mutating=False)
    assert isinstance(no_header, RateLimited)
    assert no_header.retry_after is None


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (-1006, OrderNotFound),
        (-1007, DuplicateClientOrderId),
        (-1101, InsufficientMargin),
        (-1102, OrderRejected),
        (-1103, OrderRejected),
        (-1001, AuthenticationError),
        (-1002, AuthenticationError),
    ],
)
def test_translate_when_orderly_code_then_permanent_class(
    code: int, expected: type[VenueError]
) -> None:
    body = {"success": False, "code": code, "message": "refused"}
    assert type(mapped(failed(ccxt.BadRequest, 400, body), ORDERLY, mutating=True)) is expected


def test_translate_when_orderly_rpc_not_connected_then_outcome_unknown_on_writes() -> None:
    body = {"success": False, "code": -1011, "message": "Can not place/cancel orders"}
    exc = failed(ccxt.NetworkError, 400, body)
    assert type(mapped(exc, ORDERLY, mutating=True)) is OutcomeUnknown
    assert type(mapped(exc, ORDERLY, mutating=False)) is VenueUnavailable


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("Post only order would have immediately matched, bbo was 1@2. asset=0", PostOnlyWouldTake),
        ("Reduce only order would increase position. asset=0", ReduceOnlyRejected),
        ("Insufficient margin to place order. asset=0", InsufficientMargin),
        ("Order was never placed, already canceled, or filled.", OrderNotFound),
        ("User or API Wallet 0xabc does not exist.", AuthenticationError),
        ("Order must have minimum value of $10. asset=0", OrderRejected),
    ],
)
def test_translate_when_hyperliquid_message_then_class(
    message: str, expected: type[VenueError]
) -> None:
    body = {
        "status": "ok",
        "response": {"type": "order", "data": {"statuses": [{"error": message}]}},
    }
    assert (
        type(mapped(failed(ccxt.InvalidOrder, 200, body), HYPERLIQUID, mutating=True)) is expected
    )


def test_translate_when_hyperliquid_unknown_oid_then_order_not_found() -> None:
    exc = failed(ccxt.OrderNotFound, 200, {"status": "unknownOid"})
    assert type(mapped(exc, HYPERLIQUID, mutating=False)) is OrderNotFound


def test_translate_when_no_table_entry_then_ccxt_class_then_family() -> None:
    assert (
        type(mapped(ccxt.InsufficientFunds("x"), HYPERLIQUID, mutating=True)) is InsufficientMargin
    )
    assert (
        type(mapped(ccxt.AuthenticationError("x"), ORDERLY, mutating=False)) is AuthenticationError
    )
    unknown = failed(ccxt.ExchangeError, 400, {"code": -9999, "msg": "new"})
    assert type(mapped(unknown, BINANCE, mutating=True)) is OrderRejected
    assert type(mapped(unknown, BINANCE, mutating=False)) is PermanentVenueError


def test_translate_when_message_holds_signature_then_masked() -> None:
    exc = ccxt.RequestTimeout("binanceusdm GET http://x/fapi/v1/order?symbol=B&signature=deadbeef")
    assert "deadbeef" not in str(mapped(exc, BINANCE, mutating=False))


def test_translate_when_client_side_bug_then_unknown_on_writes_and_permanent_on_reads() -> None:
    bug = TypeError("'NoneType' object is not subscriptable")  # e.g. parsing an odd answer
    assert type(mapped(bug, BINANCE, mutating=True)) is OutcomeUnknown
    assert type(mapped(bug, BINANCE, mutating=False)) is PermanentVenueError
    refused_before_sending = ccxt.ArgumentsRequired("symbol required")
    assert type(mapped(refused_before_sending, ORDERLY, mutating=True)) is OrderRejected
