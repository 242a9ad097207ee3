"""Seed 000's webhook ``POST /signal/grid``: HMAC-signed grid signals with a cooldown.

Authenticated by signature (``X-Signature``, ``X-Timestamp``), not by API key: the sender
(an orchestrator such as n8n) holds the webhook secret. Rate limited per client IP.
"""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Header, Request
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from gridarena.api.control import GridSessionInfo
from gridarena.api.deps import State, client_ip, enforce_rate_limit
from gridarena.api.errors import ApiError, ErrorCode, error_responses
from gridarena.api.ratelimit import retry_after_header
from gridarena.api.routes.engine import after_command, note, spec_error, trading_account
from gridarena.api.webhook import verify_webhook
from gridarena.grid.spec import GridSpec

__all__ = ["SignalAccepted", "router"]

router = APIRouter(tags=["webhook"])


class SignalAccepted(BaseModel):
    """A signal that passed signature, validation, kill switches and cooldown."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    accepted: bool
    cooldown_s: float = Field(description="No other signal for this model and symbol until then.")
    session: GridSessionInfo


@router.post(
    "/signal/grid",
    response_model=SignalAccepted,
    summary="Grid signal webhook (HMAC-SHA256 signed)",
    responses=error_responses(401, 404, 409, 413, 422, 423, 429, 502, 503),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/GridSpec"}}},
        }
    },
)
async def signal_grid(
    request: Request,
    state: State,
    x_signature: Annotated[
        str | None,
        Header(
            alias="X-Signature",
            description='hex(HMAC-SHA256(secret, f"{X-Timestamp}.{raw body}"))',
        ),
    ] = None,
    x_timestamp: Annotated[
        str | None, Header(alias="X-Timestamp", description="Unix seconds.")
    ] = None,
) -> SignalAccepted:
    """Verify the signature, validate the GridSpec, apply the cooldown, apply the grid."""
    await enforce_rate_limit(request, state, f"ip:{client_ip(request)}")
    settings = state.settings.api
    secret = settings.webhook_secret
    if secret is None:
        raise ApiError(ErrorCode.SERVICE_UNAVAILABLE, "no webhook secret is configured")
    control = state.require_control()
    raw = await request.body()
    verify_webhook(
        secret=secret.get_secret_value(),
        timestamp=x_timestamp,
        signature=x_signature,
        body=raw,
        now=state.clock(),
        max_age_s=settings.signature_max_age_s,
    )
    request.state.actor = "webhook"
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise ApiError(ErrorCode.VALIDATION_ERROR, "body is not JSON", field="body") from None
    if not isinstance(data, dict):
        raise ApiError(ErrorCode.INVALID_GRID_SPEC, "body must be a JSON object", field="body")
    try:
        spec = GridSpec.from_signal(data)
    except ValidationError as exc:
        raise spec_error(exc) from None
    if spec.model is None:
        raise ApiError(ErrorCode.INVALID_GRID_SPEC, "model: field required", field="model")
    model = spec.model
    summary = note(request, "signal.grid", model=model, symbol=spec.symbol)
    account = await state.read(lambda session: trading_account(session, model))
    cooldown = settings.signal_cooldown_s
    wait = await state.cooldown.acquire(f"{account.name}|{spec.symbol}", cooldown)
    if wait > 0:
        raise ApiError(
            ErrorCode.COOLDOWN_ACTIVE,
            f"one signal per {cooldown:g} s for {account.name} {spec.symbol}",
            headers={"Retry-After": retry_after_header(wait)},
        )
    info = await control.apply_grid(account.name, spec.symbol, spec)
    after_command(request, state, {**summary, "session_id": info.session_id})
    return SignalAccepted(accepted=True, cooldown_s=cooldown, session=info)
