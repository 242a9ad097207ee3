"""Shared pieces of the Aster adapter tests: the facade (V1) and the local V3 server.

The facade is Binance USD-M compatible, which Aster's V1 API is; the V3 server checks EIP-712
agent signatures as Aster does. Both replay the facade tests' swing market: every candle opens
and closes at 60 000 and swings 100 either side, so a buy resting at 59 950 fills next candle.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
from aster_server import AsterV3Server, create_v3_app
from aster_v3_auth import Authority
from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_utils import keccak
from pydantic import SecretStr
from test_facade_support import ACCOUNT, KEY, SECRET, make_app, make_exchange

from gridarena.venues.aster import AsterHttpConfig, AsterV1Venue, AsterV3Venue
from gridarena.venues.facade import FacadeApp, FacadeConfig, serve_async

FAST = AsterHttpConfig(timeout_s=2.0, connect_timeout_s=2.0)
CHAIN_ID = 714  # testnet's EIP-712 chain id


def wallet(seed: str) -> LocalAccount:
    """Return a deterministic test wallet."""
    account: LocalAccount = Account.from_key(keccak(text=f"gridarena-test-{seed}"))
    return account


MAIN, AGENT, STRANGER = wallet("main"), wallet("agent"), wallet("stranger")
# An approved agent only ever used with a stale clock: nonces are monotonic per key for the
# whole process, so a key once used with a fresh clock would never look stale again.
LATE = wallet("late")


async def advance(base_url: str, candles: int = 1) -> None:
    """Move the server's market ``candles`` candles."""
    async with httpx.AsyncClient(base_url=base_url) as http:
        (await http.post("/sim/advance", params={"candles": candles})).raise_for_status()


async def facade_truth(base_url: str, account: str = ACCOUNT) -> dict[str, Any]:
    """Return the facade's own record of an account's orders, by client id."""
    async with httpx.AsyncClient(base_url=base_url) as http:
        orders: dict[str, Any] = (await http.get("/sim/orders")).json()["accounts"][account]
        return orders


@asynccontextmanager
async def facade(config: FacadeConfig | None = None) -> AsyncIterator[tuple[FacadeApp, str]]:
    """Serve the facade on a free loopback port, one candle into the replay."""
    app = make_app(config=config)
    async with serve_async(app) as running:
        await advance(running.base_url)
        yield app, running.base_url


def v1_venue(base_url: str, config: AsterHttpConfig = FAST, **kwargs: Any) -> AsterV1Venue:
    """Return a V1 venue with the facade's first test key."""
    return AsterV1Venue(KEY, SecretStr(SECRET), base_url=base_url, config=config, **kwargs)


@asynccontextmanager
async def v3_server(
    wall_us: Callable[[], int] | None = None,
) -> AsyncIterator[tuple[AsterV3Server, str]]:
    """Serve the V3 server with MAIN's account traded by its approved agents AGENT and LATE."""
    agents = {(MAIN.address, AGENT.address): ACCOUNT, (MAIN.address, LATE.address): ACCOUNT}
    auth = Authority(CHAIN_ID, agents)
    server = AsterV3Server(make_exchange(), auth, **({"wall_us": wall_us} if wall_us else {}))
    async with serve_async(create_v3_app(server)) as running:
        await advance(running.base_url)
        yield server, running.base_url


def v3_venue(base_url: str, signer: LocalAccount = AGENT, **kwargs: Any) -> AsterV3Venue:
    """Return a V3 venue trading MAIN's account with ``signer``'s key."""
    return AsterV3Venue(
        MAIN.address,
        signer.address,
        SecretStr(signer.key.to_0x_hex()),
        base_url=base_url,
        chain_id=CHAIN_ID,
        config=FAST,
        **kwargs,
    )
