"""Credentials never reach logs (any logger, DEBUG and up), exception messages or reprs."""

from __future__ import annotations

import logging
from decimal import Decimal

import pytest
from aster_support import AGENT, LATE, facade, v1_venue, v3_server, v3_venue
from pydantic import SecretStr
from test_facade_support import KEY, SECRET

from gridarena.domain.orders import OrderRequest, OrderType
from gridarena.domain.types import Side
from gridarena.venues.aster import AsterV1Venue
from gridarena.venues.errors import AuthenticationError, VenueError


def _order(cid: str) -> OrderRequest:
    return OrderRequest(
        "BTCUSDT", Side.BUY, OrderType.LIMIT, Decimal("0.01"), cid, price=Decimal("59000")
    )


def _assert_absent(texts: list[str], secrets: list[str]) -> None:
    for text in texts:
        for secret in secrets:
            assert secret not in text


async def test_v1_when_trading_and_failing_then_key_and_secret_never_logged_or_raised(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    seen: list[str] = []
    async with facade() as (app, base_url), v1_venue(base_url) as venue:
        await venue.place_order(_order("s-1"))
        await venue.get_order("BTCUSDT", "s-1")
        app.venue.faults.force("503_after_accept", endpoint="POST /fapi/v1/order")
        wrong_secret = AsterV1Venue(KEY, SecretStr("wrong-secret-123"), base_url=base_url)
        wrong_key = AsterV1Venue("unknown-key-456", SecretStr(SECRET), base_url=base_url)
        for call in (
            lambda: venue.place_order(_order("s-2")),
            wrong_secret.balance,
            wrong_key.balance,
        ):
            with pytest.raises(VenueError) as info:
                await call()
            seen += [str(info.value), repr(info.value), repr(info.value.__cause__)]
        seen += [repr(venue), repr(venue._http), repr(wrong_secret)]
        await wrong_secret.aclose()
        await wrong_key.aclose()
    assert "HTTP 503" in seen[0]
    assert any("aster" in r.getMessage() for r in caplog.records)
    _assert_absent([caplog.text, *seen], [KEY, SECRET, "wrong-secret-123", "unknown-key-456"])


async def test_v3_when_trading_and_failing_then_agent_key_never_logged_or_raised(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    keys = [w.key.hex() for w in (AGENT, LATE)]
    seen: list[str] = []
    async with (
        v3_server() as (_, base_url),
        v3_venue(base_url) as venue,
        v3_venue(base_url, LATE, clock_us=lambda: 1) as late,
    ):
        await venue.place_order(_order("s-3"))
        with pytest.raises(AuthenticationError) as info:
            await late.open_orders()
        seen += [str(info.value), repr(venue), repr(late)]
    _assert_absent([caplog.text, *seen], [*keys, *(k.upper() for k in keys)])
