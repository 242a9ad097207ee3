"""Run the Binance USD-M facade for the live adapter tests, with every request recorded."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from pydantic import SecretStr
from test_facade_support import KEY, SECRET, make_app

from gridarena.venues.facade import FacadeApp, FacadeConfig, FaultConfig, serve_async
from gridarena.venues.live import CcxtVenue, Credentials, open_venue
from servers.recorder import Recorder

SYMBOL = "BTCUSDT"


@dataclass
class Facade:
    """A running facade: the app (faults, venue state), its request log and its URL."""

    app: FacadeApp
    recorder: Recorder
    base_url: str

    async def advance(self, candles: int = 1) -> None:
        """Move the manual clock by whole candles."""
        async with httpx.AsyncClient(base_url=self.base_url) as http:
            (await http.post("/sim/advance", params={"candles": candles})).raise_for_status()

    async def truth(self, account: str = "alice") -> dict[str, Any]:
        """Return the venue's own record of an account's orders by client id."""
        async with httpx.AsyncClient(base_url=self.base_url) as http:
            orders: dict[str, Any] = (await http.get("/sim/orders")).json()["accounts"][account]
            return orders


@asynccontextmanager
async def running_facade() -> AsyncIterator[Facade]:
    """Serve the facade over the swing market (60 000 ± 100) with one candle replayed."""
    app = make_app(config=FacadeConfig(faults=FaultConfig(timeout_delay_s=5.0)))
    recorder = Recorder(app)
    async with serve_async(recorder) as running:
        facade = Facade(app, recorder, running.base_url)
        await facade.advance()
        yield facade


def binance_venue(
    base_url: str, *, key: str = KEY, secret: str = SECRET, **kwargs: Any
) -> CcxtVenue:
    """Return a live Binance venue on ``base_url`` with the test keys."""
    creds = Credentials(api_key=SecretStr(key), secret=SecretStr(secret))
    options: dict[str, Any] = {"rate_limit": False, "timeout_ms": 2_000, "poll_interval_s": 0.005}
    venue = open_venue(
        "binance", credentials=creds, live=True, base_url=base_url, **(options | kwargs)
    )
    assert isinstance(venue, CcxtVenue)
    venue.exchange.timeout_on_exit = 0  # loopback: nothing to wait for on close
    return venue
