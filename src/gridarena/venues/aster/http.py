"""The HTTP edge: one `httpx.AsyncClient` per venue, signed calls, rate-limit headers, errors.

Parameters go in the query string for GET and DELETE, in a form-encoded body for POST and PUT;
either way the bytes sent are exactly the bytes signed. Logs name the route and the status,
never parameters, headers or keys.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import httpx

from gridarena.venues.aster.config import AsterHttpConfig
from gridarena.venues.aster.errors import UNCERTAIN, from_response, from_transport, resolve
from gridarena.venues.aster.keys import key_state
from gridarena.venues.aster.signing import Pairs, Signer

log = logging.getLogger(__name__)

_WEIGHT_PREFIX = "x-mbx-used-weight-"
_ORDERS_PREFIX = "x-mbx-order-count-"
_FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def wall_clock_us() -> int:
    """Return the wall clock in microseconds (V3 nonces; V1 timestamps divide by 1000)."""
    return time.time_ns() // 1_000


@dataclass(slots=True)
class RateState:
    """Limits the venue reported on its latest answers.

    ``used_weight`` is the IP's request weight per interval (``{"1m": 12}``), ``order_count``
    the account's orders per interval (``{"1m": 3, "10s": 1}``); ``retry_after_s`` is set by the
    latest 429/418 and cleared by the next success.
    """

    used_weight: dict[str, int] = field(default_factory=dict)
    order_count: dict[str, int] = field(default_factory=dict)
    retry_after_s: float | None = None
    updated_us: int = 0

    @property
    def used_weight_1m(self) -> int | None:
        """Return the request weight used in the current minute, if reported."""
        return self.used_weight.get("1m")

    @property
    def order_count_1m(self) -> int | None:
        """Return the orders sent in the current minute, if reported."""
        return self.order_count.get("1m")

    def update(self, headers: httpx.Headers, now_us: int) -> None:
        """Read ``X-MBX-USED-WEIGHT-*`` and ``X-MBX-ORDER-COUNT-*`` from an answer."""
        for name, value in headers.items():
            lower = name.lower()
            for prefix, target in (
                (_WEIGHT_PREFIX, self.used_weight),
                (_ORDERS_PREFIX, self.order_count),
            ):
                if lower.startswith(prefix) and value.strip().isdigit():
                    target[lower[len(prefix) :]] = int(value)
        self.updated_us = now_us


class AsterHttp:
    """Send public and signed requests to one Aster base URL with one key."""

    def __init__(
        self,
        base_url: str,
        signer: Signer,
        config: AsterHttpConfig,
        *,
        clock_us: Callable[[], int] = wall_clock_us,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._client = httpx.AsyncClient(
            base_url=base_url.rstrip("/"),
            timeout=config.timeout(),
            transport=transport,
            headers={"User-Agent": "gridarena"},
        )
        self._signer = signer
        self._key = key_state(signer.key_id)
        self._clock_us = clock_us
        self.rate_state = RateState()

    def __repr__(self) -> str:
        return f"AsterHttp(base_url={self.base_url!r}, signer={self._signer!r})"

    @property
    def base_url(self) -> str:
        """Return the venue's base URL."""
        return str(self._client.base_url).rstrip("/")

    def now_us(self) -> int:
        """Return this client's wall clock in microseconds."""
        return self._clock_us()

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._client.aclose()

    async def public(self, path: str, params: Pairs) -> Any:
        """GET a public route."""
        return await self._send("GET", path, urlencode(params), {}, mutating=False)

    async def signed(self, method: str, path: str, params: Pairs, *, mutating: bool) -> Any:
        """Send a signed request; calls with this key run one at a time, stamps in order."""
        async with self._key.lock():
            now = self._clock_us() // self._signer.stamp_divisor
            stamp = self._key.next_stamp(now, strict=self._signer.strict_stamps)
            payload = self._signer.sign(params, stamp)
            return await self._send(
                method, path, payload, self._signer.headers(), mutating=mutating
            )

    async def _send(
        self, method: str, path: str, payload: str, headers: dict[str, str], *, mutating: bool
    ) -> Any:
        what = f"{method} {path}"
        in_body = method in ("POST", "PUT")
        url = path if in_body or not payload else f"{path}?{payload}"
        try:
            response = await self._client.request(
                method,
                url,
                content=payload.encode() if in_body else None,
                headers={**headers, **_FORM} if in_body else headers,
            )
        except httpx.TransportError as exc:
            log.info("aster %s failed: %s", what, type(exc).__name__)
            raise from_transport(exc, what=what, mutating=mutating) from exc
        self.rate_state.update(response.headers, self._clock_us())
        log.debug(
            "aster %s -> %s (weight 1m %s)",
            what,
            response.status_code,
            self.rate_state.used_weight_1m,
        )
        if response.status_code >= 400:
            error = from_response(response, what=what, mutating=mutating)
            self.rate_state.retry_after_s = getattr(error, "retry_after", None)
            raise error
        self.rate_state.retry_after_s = None
        try:
            data = response.json()
        except ValueError:
            # Accepted but unreadable: a mutation may have happened.
            cls = resolve(UNCERTAIN, mutating=mutating)
            raise cls(f"{what}: HTTP {response.status_code}: unreadable body") from None
        code = data.get("code") if isinstance(data, dict) else None
        if isinstance(code, int) and not isinstance(code, bool) and code < 0:
            raise from_response(response, what=what, mutating=mutating)
        return data
