"""`AsterV3Venue`: Aster's V3 API, signed by an API wallet (agent) for a main wallet.

The main wallet's private key is never needed and there is no argument for it: the venue takes
the main wallet's *address*, the agent's address and the agent's key. A key that turns out to be
the main wallet's own is refused.
"""

from __future__ import annotations

from collections.abc import Callable

import httpx
from pydantic import SecretStr

from gridarena.obs.logging import register_secrets
from gridarena.venues.aster.config import (
    V3_BASE_URLS,
    V3_CHAIN_IDS,
    V3_PATHS,
    AsterHttpConfig,
    AsterNetwork,
)
from gridarena.venues.aster.http import AsterHttp, wall_clock_us
from gridarena.venues.aster.signing import Eip712Signer
from gridarena.venues.aster.venue import AsterVenue


class AsterV3Venue(AsterVenue):
    """An Aster account traded through ``/fapi/v3`` with EIP-712 agent signatures.

    ``chain_id`` overrides the network's EIP-712 chain id (1666 mainnet, 714 testnet);
    ``base_url``, ``transport`` and ``clock_us`` (microseconds, for nonces) serve tests.
    """

    name = "aster-v3"

    def __init__(
        self,
        user: str,
        signer: str,
        signer_private_key: SecretStr,
        *,
        network: AsterNetwork | str = AsterNetwork.MAINNET,
        base_url: str | None = None,
        chain_id: int | None = None,
        config: AsterHttpConfig | None = None,
        clock_us: Callable[[], int] = wall_clock_us,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        if not isinstance(signer_private_key, SecretStr):
            raise TypeError("signer_private_key must be a pydantic SecretStr")
        register_secrets([signer_private_key])
        config = config or AsterHttpConfig()
        net = AsterNetwork(network)
        chain = chain_id if chain_id is not None else V3_CHAIN_IDS[net]
        eip712 = Eip712Signer(user, signer, signer_private_key, chain)
        url = base_url or V3_BASE_URLS[net]
        http = AsterHttp(url, eip712, config, clock_us=clock_us, transport=transport)
        super().__init__(http, V3_PATHS, config)
        self.user = eip712.user
        self.signer = eip712.signer
        self.chain_id = chain

    def __repr__(self) -> str:
        return f"AsterV3Venue({self._http!r})"
