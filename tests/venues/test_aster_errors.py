"""The error table: each HTTP status, Binance/Aster code and transport failure → our family."""

from __future__ import annotations

import json

import httpx
import pytest

from gridarena.venues.aster.errors import from_response, from_transport
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

WHAT = "POST /fapi/v1/order"


def response(
    status: int, code: int | None = None, headers: dict[str, str] | None = None
) -> httpx.Response:
    body = (
        json.dumps({"code": code, "msg": "venue text"}).encode() if code is not None else b"<html>"
    )
    return httpx.Response(status, content=body, headers=headers)


# (status, code) → (class for a mutating call, class for a read)
TABLE: list[tuple[int, int | None, type[VenueError], type[VenueError]]] = [
    (503, -1000, OutcomeUnknown, VenueUnavailable),  # "execution status unknown"
    (503, -1001, OutcomeUnknown, VenueUnavailable),
    (500, -1001, OutcomeUnknown, VenueUnavailable),
    (502, None, OutcomeUnknown, VenueUnavailable),  # HTML from a gateway
    (504, None, OutcomeUnknown, VenueUnavailable),
    (400, -1007, OutcomeUnknown, VenueUnavailable),  # TIMEOUT: "execution status unknown"
    (400, -1006, OutcomeUnknown, VenueUnavailable),
    (400, -2011, OrderNotFound, OrderNotFound),
    (400, -2013, OrderNotFound, OrderNotFound),
    (400, -4116, DuplicateClientOrderId, DuplicateClientOrderId),
    (400, -2019, InsufficientMargin, InsufficientMargin),
    (400, -2018, InsufficientMargin, InsufficientMargin),
    (400, -5022, PostOnlyWouldTake, PostOnlyWouldTake),
    (400, -2022, ReduceOnlyRejected, ReduceOnlyRejected),
    (400, -1021, AuthenticationError, AuthenticationError),
    (400, -1022, AuthenticationError, AuthenticationError),
    (401, -2014, AuthenticationError, AuthenticationError),
    (401, -2015, AuthenticationError, AuthenticationError),
    (400, -4225, AuthenticationError, AuthenticationError),  # V3 nonce expired or reused
    (401, None, AuthenticationError, AuthenticationError),
    (400, -4014, OrderRejected, OrderRejected),  # PRICE_FILTER tick
    (400, -1111, OrderRejected, OrderRejected),  # LOT_SIZE precision
    (400, -4164, OrderRejected, OrderRejected),  # MIN_NOTIONAL
    (400, -4015, OrderRejected, OrderRejected),  # client id format
    (400, -2021, OrderRejected, OrderRejected),  # would immediately trigger
    (400, -1121, OrderRejected, OrderRejected),  # bad symbol
    (400, -9999, OrderRejected, PermanentVenueError),  # a code we do not know
]


@pytest.mark.parametrize(("status", "code", "mutating_cls", "read_cls"), TABLE)
def test_from_response_when_status_and_code_then_family(
    status: int,
    code: int | None,
    mutating_cls: type[VenueError],
    read_cls: type[VenueError],
) -> None:
    for mutating, cls in ((True, mutating_cls), (False, read_cls)):
        err = from_response(response(status, code), what=WHAT, mutating=mutating)
        assert type(err) is cls, (status, code, mutating)
        assert err.code == code
        assert err.retryable is issubclass(cls, OutcomeUnknown | VenueUnavailable | RateLimited)


@pytest.mark.parametrize(("status", "code"), [(429, -1003), (418, -1003), (429, None), (403, None)])
def test_from_response_when_rate_limited_then_retry_after_from_header(
    status: int, code: int | None
) -> None:
    err = from_response(response(status, code, {"Retry-After": "7"}), what=WHAT, mutating=True)
    assert isinstance(err, RateLimited)
    assert err.retry_after == 7.0
    bare = from_response(response(status, code), what=WHAT, mutating=False)
    assert isinstance(bare, RateLimited)
    assert bare.retry_after is None


def test_from_response_when_too_many_orders_code_on_400_then_rate_limited() -> None:
    err = from_response(response(400, -1015, {"Retry-After": "2"}), what=WHAT, mutating=True)
    assert isinstance(err, RateLimited)
    assert err.retry_after == 2.0


def test_from_response_when_html_body_then_message_summarised_not_echoed() -> None:
    err = from_response(response(502), what=WHAT, mutating=True)
    assert str(err) == "POST /fapi/v1/order: HTTP 502: non-JSON body (6 bytes)"


_REQUEST = httpx.Request("POST", "http://127.0.0.1/fapi/v1/order")

# transport failure → (class for a mutating call, class for a read)
TRANSPORT: list[tuple[httpx.TransportError, type[VenueError], type[VenueError]]] = [
    (httpx.ConnectError("refused", request=_REQUEST), VenueUnavailable, VenueUnavailable),
    (httpx.ConnectTimeout("slow", request=_REQUEST), VenueUnavailable, VenueUnavailable),
    (httpx.PoolTimeout("busy", request=_REQUEST), VenueUnavailable, VenueUnavailable),
    (httpx.ReadTimeout("late", request=_REQUEST), OutcomeUnknown, VenueUnavailable),
    (httpx.WriteTimeout("late", request=_REQUEST), OutcomeUnknown, VenueUnavailable),
    (httpx.RemoteProtocolError("dropped", request=_REQUEST), OutcomeUnknown, VenueUnavailable),
    (httpx.ReadError("reset", request=_REQUEST), OutcomeUnknown, VenueUnavailable),
]


@pytest.mark.parametrize(("exc", "mutating_cls", "read_cls"), TRANSPORT)
def test_from_transport_when_failure_then_unknown_only_if_request_may_have_arrived(
    exc: httpx.TransportError, mutating_cls: type[VenueError], read_cls: type[VenueError]
) -> None:
    assert type(from_transport(exc, what=WHAT, mutating=True)) is mutating_cls
    assert type(from_transport(exc, what=WHAT, mutating=False)) is read_cls
