"""`AsterV1Venue`: Aster's Binance-compatible V1 API, signed with an API key and HMAC secret."""

from __future__ import annotations

from collections.abc import Callable

import httpx
from pydantic import SecretStr

from gridarena.obs.logging import register_secrets
from gridarena.venues.aster.config import V1_BASE_URLS, V1_PATHS, AsterHttpConfig, AsterNetwork
from gridarena.venues.aster.http import AsterHttp, wall_clock_us
from gridarena.venues.aster.signing import HmacSigner
from gridarena.venues.aster.venue import AsterVenue


def _secret(value: str | SecretStr) -> SecretStr:
    return value if isinstance(value, SecretStr) else SecretStr(value)


class AsterV1Venue(AsterVenue):
    """An Aster account traded through ``/fapi/v1`` with ``X-MBX-APIKEY`` and HMAC-SHA256.

    ``base_url`` overrides the network's URL (a local facade in tests); ``transport`` swaps the
    HTTP transport (tests); ``clock_us`` is the wall clock the timestamps come from.
    """

    name = "aster-v1"

    def __init__(
        self,
        api_key: str | SecretStr,
        api_secret: str | SecretStr,
        *,
        network: AsterNetwork | str = AsterNetwork.MAINNET,
        base_url: str | None = None,
        config: AsterHttpConfig | None = None,
        clock_us: Callable[[], int] = wall_clock_us,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        config = config or AsterHttpConfig()
        key, secret = _secret(api_key), _secret(api_secret)
        register_secrets([key, secret])
        signer = HmacSigner(key, secret, config.recv_window_ms)
        url = base_url or V1_BASE_URLS[AsterNetwork(network)]
        http = AsterHttp(url, signer, config, clock_us=clock_us, transport=transport)
        super().__init__(http, V1_PATHS, config)

    def __repr__(self) -> str:
        return f"AsterV1Venue({self._http!r})"
