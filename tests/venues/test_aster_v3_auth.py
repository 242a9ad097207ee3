"""V3 signing: the exact scheme; the server refuses tampered, foreign and stale requests."""

from __future__ import annotations

import time
from urllib.parse import parse_qsl

import httpx
import pytest
from aster_support import AGENT, CHAIN_ID, LATE, MAIN, STRANGER, v3_server, v3_venue
from aster_v3_auth import NONCE_CODE, digest, recover
from eth_account import Account
from pydantic import SecretStr

from gridarena.venues.aster import AsterNetwork, AsterV1Venue, AsterV3Venue
from gridarena.venues.aster.signing import Eip712Signer, recover_signer, sign_message
from gridarena.venues.errors import AuthenticationError

# The demo credentials printed in Aster's V3 docs ("the privateKey corresponds to the signer").
DOC_USER = "0x63DD5aCC6b1aa0f563956C0e534DD30B6dcF7C4e"
DOC_SIGNER = "0x21cF8Ae13Bb72632562c6Fff438652Ba1a151bb0"
DOC_KEY = "0x4fd0a42218f3eae43a6ce26d22544e986139a01e5b34a62db53757ffca81bae1"


def now_us() -> int:
    return time.time_ns() // 1_000


def signer(key: str = AGENT.key.to_0x_hex(), address: str = AGENT.address) -> Eip712Signer:
    return Eip712Signer(MAIN.address, address, SecretStr(key), CHAIN_ID)


def test_sign_when_docs_demo_key_then_signer_recovers_and_params_sorted() -> None:
    demo = Eip712Signer(DOC_USER, DOC_SIGNER, SecretStr(DOC_KEY), 1666)
    payload = demo.sign([("symbol", "ASTERUSDT"), ("type", "LIMIT"), ("side", "BUY")], 1)
    msg, _, sig = payload.rpartition("&signature=")
    keys = [k for k, _ in parse_qsl(msg)]
    assert keys == sorted(keys) == ["nonce", "side", "signer", "symbol", "type", "user"]
    assert dict(parse_qsl(msg))["user"] == DOC_USER
    assert recover(msg, sig, 1666) == DOC_SIGNER  # hand-built EIP-712 digest
    assert recover_signer(msg, sig, 1666) == DOC_SIGNER  # eth-account's encoder
    assert recover(msg, sig, 714) != DOC_SIGNER  # the chain id is part of the domain


def test_digest_when_hand_built_then_client_signs_that_exact_hash() -> None:
    # ECDSA over secp256k1 is deterministic (RFC 6979): same key and hash, same signature.
    by_hash = Account.unsafe_sign_hash(digest("a=1&b=2", CHAIN_ID), AGENT.key)
    assert sign_message("a=1&b=2", AGENT, CHAIN_ID) == by_hash.signature.to_0x_hex()


def test_constructor_when_main_wallet_key_then_refused() -> None:
    key = SecretStr(MAIN.key.to_0x_hex())
    with pytest.raises(ValueError, match="main wallet") as info:
        AsterV3Venue(MAIN.address, AGENT.address, key)
    assert MAIN.key.hex() not in str(info.value)
    with pytest.raises(ValueError, match="API wallet"):
        AsterV3Venue(MAIN.address, MAIN.address, key)
    with pytest.raises(ValueError, match="does not belong"):
        AsterV3Venue(MAIN.address, AGENT.address, SecretStr(STRANGER.key.to_0x_hex()))
    with pytest.raises(TypeError, match="SecretStr"):
        AsterV3Venue(MAIN.address, AGENT.address, AGENT.key.to_0x_hex())  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="not a valid"):
        AsterV3Venue(MAIN.address, AGENT.address, SecretStr("0xnot-a-key"))


async def test_constructor_when_network_chosen_then_host_and_chain_id_follow() -> None:
    key = SecretStr(AGENT.key.to_0x_hex())
    async with AsterV3Venue(MAIN.address, AGENT.address, key) as main:
        assert main.base_url == "https://fapi.asterdex.com"
        assert main.chain_id == 1666
    testnet = AsterV3Venue(MAIN.address, AGENT.address, key, network=AsterNetwork.TESTNET)
    async with testnet:
        assert testnet.base_url == "https://fapi.asterdex-testnet.com"
        assert testnet.chain_id == 714
    async with AsterV1Venue("k" * 8, "s" * 8, network="testnet") as v1:
        assert v1.base_url == "https://fapi.asterdex-testnet.com"


async def _send(base_url: str, payload: str) -> httpx.Response:
    async with httpx.AsyncClient(base_url=base_url) as http:
        return await http.get(f"/fapi/v3/openOrders?{payload}")


async def test_request_when_param_tampered_then_signature_refused() -> None:
    async with v3_server() as (server, base_url):
        payload = signer().sign([("symbol", "BTCUSDT")], now_us())
        tampered = payload.replace("symbol=BTCUSDT", "symbol=ETHUSDT")
        resp = await _send(base_url, tampered)
        assert (resp.status_code, resp.json()["code"]) == (400, -1022)
        assert (await _send(base_url, payload)).status_code == 200
        assert server.refused == [-1022]


async def test_request_when_signed_by_another_key_then_refused() -> None:
    async with v3_server() as (server, base_url):
        # Claims to be AGENT but is signed with STRANGER's key.
        forged = signer(STRANGER.key.to_0x_hex(), STRANGER.address)
        payload = forged.sign([], now_us()).replace(STRANGER.address, AGENT.address)
        assert (await _send(base_url, payload)).json()["code"] == -1022
        # Correctly signed by a key the main wallet never approved.
        assert (await _send(base_url, forged.sign([], now_us()))).json()["code"] == -2015
        assert server.refused == [-1022, -2015]


async def test_request_when_nonce_reused_or_stale_then_refused() -> None:
    async with v3_server() as (server, base_url):
        nonce = now_us()
        payload = signer().sign([], nonce)
        assert (await _send(base_url, payload)).status_code == 200
        replay = await _send(base_url, payload)
        assert (replay.status_code, replay.json()["code"]) == (400, NONCE_CODE)
        stale = await _send(base_url, signer().sign([], nonce - 60_000_000))
        assert stale.json()["code"] == NONCE_CODE
        assert server.refused == [NONCE_CODE, NONCE_CODE]


async def test_venue_when_clock_stale_then_authentication_error() -> None:
    async with v3_server() as (_, base_url):
        async with v3_venue(base_url, LATE, clock_us=lambda: now_us() - 3_600_000_000) as venue:
            with pytest.raises(AuthenticationError) as info:
                await venue.balance()
        assert info.value.code == NONCE_CODE
        assert not info.value.retryable


def test_sign_message_when_same_input_then_deterministic_0x_hex() -> None:
    one = sign_message("x=1", AGENT, CHAIN_ID)
    assert one == sign_message("x=1", AGENT, CHAIN_ID)
    assert one.startswith("0x")
    assert len(one) == 2 + 130
