"""Aster perpetuals: the `Venue` protocol over Aster's V1 (HMAC) and V3 (EIP-712 agent) APIs."""

from __future__ import annotations

from gridarena.venues.aster.config import (
    V1_BASE_URLS,
    V3_BASE_URLS,
    V3_CHAIN_IDS,
    AsterHttpConfig,
    AsterNetwork,
)
from gridarena.venues.aster.errors import CODE_FAMILIES
from gridarena.venues.aster.http import RateState
from gridarena.venues.aster.v1 import AsterV1Venue
from gridarena.venues.aster.v3 import AsterV3Venue
from gridarena.venues.aster.venue import ASTER_CAPABILITIES, AsterVenue

__all__ = [
    "ASTER_CAPABILITIES",
    "CODE_FAMILIES",
    "V1_BASE_URLS",
    "V3_BASE_URLS",
    "V3_CHAIN_IDS",
    "AsterHttpConfig",
    "AsterNetwork",
    "AsterV1Venue",
    "AsterV3Venue",
    "AsterVenue",
    "RateState",
]
