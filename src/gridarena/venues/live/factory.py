"""Open a ccxt venue: dry run unless asked for live trading, testnet unless asked for mainnet.

``live=True`` needs credentials and logs a loud warning banner; without it every mutating call
is answered locally by `DryRunVenue` while reads come from the venue. ``base_url`` overrides
the network's URL (tests point it at a local server).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Literal

from gridarena.config.venues import BinanceSettings, HyperliquidSettings, OrderlySettings
from gridarena.obs.logging import register_secrets
from gridarena.venues.base import Venue
from gridarena.venues.live.binance import BinanceProfile
from gridarena.venues.live.dry_run import DryRunVenue
from gridarena.venues.live.edge import wire_logger
from gridarena.venues.live.hyperliquid import HyperliquidProfile
from gridarena.venues.live.orderly import OrderlyProfile
from gridarena.venues.live.profile import ClientSettings, Credentials, VenueProfile
from gridarena.venues.live.venue import CcxtVenue

log = logging.getLogger(__name__)

LiveVenueName = Literal["binance", "orderly", "hyperliquid"]
PROFILES: dict[str, type[VenueProfile]] = {
    "binance": BinanceProfile,
    "binanceusdm": BinanceProfile,
    "orderly": OrderlyProfile,
    "woofipro": OrderlyProfile,
    "hyperliquid": HyperliquidProfile,
}
VenueSettings = BinanceSettings | OrderlySettings | HyperliquidSettings

BANNER = "=" * 72


def profile_for(name: str) -> VenueProfile:
    """Return the profile of a venue by our name or ccxt's id."""
    try:
        return PROFILES[name.lower()]()
    except KeyError:
        raise ValueError(f"no ccxt adapter for {name!r}; choose from {sorted(PROFILES)}") from None


def open_venue(
    name: str,
    *,
    credentials: Credentials | None = None,
    live: bool = False,
    testnet: bool = True,
    base_url: str | None = None,
    symbols: Iterable[str] = (),
    timeout_ms: int = 10_000,
    rate_limit: bool = True,
    poll_interval_s: float = 1.0,
) -> CcxtVenue | DryRunVenue:
    """Return a venue for one account: a `DryRunVenue` unless ``live`` is True."""
    profile = profile_for(name)
    creds = credentials or Credentials()
    if live and not creds.present:
        raise ValueError(f"live trading on {profile.name} needs credentials")
    secrets = creds.secret_values()
    register_secrets(secrets)
    url = base_url or profile.default_url(testnet)
    settings = ClientSettings(
        base_url=url,
        testnet=testnet,
        credentials=creds,
        timeout_ms=timeout_ms,
        rate_limit=rate_limit,
        logger=wire_logger(profile.name, secrets),
    )
    venue = CcxtVenue(
        profile, profile.create_client(settings), symbols=symbols, poll_interval_s=poll_interval_s
    )
    network = "TESTNET" if testnet else "MAINNET"
    if not live:
        log.info("%s %s at %s: DRY RUN, orders are logged, never sent", profile.name, network, url)
        return DryRunVenue(venue)
    for line in (
        BANNER,
        f"LIVE TRADING on {profile.name} {network} ({url}): orders WILL be sent",
        BANNER,
    ):
        log.warning(line)
    return venue


def credentials_from(settings: VenueSettings) -> Credentials:
    """Return the credentials a venue's settings section holds."""
    if isinstance(settings, HyperliquidSettings):
        return Credentials(private_key=settings.private_key, wallet_address=settings.wallet_address)
    account = settings.account_id if isinstance(settings, OrderlySettings) else None
    return Credentials(api_key=settings.api_key, secret=settings.api_secret, account_id=account)


def venue_from_settings(
    name: LiveVenueName,
    settings: VenueSettings,
    *,
    live: bool = False,
    symbols: Iterable[str] = (),
    timeout_ms: int = 10_000,
    poll_interval_s: float = 1.0,
) -> Venue:
    """Open a venue from its settings section (``settings.venues.binance``...)."""
    venue: Venue = open_venue(
        name,
        credentials=credentials_from(settings),
        live=live,
        testnet=settings.testnet,
        base_url=settings.effective_base_url,
        symbols=symbols,
        timeout_ms=timeout_ms,
        poll_interval_s=poll_interval_s,
    )
    return venue
