"""POST /api/grid/start: EIP-191 wallet signatures (keys made by eth-account), window, nonces."""

from __future__ import annotations

import secrets
from typing import Any

import pytest
from api_control_fake import RecordingControl
from api_support import FixedClock, Keys, World, error_code, unique_symbol
from eth_account import Account
from eth_account.messages import encode_defunct
from fastapi.testclient import TestClient

from gridarena.api.errors import ApiError
from gridarena.api.wallet import UserAuth, verify_wallet_signature, wallet_message


def _auth(account: Any, at: float, nonce: str | None = None, **changes: Any) -> dict[str, Any]:
    nonce = nonce or secrets.token_hex(16)
    text = wallet_message(account.address, int(at), nonce)
    signed = Account.sign_message(encode_defunct(text=text), private_key=account.key)
    auth = {
        "user_id": account.address,
        "signature": "0x" + signed.signature.hex().removeprefix("0x"),
        "timestamp": int(at),
        "nonce": nonce,
    }
    return auth | changes


def _start(model: str, auth: dict[str, Any], **changes: Any) -> dict[str, Any]:
    body = {
        "model": model,
        "ticker": unique_symbol(),
        "direction": "BOTH",
        "current_price": 42500,
        "upper_bound": 45000,
        "lower_bound": 40000,
        "grid_levels": 6,
        "total_margin": 1000,
        "grid_type": "ARITHMETIC",
        "user_auth": auth,
    }
    return body | changes


def test_start_when_wallet_signature_valid_then_engine_starts_grid_for_that_owner(
    engine_client: TestClient,
    keys: Keys,
    world: World,
    clock: FixedClock,
    control: RecordingControl,
) -> None:
    wallet = Account.create()

    response = engine_client.post(
        "/api/grid/start",
        json=_start(world.model, _auth(wallet, clock())),
        headers=keys.headers("trade"),
    )

    assert response.status_code == 200, response.text
    name, (model, spec, owner, reference) = control.calls[-1]
    assert (name, model, owner) == ("start_grid", world.model, wallet.address)
    assert (spec.grids, spec.lower, spec.upper, spec.base_allocation) == (5, 40000, 45000, 1000)
    assert reference == 42500


def test_start_when_geometric_then_price_anchored_spec_with_ratio(
    engine_client: TestClient,
    keys: Keys,
    world: World,
    clock: FixedClock,
    control: RecordingControl,
) -> None:
    body = _start(
        world.model, _auth(Account.create(), clock()), grid_type="GEOMETRIC", grid_ratio=0.05
    )

    response = engine_client.post("/api/grid/start", json=body, headers=keys.headers("trade"))

    assert response.status_code == 200, response.text
    spec = control.calls[-1][1][1]
    assert (spec.spacing.value, spec.grid_levels_each_side, str(spec.grid_ratio)) == (
        "geometric_from_price",
        3,
        "0.05",
    )


def test_start_when_nonce_replayed_then_409_nonce_reused(
    engine_client: TestClient, keys: Keys, world: World, clock: FixedClock
) -> None:
    auth = _auth(Account.create(), clock())

    first = engine_client.post(
        "/api/grid/start", json=_start(world.model, auth), headers=keys.headers("trade")
    )
    replay = engine_client.post(
        "/api/grid/start", json=_start(world.model, auth), headers=keys.headers("trade")
    )

    assert first.status_code == 200
    assert (replay.status_code, error_code(replay)) == (409, "NONCE_REUSED")
    assert replay.json()["error"]["field"] == "user_auth.nonce"


def test_start_when_signed_by_another_wallet_then_401_signature_invalid(
    engine_client: TestClient, keys: Keys, world: World, clock: FixedClock
) -> None:
    victim, attacker = Account.create(), Account.create()
    auth = _auth(attacker, clock(), user_id=victim.address)

    response = engine_client.post(
        "/api/grid/start", json=_start(world.model, auth), headers=keys.headers("trade")
    )

    assert (response.status_code, error_code(response)) == (401, "SIGNATURE_INVALID")


