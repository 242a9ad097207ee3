"""Request signing for Aster's two API versions; keys stay inside these objects.

V1 (Binance-compatible, ``V1(Legacy)/EN/aster-finance-futures-api.md`` "SIGNED Endpoint
security"): ``signature`` = hex HMAC-SHA256 of the query/body string, keyed by the API secret;
the API key travels in the ``X-MBX-APIKEY`` header; ``timestamp`` (ms) and ``recvWindow`` are
signed parameters.

V3 (API wallet / agent, ``V3(Recommended)/EN/aster-finance-futures-api-v3.md``, "Example of
POST /fapi/v3/order"): the business parameters plus ``nonce`` (µs), ``user`` (main wallet) and
``signer`` (API wallet) are URL-encoded into ``msg``; ``signature`` is the EIP-712 signature,
by the API wallet's key, of the typed data ``Message { string msg }`` in the domain
``{name: "AsterSignTransaction", version: "1", chainId: 1666 (testnet 714),
verifyingContract: 0x0000000000000000000000000000000000000000}``. The server checks it over the
query string exactly as sent, without ``signature``; we send the parameters sorted by key
(ASCII), the order Aster's "Difference between V1 and V3 interfaces.md" prescribes, so the
signed ``msg`` and the sent string are the same bytes either way.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any, ClassVar, Protocol
from urllib.parse import urlencode

from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_account.signers.local import LocalAccount
from eth_utils.address import is_address, to_checksum_address
from pydantic import SecretStr

Pairs = list[tuple[str, str]]

ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
_EIP712_DOMAIN_TYPE = [
    {"name": "name", "type": "string"},
    {"name": "version", "type": "string"},
    {"name": "chainId", "type": "uint256"},
    {"name": "verifyingContract", "type": "address"},
]


class Signer(Protocol):
    """Sign a request's parameters with one key; ``key_id`` names the key without revealing it."""

    key_id: str
    strict_stamps: ClassVar[bool]  # nonces must strictly increase (V3), timestamps may repeat
    stamp_divisor: ClassVar[int]  # µs per stamp unit: 1000 for ms timestamps, 1 for µs nonces

    def headers(self) -> dict[str, str]:
        """Return the headers every signed request carries."""
        ...

    def sign(self, params: Pairs, stamp: int) -> str:
        """Return the URL-encoded parameters, stamped and followed by ``&signature=``."""
        ...


def _key_id(prefix: str, public: str) -> str:
    return f"{prefix}:{hashlib.sha256(public.encode()).hexdigest()[:16]}"


class HmacSigner:
    """Aster V1 / Binance HMAC-SHA256 signing with an API key and secret."""

    strict_stamps: ClassVar[bool] = False
    stamp_divisor: ClassVar[int] = 1_000

    def __init__(self, api_key: SecretStr, api_secret: SecretStr, recv_window_ms: int) -> None:
        if not api_key.get_secret_value() or not api_secret.get_secret_value():
            raise ValueError("api_key and api_secret must not be empty")
        self._api_key = api_key
        self._secret = api_secret
        self.recv_window_ms = recv_window_ms
        self.key_id = _key_id("v1", api_key.get_secret_value())

    def __repr__(self) -> str:
        return f"HmacSigner(key_id={self.key_id!r})"

    def headers(self) -> dict[str, str]:
        """Return the API key header."""
        return {"X-MBX-APIKEY": self._api_key.get_secret_value()}

    def sign(self, params: Pairs, stamp: int) -> str:
        """Append ``timestamp`` (ms) and ``recvWindow``, then the HMAC of the whole string."""
        payload = urlencode(
            [*params, ("timestamp", str(stamp)), ("recvWindow", str(self.recv_window_ms))]
        )
        secret = self._secret.get_secret_value().encode()
        digest = hmac.new(secret, payload.encode(), hashlib.sha256).hexdigest()
        return f"{payload}&signature={digest}"


def typed_message(msg: str, chain_id: int) -> dict[str, Any]:
    """Return Aster's EIP-712 typed data for ``msg`` (the docs' ``typed_data``, verbatim)."""
    return {
        "types": {
            "EIP712Domain": _EIP712_DOMAIN_TYPE,
            "Message": [{"name": "msg", "type": "string"}],
        },
        "primaryType": "Message",
        "domain": {
            "name": "AsterSignTransaction",
            "version": "1",
            "chainId": chain_id,
            "verifyingContract": ZERO_ADDRESS,
        },
        "message": {"msg": msg},
    }


def sign_message(msg: str, account: LocalAccount, chain_id: int) -> str:
    """Return the 0x-prefixed EIP-712 signature of ``msg`` by ``account``."""
    signed = account.sign_message(encode_typed_data(full_message=typed_message(msg, chain_id)))
    return "0x" + bytes(signed.signature).hex()


def recover_signer(msg: str, signature: str, chain_id: int) -> str:
    """Return the checksummed address that produced ``signature`` over ``msg``."""
    signable = encode_typed_data(full_message=typed_message(msg, chain_id))
    address: str = Account.recover_message(signable, signature=bytes.fromhex(_strip0x(signature)))
    return address


def _strip0x(text: str) -> str:
    return text[2:] if text.lower().startswith("0x") else text


def checksum(address: str, name: str) -> str:
    """Return ``address`` checksummed, or raise ``ValueError`` naming the argument."""
    if not isinstance(address, str) or not is_address(address):
        raise ValueError(f"{name} must be a 0x-prefixed 20-byte address")
    return str(to_checksum_address(address))


class Eip712Signer:
    """Aster V3 signing by an API wallet (agent) on behalf of a main wallet.

    Only the agent's key is held: an agent can trade but not withdraw, and it is revocable. A
    key that belongs to the main wallet itself is refused.
    """

    strict_stamps: ClassVar[bool] = True
    stamp_divisor: ClassVar[int] = 1

    def __init__(self, user: str, signer: str, signer_key: SecretStr, chain_id: int) -> None:
        self.user = checksum(user, "user")
        self.signer = checksum(signer, "signer")
        if self.user == self.signer:
            raise ValueError("signer must be an API wallet (agent), not the main wallet itself")
        try:
            account: LocalAccount = Account.from_key(signer_key.get_secret_value())
        except Exception:  # the library's message may quote the key: say nothing of it
            raise ValueError("signer_private_key is not a valid secp256k1 private key") from None
        if account.address == self.user:
            raise ValueError("refusing the main wallet's private key: pass the API wallet's key")
        if account.address != self.signer:
            raise ValueError("signer_private_key does not belong to the signer address")
        self._account = account
        self.chain_id = chain_id
        self.key_id = _key_id("v3", self.signer)

    def __repr__(self) -> str:
        return f"Eip712Signer(user={self.user!r}, signer={self.signer!r})"

    def headers(self) -> dict[str, str]:
        """Return no extra headers: V3 authenticates through the parameters."""
        return {}

    def sign(self, params: Pairs, stamp: int) -> str:
        """Add ``nonce``/``user``/``signer``, sort by key, encode, and append the signature."""
        pairs = sorted(
            [*params, ("nonce", str(stamp)), ("user", self.user), ("signer", self.signer)],
            key=lambda kv: kv[0],
        )
        msg = urlencode(pairs)
        return f"{msg}&signature={sign_message(msg, self._account, self.chain_id)}"
