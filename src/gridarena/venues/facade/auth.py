"""Signed requests: API key → sub-account, HMAC-SHA256 signature and the receive window.

Binance signs ``totalParams`` = query string followed by the request body, without the
``signature`` parameter. The receive window is checked against the wall clock, never the replay
clock: clients sign with their own clock while the venue may be replaying 2022.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from gridarena.venues.facade.errors import BinanceError, bad_signature, invalid_key, missing
from gridarena.venues.facade.params import Params, parse_params

API_KEY_HEADER = "x-mbx-apikey"


@dataclass(frozen=True, slots=True)
class Credential:
    """An API key's secret and the sub-account it trades; the secret is never shown."""

    secret: str
    account: str

    def __repr__(self) -> str:
        return f"Credential(secret='***', account={self.account!r})"


def credentials(keys: Mapping[str, tuple[str, str]]) -> dict[str, Credential]:
    """Turn ``{api_key: (secret, account)}`` into credentials, rejecting empty values."""
    out: dict[str, Credential] = {}
    for key, (secret, account) in keys.items():
        if not key or not secret or not account:
            raise ValueError("API keys need a non-empty key, secret and account")
        out[key] = Credential(secret, account)
    return out


def _split_signature(raw: str) -> tuple[str, str | None]:
    """Return ``raw`` without its ``signature=`` pair, and the signature."""
    if "signature=" not in raw:
        return raw, None
    kept: list[str] = []
    signature: str | None = None
    for pair in raw.split("&"):
        if pair.startswith("signature="):
            signature = pair[len("signature=") :]
        else:
            kept.append(pair)
    return "&".join(kept), signature


def sign(secret: str, payload: str) -> str:
    """Return the hex HMAC-SHA256 of ``payload`` (what clients append as ``signature``)."""
    return hmac.new(secret.encode(), payload.encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True, slots=True)
class Authenticator:
    """Check signed requests for a set of keys and a receive-window policy."""

    keys: Mapping[str, Credential]
    wall_ms: Callable[[], int]
    max_recv_window_ms: int = 60_000
    default_recv_window_ms: int = 5_000
    ahead_tolerance_ms: int = 1_000

    def account_of(self, api_key: str | None) -> str | None:
        """Return the account an API key trades (None when unknown), without verifying."""
        cred = self.keys.get(api_key or "")
        return cred.account if cred is not None else None

    def verify(self, api_key: str | None, query: str, body: str) -> tuple[str, Params]:
        """Return (account, params) of a correctly signed, timely request, else raise."""
        if not api_key:
            raise BinanceError(-2014, "API-key format invalid.", status=401)
        cred = self.keys.get(api_key)
        if cred is None:
            raise invalid_key()
        q, sig_q = _split_signature(query)
        b, sig_b = _split_signature(body)
        params = Params(parse_params(q, b))
        signature = sig_q or sig_b
        if not signature:
            raise missing("signature")
        timestamp = params.integer("timestamp")
        if timestamp is None:
            raise missing("timestamp")
        if not hmac.compare_digest(sign(cred.secret, q + b), signature.lower()):
            raise bad_signature()
        self._check_window(params, timestamp)
        return cred.account, params

    def _check_window(self, params: Params, timestamp: int) -> None:
        window = params.integer("recvWindow", self.default_recv_window_ms)
        assert window is not None
        if not 0 < window <= self.max_recv_window_ms:
            raise BinanceError(-1130, "Data sent for parameter 'recvWindow' is not valid.")
        now = self.wall_ms()
        if timestamp >= now + self.ahead_tolerance_ms:
            raise BinanceError(
                -1021,
                f"Timestamp for this request was {self.ahead_tolerance_ms}ms ahead of the "
                "server's time.",
            )
        if now - timestamp > window:
            raise BinanceError(-1021, "Timestamp for this request is outside of the recvWindow.")