def test_start_when_nonce_differs_from_signed_one_then_401(
    engine_client: TestClient, keys: Keys, world: World, clock: FixedClock
) -> None:
    auth = _auth(Account.create(), clock(), nonce="signed-nonce-1") | {"nonce": "other-nonce-2"}

    response = engine_client.post(
        "/api/grid/start", json=_start(world.model, auth), headers=keys.headers("trade")
    )

    assert (response.status_code, error_code(response)) == (401, "SIGNATURE_INVALID")


@pytest.mark.parametrize("offset", [-301, 301])
def test_start_when_timestamp_outside_window_then_401_signature_expired(
    engine_client: TestClient, keys: Keys, world: World, clock: FixedClock, offset: int
) -> None:
    auth = _auth(Account.create(), clock() + offset)

    response = engine_client.post(
        "/api/grid/start", json=_start(world.model, auth), headers=keys.headers("trade")
    )

    assert (response.status_code, error_code(response)) == (401, "SIGNATURE_EXPIRED")


@pytest.mark.parametrize(
    ("auth_change", "field"),
    [
        ({"signature": "0x1234"}, "user_auth.signature"),
        ({"user_id": "not-an-address"}, "user_auth.user_id"),
        ({"nonce": "short"}, "user_auth.nonce"),
    ],
)
def test_start_when_user_auth_malformed_then_422_validation_error_naming_it(
    engine_client: TestClient,
    keys: Keys,
    world: World,
    clock: FixedClock,
    auth_change: dict[str, Any],
    field: str,
) -> None:
    auth = _auth(Account.create(), clock()) | auth_change

    response = engine_client.post(
        "/api/grid/start", json=_start(world.model, auth), headers=keys.headers("trade")
    )

    assert (response.status_code, error_code(response)) == (422, "VALIDATION_ERROR")
    assert response.json()["error"]["field"] == field


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"lower_bound": 50000}, "lower_bound"),
        ({"grid_levels": 1}, "grid_levels"),
        ({"grid_type": "GEOMETRIC"}, "grid_ratio"),
        ({"ticker": "bad ticker"}, "ticker"),
    ],
)
def test_start_when_grid_invalid_then_422_invalid_grid_spec_with_seed_field_name(
    engine_client: TestClient,
    keys: Keys,
    world: World,
    clock: FixedClock,
    changes: dict[str, Any],
    field: str,
) -> None:
    body = _start(world.model, _auth(Account.create(), clock()), **changes)

    response = engine_client.post("/api/grid/start", json=body, headers=keys.headers("trade"))

    assert (response.status_code, error_code(response)) == (422, "INVALID_GRID_SPEC")
    assert response.json()["error"]["field"] == field


def test_start_when_model_unknown_then_404_and_nonce_not_burnt(
    engine_client: TestClient, keys: Keys, world: World, clock: FixedClock
) -> None:
    auth = _auth(Account.create(), clock())

    unknown = engine_client.post(
        "/api/grid/start", json=_start("nobody-here", auth), headers=keys.headers("trade")
    )
    retried = engine_client.post(
        "/api/grid/start", json=_start(world.model, auth), headers=keys.headers("trade")
    )

    assert (unknown.status_code, error_code(unknown)) == (404, "MODEL_NOT_FOUND")
    assert retried.status_code == 200


def test_verify_wallet_signature_when_valid_then_returns_checksum_address() -> None:
    wallet = Account.create()
    auth = UserAuth.model_validate(
        _auth(wallet, 1_700_000_000) | {"user_id": wallet.address.lower()}
    )

    assert verify_wallet_signature(auth, now=1_700_000_010, max_age_s=60) == wallet.address


def test_verify_wallet_signature_when_signature_garbage_then_signature_invalid() -> None:
    wallet = Account.create()
    auth = UserAuth.model_validate(_auth(wallet, 100) | {"signature": "0x" + "00" * 65})

    with pytest.raises(ApiError) as caught:
        verify_wallet_signature(auth, now=100, max_age_s=60)

    assert caught.value.code == "SIGNATURE_INVALID"
