"""What every engine-bound endpoint shares: target lookup, kill-switch gate, spec errors."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import Request
from pydantic import ValidationError
from sqlalchemy.orm import Session

from gridarena.api.errors import ApiError, ErrorCode, field_of
from gridarena.api.state import ApiState
from gridarena.grid.spec import GridSpec
from gridarena.store.models import Account, Provider
from gridarena.store.repo.api_queries import resolve_model
from gridarena.store.repo.control import GLOBAL_SCOPE, is_killed

__all__ = ["GRID_FIELDS", "after_command", "note", "spec_error", "trading_account"]

GRID_FIELDS = frozenset(GridSpec.model_fields)


def trading_account(session: Session, model: str, *, gate: bool = True) -> Account:
    """Return the account ``model`` names; raise 404, or 423 when a kill switch covers it."""
    account = resolve_model(session, model=model)
    if account is None:
        raise ApiError(ErrorCode.MODEL_NOT_FOUND, f"no model called {model!r}", field="model")
    if gate:
        provider = session.get(Provider, account.provider_id)
        scopes = [GLOBAL_SCOPE, f"account:{account.name}"]
        if provider is not None:
            scopes.append(f"provider:{provider.name}")
        killed = is_killed(session, scopes=scopes)
        if killed is not None:
            raise ApiError(
                ErrorCode.KILL_SWITCH_ACTIVE,
                f"kill switch {killed.scope!r} is engaged; release it with POST /ops/kill",
            )
    return account


def spec_error(exc: ValidationError, renames: Mapping[str, str] | None = None) -> ApiError:
    """Turn a GridSpec validation error into 422 INVALID_GRID_SPEC naming the field."""
    errors = exc.errors(include_input=False, include_url=False)
    first: Mapping[str, Any] = errors[0] if errors else {}
    message = str(first.get("msg", "invalid grid spec")).removeprefix("Value error, ")
    field = field_of(tuple(first.get("loc", ())), message, GRID_FIELDS)
    if field is not None and renames:
        field = renames.get(field, field)
    text = f"{field}: {message}" if field else message
    return ApiError(ErrorCode.INVALID_GRID_SPEC, text, field=field)


def note(request: Request, action: str, **details: Any) -> dict[str, Any]:
    """Set the audit summary of this request (written even if the command then fails)."""
    summary = {"action": action, **details}
    request.state.audit = summary
    return summary


def after_command(request: Request, state: ApiState, summary: Mapping[str, Any]) -> None:
    """Drop cached views and tell stream clients what was done."""
    state.cache.clear()
    actor = str(getattr(request.state, "actor", "anonymous"))
    state.bus.publish("control", {"actor": actor, **summary})
