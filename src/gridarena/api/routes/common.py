"""Helpers shared by the routers: query-parameter types, model lookup, cursors, JSON bodies."""

from __future__ import annotations

import base64
import binascii
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Path, Query
from fastapi.responses import Response
from pydantic import BaseModel
from sqlalchemy.orm import Session

from gridarena.api.errors import ApiError, ErrorCode
from gridarena.api.requests import MODEL_PATTERN, SESSION_PATTERN, SYMBOL_PATTERN
from gridarena.store.models import Account
from gridarena.store.repo.api_queries import resolve_model

__all__ = [
    "ModelQuery",
    "OptionalModel",
    "OptionalSymbol",
    "SessionPath",
    "SymbolQuery",
    "decode_cursor",
    "encode_cursor",
    "json_body",
    "json_response",
    "model_account",
]

ModelQuery = Annotated[
    str, Query(pattern=MODEL_PATTERN, description="Model (account or provider) name.")
]
OptionalModel = Annotated[
    str | None, Query(pattern=MODEL_PATTERN, description="Model (account or provider) name.")
]
SymbolQuery = Annotated[str, Query(pattern=SYMBOL_PATTERN, description="Symbol, e.g. SOLUSDT.")]
OptionalSymbol = Annotated[
    str | None, Query(pattern=SYMBOL_PATTERN, description="Symbol, e.g. SOLUSDT.")
]
SessionPath = Annotated[str, Path(pattern=SESSION_PATTERN, description="Grid session id.")]


def model_account(session: Session, model: str | None) -> Account | None:
    """Return the account ``model`` names (None for no filter); raise 404 MODEL_NOT_FOUND."""
    if model is None:
        return None
    account = resolve_model(session, model=model)
    if account is None:
        raise ApiError(ErrorCode.MODEL_NOT_FOUND, f"no model called {model!r}", field="model")
    return account


def encode_cursor(created_at: datetime, order_id: int) -> str:
    """Return an opaque cursor for keyset paging."""
    raw = f"{created_at.astimezone(UTC).isoformat()}|{order_id}".encode()
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    """Parse a cursor from ``encode_cursor``; raise 422 VALIDATION_ERROR if it is not one."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        stamp, _, ident = raw.partition("|")
        at = datetime.fromisoformat(stamp).astimezone(UTC)
        order_id = int(ident)
        if not stamp.endswith("+00:00") or not 0 < order_id < 2**63:
            raise ValueError("not a cursor")
        return at, order_id
    except (ValueError, OverflowError, UnicodeDecodeError, binascii.Error):
        raise ApiError(
            ErrorCode.VALIDATION_ERROR, "before: not a cursor from next_cursor", field="before"
        ) from None


def json_body(model: BaseModel) -> bytes:
    """Render a response body (pydantic's serializer: Decimals as exact strings)."""
    return model.model_dump_json().encode("utf-8")


def json_response(body: bytes) -> Response:
    """Wrap a rendered body (the cached hot paths skip response-model re-validation)."""
    return Response(content=body, media_type="application/json")
