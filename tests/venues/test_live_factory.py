"""Opening live venues: dry run by default, live only on request with credentials and a banner,
the testnet/mainnet switch, ccxt's builder/referral/tag options off, and secrets never logged."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from decimal import Decimal

import pytest
from pydantic import SecretStr
from servers.binance import SYMBOL, Facade, binance_venue, running_facade
from test_facade_support import KEY, SECRET

from gridarena.config.venues import BinanceSettings, HyperliquidSettings, OrderlySettings
from gridarena.domain.orders import OrderRequest, OrderStatus, OrderType
from gridarena.domain.types import Side
from gridarena.venues.errors import AuthenticationError, OrderNotFound
from gridarena.venues.live import CcxtVenue, Credentials, DryRunVenue, open_venue
from gridarena.venues.live.factory import venue_from_settings

BUY = OrderRequest(
    SYMBOL, Side.BUY, OrderType.LIMIT, Decimal("0.01"), "dry-1", price=Decimal(59_000)
)


@pytest.fixture
async def facade() -> AsyncIterator[Facade]:
    async with running_facade() as running:
        yield running


def creds() -> Credentials:
    return Credentials(api_key=SecretStr(KEY), secret=SecretStr(SECRET))


async def test_open_venue_when_live_not_asked_then_dry_run_never_sends_writes(
    facade: Facade, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    venue = open_venue("binance", credentials=creds(), base_url=facade.base_url, rate_limit=False)
    assert isinstance(venue, DryRunVenue)
    venue.inner.exchange.timeout_on_exit = 0  # type: ignore[attr-defined]
    try:
        order = await venue.place_order(BUY)
        assert (order.status, order.client_id) == (OrderStatus.NEW, "dry-1")
        assert [o.client_id for o in await venue.open_orders(SYMBOL)] == ["dry-1"]
        assert (await venue.cancel_order(SYMBOL, "dry-1")).status is OrderStatus.CANCELED
        await venue.set_leverage(SYMBOL, 7)
        assert (await venue.balance()).wallet == Decimal(10_000)  # reads reach the venue
        with pytest.raises(OrderNotFound):
            await venue.get_order(SYMBOL, "never-sent")
    finally:
        await venue.close()
    writes = [r for r in facade.recorder.requests if r["method"] in ("POST", "DELETE", "PUT")]
    assert [r["path"] for r in writes] == ["/sim/advance"]
    assert await facade.truth() == {}
    assert "DRY RUN: not sending dry-1" in caplog.text


async def test_open_venue_when_live_then_warning_banner(
    facade: Facade, caplog: pytest.LogCaptureFixture
) -> None:
    venue = binance_venue(facade.base_url)
    await venue.close()
    banner = [
        r for r in caplog.records if r.levelno == logging.WARNING and "LIVE TRADING" in r.message
    ]
    assert len(banner) == 1
    assert "TESTNET" in banner[0].message


def test_open_venue_when_live_without_credentials_then_refused() -> None:
    with pytest.raises(ValueError, match="needs credentials"):
        open_venue("orderly", live=True)


async def test_calls_when_logged_at_debug_then_no_secret_or_key_in_logs_or_errors(
    facade: Facade, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    venue = binance_venue(facade.base_url)
    try:
        await venue.place_order(BUY)
        await venue.get_order(SYMBOL, "dry-1")
        await venue.cancel_order(SYMBOL, "dry-1")
        await venue.balance()
    finally:
        await venue.close()
    wrong = binance_venue(facade.base_url, secret="wrong-secret-value-42")
    try:
        with pytest.raises(AuthenticationError) as info:
            await wrong.balance()
    finally:
        await wrong.close()
    assert "Request:" in caplog.text  # ccxt's debug lines were captured...
    for secret in (KEY, SECRET, "wrong-secret-value-42"):
        assert secret not in caplog.text  # ...with credentials masked
        assert secret not in str(info.value)
    assert SECRET not in repr(creds())


@pytest.mark.parametrize(
    ("name", "testnet", "url_key", "prefix"),
    [
        ("binance", True, "fapiPrivate", "https://testnet.binancefuture.com/fapi/"),
        ("binance", False, "fapiPrivate", "https://fapi.binance.com/fapi/"),
        ("orderly", True, "private", "https://testnet-api-evm.orderly.org"),
        ("orderly", False, "private", "https://api-evm.orderly.org"),
        ("hyperliquid", True, "private", "https://api.hyperliquid-testnet.xyz"),
        ("hyperliquid", False, "private", "https://api.hyperliquid.xyz"),
    ],
)
async def test_open_venue_when_network_chosen_then_client_points_at_it(
    name: str, testnet: bool, url_key: str, prefix: str
) -> None:
    venue = open_venue(name, testnet=testnet)
    assert isinstance(venue, DryRunVenue)
    assert isinstance(venue.inner, CcxtVenue)
    client = venue.inner.exchange
    assert client.urls["api"][url_key].startswith(prefix)
    if name == "hyperliquid":
        assert client.options["sandboxMode"] is testnet  # signs as testnet ("b") or mainnet ("a")
    client.timeout_on_exit = 0
    await venue.close()


async def test_open_venue_when_built_then_builder_referral_and_tags_switched_off() -> None:
    clients = {
        name: open_venue(name).inner.exchange for name in ("binance", "orderly", "hyperliquid")
    }  # type: ignore[attr-defined]
    binance, orderly, hyperliquid = clients["binance"], clients["orderly"], clients["hyperliquid"]
    assert set(binance.options["broker"].values()) == {"ga-"}
    assert orderly.options["sandboxMode"] is True  # ccxt adds order_tag only when this is off
    assert hyperliquid.options["builderFee"] is False
    assert hyperliquid.options["approvedBuilderFee"] is False
    assert hyperliquid.options["refSet"] is True
    assert await hyperliquid.initialize_client() is True  # no approval, no referral request
    for client in clients.values():
        client.timeout_on_exit = 0
        await client.close()


async def test_venue_from_settings_when_sections_given_then_network_and_credentials_used() -> None:
    orderly = OrderlySettings(
        api_key=SecretStr("ed25519:abc"), api_secret=SecretStr("ed25519:def"),
        account_id="0x1", testnet=False,
    )  # fmt: skip
    hyper = HyperliquidSettings(
        private_key=SecretStr("0x" + "11" * 32), wallet_address="0x" + "22" * 20
    )
    binance = BinanceSettings(base_url="http://127.0.0.1:9")
    opened = [
        venue_from_settings("orderly", orderly, live=True),
        venue_from_settings("hyperliquid", hyper),
        venue_from_settings("binance", binance),
    ]
    first = opened[0]
    assert isinstance(first, CcxtVenue)
    assert first.exchange.accountId == "0x1"
    assert first.exchange.urls["api"]["private"] == "https://api-evm.orderly.org"
    assert isinstance(opened[1], DryRunVenue)
    assert opened[2].inner.exchange.urls["api"]["fapiPrivate"].startswith("http://127.0.0.1:9/")  # type: ignore[attr-defined]
    for venue in opened:
        await venue.close()  # type: ignore[attr-defined]
