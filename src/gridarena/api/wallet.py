"""Wallet authentication (seed 002's ``user_auth``): an EIP-191 ``personal_sign`` message.

The wallet signs, with ``personal_sign``, exactly::

    gridarena wants you to sign in with your Ethereum account:
    Address: 0xAbC...          (EIP-55 checksum address)
    Timestamp: 1700000000      (Unix seconds)
    Nonce: 3f2a...             (8-128 of [A-Za-z0-9_-], fresh per message)

``user_auth`` carries ``user_id`` (the address), ``signature`` (0x-prefixed hex),
``timestamp`` and ``nonce``. The recovered signer must be ``user_id``, the timestamp must be
within the signature window of our clock (either direction), and the (address, nonce) pair
is stored on first use: a replay answers NONCE_REUSED.
"""

from __future__ import annotations

import re
from typing import Annotated, Final

from eth_account import Account
from eth_account.messages import encode_defunct
from eth_utils.address import is_hex_address, to_checksum_address
from pydantic import BaseModel, ConfigDict, Field

from gridarena.api.errors import ApiError, ErrorCode

__all__ = [
    "NONCE_PATTERN",
    "WALLET_MESSAGE",
    "UserAuth",
    "verify_wallet_signature",
    "wallet_message",
]

WALLET_MESSAGE: Final = (
    "gridarena wants you to sign in with your Ethereum account:\n"
    "Address: {address}\n"
    "Timestamp: {timestamp}\n"
    "Nonce: {nonce}"
)
NONCE_PATTERN: Final = r"^[A-Za-z0-9_-]{8,128}$"
_SIGNATURE = re.compile(r"0x[0-9a-fA-F]{130}")


class UserAuth(BaseModel):
    """A wallet's signed proof of identity (seed 002's ``user_auth``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    user_id: Annotated[str, Field(pattern=r"^0x[0-9a-fA-F]{40}$", description="Wallet address.")]
    signature: Annotated[
        str, Field(pattern=r"^0x[0-9a-fA-F]{130}$", description="personal_sign signature.")
    ]
    timestamp: Annotated[int, Field(ge=0, le=10**11, description="Unix seconds.")]
    nonce: Annotated[str, Field(pattern=NONCE_PATTERN)]


def wallet_message(address: str, timestamp: int, nonce: str) -> str:
    """Return the exact text a wallet signs for ``address`` at ``timestamp`` with ``nonce``."""
    return WALLET_MESSAGE.format(
        address=to_checksum_address(address), timestamp=timestamp, nonce=nonce
    )


def verify_wallet_signature(auth: UserAuth, *, now: float, max_age_s: float) -> str:
    """Return the checksum address that signed ``auth``; raise ApiError otherwise.

    The nonce is not consumed here: the caller records it in the store (single use).
    """
    if not is_hex_address(auth.user_id) or not _SIGNATURE.fullmatch(auth.signature):
        raise ApiError(
            ErrorCode.SIGNATURE_INVALID, "malformed address or signature", field="user_auth"
        )
    address = to_checksum_address(auth.user_id)
    message = encode_defunct(text=wallet_message(address, auth.timestamp, auth.nonce))
    try:
        signer = Account.recover_message(message, signature=auth.signature)
    except Exception:  # any malformed signature (bad v, r, s) is simply not a valid one
        signer = None
    if signer is None or to_checksum_address(signer) != address:
        raise ApiError(
            ErrorCode.SIGNATURE_INVALID,
            "signature was not made by user_id",
            field="user_auth.signature",
        )
    if abs(now - auth.timestamp) > max_age_s:
        raise ApiError(
            ErrorCode.SIGNATURE_EXPIRED,
            f"user_auth.timestamp is more than {max_age_s:g} s away from server time",
            field="user_auth.timestamp",
        )
    return address
