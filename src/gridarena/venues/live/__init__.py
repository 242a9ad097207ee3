"""Live venues through ccxt (Binance USD-M, Orderly/WOOFi Pro, Hyperliquid), dry run by default.

`open_venue` / `venue_from_settings` return a `DryRunVenue` (real reads, logged writes) unless
``live=True``; `CcxtVenue` is the `Venue` protocol over a ccxt async client, one account each.
"""

from __future__ import annotations

from gridarena.venues.live.dry_run import DryRunVenue
from gridarena.venues.live.factory import (
    PROFILES,
    credentials_from,
    open_venue,
    profile_for,
    venue_from_settings,
)
from gridarena.venues.live.profile import Credentials, VenueProfile
from gridarena.venues.live.venue import CcxtVenue

__all__ = [
    "PROFILES",
    "CcxtVenue",
    "Credentials",
    "DryRunVenue",
    "VenueProfile",
    "credentials_from",
    "open_venue",
    "profile_for",
    "venue_from_settings",
]
