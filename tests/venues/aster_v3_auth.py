"""Aster V3 request authentication as the venue performs it, written independently of the client.

The digest is built by hand from EIP-712 (keccak of ``0x1901 ‖ domainSeparator ‖
hashStruct(Message)``) rather than with eth-account's typed-data encoder the client uses, so a
client that built the wrong typed data would fail here. Source of the rules:
github.com/asterdex/api-docs, ``V3(Recommended)/EN/aster-finance-futures-api-v3.md`` —
"Example of POST /fapi/v3/order" (domain, ``Message{msg}``, ``msg`` = the sent parameter string
without ``signature``) and "V3 Nonce Mechanism" (µs nonces, a freshness window, the last 100
nonces per agent: reused → refused, below their minimum when full → expired).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

from eth_keys import keys
from eth_keys.exceptions import BadSignature, ValidationError
from eth_utils import keccak, to_checksum_address

from gridarena.venues.facade.errors import BinanceError

NONCE_CODE = -4225  # Aster answers "Nonce Expired" with this code (noop example in the docs)
_DOMAIN_TYPE = b"EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"
_MESSAGE_TYPE = b"Message(string msg)"
_KEEP = 100


def digest(msg: str, chain_id: int) -> bytes:
    """Return the EIP-712 hash Aster's ``Message{msg}`` signature covers."""
    domain = keccak(
        keccak(_DOMAIN_TYPE)
        + keccak(b"AsterSignTransaction")
        + keccak(b"1")
        + chain_id.to_bytes(32, "big")
        + bytes(32)  # verifyingContract 0x0…0, left-padded to a word
    )
    struct = keccak(keccak(_MESSAGE_TYPE) + keccak(msg.encode()))
    return keccak(b"\x19\x01" + domain + struct)


def recover(msg: str, signature: str, chain_id: int) -> str | None:
    """Return the checksummed signer of ``signature`` over ``msg``, or None if malformed."""
    try:
        raw = bytes.fromhex(signature[2:] if signature.lower().startswith("0x") else signature)
        if len(raw) != 65:
            return None
        v = raw[64] - 27 if raw[64] >= 27 else raw[64]
        sig = keys.Signature(raw[:64] + bytes([v]))
        return str(
            sig.recover_public_key_from_msg_hash(digest(msg, chain_id)).to_checksum_address()
        )
    except (ValueError, BadSignature, ValidationError):
        return None


def split_signature(raw: str) -> tuple[str, str | None]:
    """Return the sent parameter string without its ``signature`` pair, and the signature."""
    kept, signature = [], None
    for pair in raw.split("&") if raw else []:
        if pair.startswith("signature="):
            signature = pair[len("signature=") :]
        else:
            kept.append(pair)
    return "&".join(kept), signature


@dataclass
class NonceBook:
    """The recent nonces of one agent."""

    seen: deque[int] = field(default_factory=deque)

    def admit(self, nonce: int, now_us: int, window_us: int) -> None:
        """Accept ``nonce`` or raise the venue's refusal."""
        if nonce in self.seen:
            raise BinanceError(NONCE_CODE, "Nonce is duplicated.")
        if abs(now_us - nonce) > window_us:
            raise BinanceError(NONCE_CODE, "Nonce Expired")
        if len(self.seen) >= _KEEP:
            if nonce < min(self.seen):
                raise BinanceError(NONCE_CODE, "Nonce Expired")
            self.seen.remove(min(self.seen))
        self.seen.append(nonce)


@dataclass
class Authority:
    """Approved agents per main wallet, their accounts, and their nonce books."""

    chain_id: int
    agents: dict[tuple[str, str], str]  # (user, signer) → account name
    window_us: int = 10_000_000
    books: dict[str, NonceBook] = field(default_factory=dict)

    def verify(self, raw: str, now_us: int) -> tuple[str, dict[str, str]]:
        """Return (account, params) of a correctly signed, fresh request, else raise."""
        msg, signature = split_signature(raw)
        params = dict(parse_qsl(msg, keep_blank_values=True))
        for name in ("user", "signer", "nonce"):
            if not params.get(name):
                raise BinanceError(-1102, f"Mandatory parameter '{name}' was not sent.")
        if not signature:
            raise BinanceError(-1102, "Mandatory parameter 'signature' was not sent.")
        try:
            user = to_checksum_address(params["user"])
            signer = to_checksum_address(params["signer"])
            nonce = int(params["nonce"])
        except ValueError:
            raise BinanceError(-1100, "Illegal characters found in a parameter.") from None
        if recover(msg, signature, self.chain_id) != signer:
            raise BinanceError(-1022, "Signature for this request is not valid.")
        account = self.agents.get((user, signer))
        if account is None:
            raise BinanceError(-2015, "Invalid API-key, IP, or permissions for action.", status=401)
        self.books.setdefault(signer, NonceBook()).admit(nonce, now_us, self.window_us)
        return account, params
