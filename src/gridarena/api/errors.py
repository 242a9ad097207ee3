"""The error catalogue: one stable code per failure, its HTTP status, one JSON envelope.

Every error body is ``{"error": {"code", "message", "field", "request_id"}}``. Messages say
what was refused and why; they never echo a submitted value (it may be a secret).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import Any, Final

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict
from starlette.exceptions import HTTPException as StarletteHTTPException

from gridarena.store.errors import IllegalTransition, RecordNotFound

__all__ = [
    "ApiError",
    "ErrorBody",
    "ErrorCode",
    "ErrorResponse",
    "error_response",
    "error_responses",
    "install_error_handlers",
    "request_id_of",
]


class ErrorCode(StrEnum):
    """Stable error codes; clients branch on these, never on messages."""

    VALIDATION_ERROR = "VALIDATION_ERROR"
    INVALID_GRID_SPEC = "INVALID_GRID_SPEC"
    INVALID_MARKET_PARAMS = "INVALID_MARKET_PARAMS"
    RISK_REJECTED = "RISK_REJECTED"
    UNAUTHORIZED = "UNAUTHORIZED"
    SIGNATURE_INVALID = "SIGNATURE_INVALID"
    SIGNATURE_EXPIRED = "SIGNATURE_EXPIRED"
    FORBIDDEN = "FORBIDDEN"
    NOT_FOUND = "NOT_FOUND"
    SESSION_NOT_FOUND = "SESSION_NOT_FOUND"
    MODEL_NOT_FOUND = "MODEL_NOT_FOUND"
    METHOD_NOT_ALLOWED = "METHOD_NOT_ALLOWED"
    NONCE_REUSED = "NONCE_REUSED"
    CONFLICT = "CONFLICT"
    PAYLOAD_TOO_LARGE = "PAYLOAD_TOO_LARGE"
    KILL_SWITCH_ACTIVE = "KILL_SWITCH_ACTIVE"
    RATE_LIMIT_EXCEEDED = "RATE_LIMIT_EXCEEDED"
    COOLDOWN_ACTIVE = "COOLDOWN_ACTIVE"
    INTERNAL_ERROR = "INTERNAL_ERROR"
    ORDER_CREATION_FAILED = "ORDER_CREATION_FAILED"
    SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE"

    @property
    def status(self) -> int:
        """Return the HTTP status this code is sent with."""
        return _STATUS[self]


_STATUS: Final[Mapping[ErrorCode, int]] = {
    ErrorCode.VALIDATION_ERROR: 422,
    ErrorCode.INVALID_GRID_SPEC: 422,
    ErrorCode.INVALID_MARKET_PARAMS: 422,
    ErrorCode.RISK_REJECTED: 422,
    ErrorCode.UNAUTHORIZED: 401,
    ErrorCode.SIGNATURE_INVALID: 401,
    ErrorCode.SIGNATURE_EXPIRED: 401,
    ErrorCode.FORBIDDEN: 403,
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.SESSION_NOT_FOUND: 404,
    ErrorCode.MODEL_NOT_FOUND: 404,
    ErrorCode.METHOD_NOT_ALLOWED: 405,
    ErrorCode.NONCE_REUSED: 409,
    ErrorCode.CONFLICT: 409,
    ErrorCode.PAYLOAD_TOO_LARGE: 413,
    ErrorCode.KILL_SWITCH_ACTIVE: 423,
    ErrorCode.RATE_LIMIT_EXCEEDED: 429,
    ErrorCode.COOLDOWN_ACTIVE: 429,
    ErrorCode.INTERNAL_ERROR: 500,
    ErrorCode.ORDER_CREATION_FAILED: 502,
    ErrorCode.SERVICE_UNAVAILABLE: 503,
}

_DESCRIPTIONS: Final[Mapping[int, str]] = {
    401: "Missing, invalid or revoked credentials (UNAUTHORIZED, SIGNATURE_*).",
    403: "The API key lacks the scope this endpoint needs (FORBIDDEN).",
    404: "The model, session or record does not exist.",
    409: "Conflicting state (CONFLICT, NONCE_REUSED).",
    413: "Request body too large.",
    422: "Invalid input (VALIDATION_ERROR, INVALID_GRID_SPEC) or a risk refusal.",
    423: "A kill switch forbids this action (KILL_SWITCH_ACTIVE).",
    429: "Too many requests (RATE_LIMIT_EXCEEDED, COOLDOWN_ACTIVE); see Retry-After.",
    500: "Unexpected server error (INTERNAL_ERROR); details are logged, never returned.",
    502: "The venue refused or failed the order (ORDER_CREATION_FAILED).",
    503: "A dependency (engine, store, Redis) is unavailable (SERVICE_UNAVAILABLE).",
}


class ErrorBody(BaseModel):
    """What went wrong: a stable code, a message, the offending field and the request id."""

    model_config = ConfigDict(frozen=True)

    code: ErrorCode
    message: str
    field: str | None = None
    request_id: str


class ErrorResponse(BaseModel):
    """The envelope of every error answer."""

    model_config = ConfigDict(frozen=True)

    error: ErrorBody


class ApiError(Exception):
    """An error to answer with its catalogue code, a message and optionally a field."""

    def __init__(
        self,
        code: ErrorCode,
        message: str,
        *,
        field: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
        self.headers = dict(headers or {})

    @property
    def status(self) -> int:
        """Return the HTTP status of this error."""
        return self.code.status


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """Return OpenAPI ``responses`` documenting these error statuses with the envelope."""
    return {
        status: {"model": ErrorResponse, "description": _DESCRIPTIONS.get(status, "Error.")}
        for status in statuses
    }


def request_id_of(request: Request) -> str:
    """Return the request id the middleware assigned (``-`` if none)."""
    return str(getattr(request.state, "request_id", "-"))


def error_response(
    code: ErrorCode,
    message: str,
    *,
    request_id: str,
    field: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    """Build the JSON answer for an error."""
    body = ErrorResponse(
        error=ErrorBody(code=code, message=message, field=field, request_id=request_id)
    )
    return JSONResponse(body.model_dump(mode="json"), status_code=code.status, headers=headers)


# Paths whose JSON body is a GridSpec: their body errors are INVALID_GRID_SPEC.
GRID_SPEC_PATHS: Final = frozenset({"/grid/apply", "/signal/grid", "/api/grid/start"})
_LOCATIONS: Final = frozenset({"body", "query", "path", "header", "cookie"})
_WORD = re.compile(r"[a-z_][a-z0-9_]*")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")


def field_of(loc: Sequence[Any], message: str, known: frozenset[str] = frozenset()) -> str | None:
    """Name the field an error location points at (``user_auth.nonce``), or guess from text.

    Model-level validators (``lower must be below upper``) have no location past ``body``;
    the first known field name in the message is then the field.
    """
    parts = [str(p) for p in loc if not isinstance(p, int)]
    where = parts[0] if parts and parts[0] in _LOCATIONS else None
    if where is not None:
        parts = parts[1:]
    # Union members add tags to the location (``literal['open']``): not field names.
    parts = [p for p in parts if _NAME.fullmatch(p)]
    if where in ("query", "path", "header", "cookie"):
        parts = parts[:1]
    if parts:
        return ".".join(parts)
    words: list[str] = _WORD.findall(message)
    return next((word for word in words if word in known), None)


def _clean(message: str) -> str:
    # pydantic prefixes model-validator messages with "Value error, ".
    return message.removeprefix("Value error, ")


def install_error_handlers(app: FastAPI, *, grid_fields: frozenset[str]) -> None:
    """Answer ApiError, validation errors and HTTP errors with the catalogue envelope."""

    async def api_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, ApiError)
        return error_response(
            exc.code,
            exc.message,
            request_id=request_id_of(request),
            field=exc.field,
            headers=exc.headers or None,
        )

    async def validation_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        errors = list(exc.errors())
        first: Mapping[str, Any] = errors[0] if errors else {}
        loc = tuple(first.get("loc", ()))
        message = _clean(str(first.get("msg", "invalid request")))
        route = request.scope.get("route")
        is_spec = (
            getattr(route, "path", None) in GRID_SPEC_PATHS
            and loc[:1] == ("body",)
            and loc[1:2] != ("user_auth",)  # identity, not grid, errors
        )
        code = ErrorCode.INVALID_GRID_SPEC if is_spec else ErrorCode.VALIDATION_ERROR
        field = field_of(loc, message, grid_fields if is_spec else frozenset())
        text = f"{field}: {message}" if field else message
        if len(errors) > 1:
            text += f" (and {len(errors) - 1} more)"
        return error_response(code, text, request_id=request_id_of(request), field=field)

    async def http_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        code = {
            404: ErrorCode.NOT_FOUND,
            405: ErrorCode.METHOD_NOT_ALLOWED,
            401: ErrorCode.UNAUTHORIZED,
            403: ErrorCode.FORBIDDEN,
            413: ErrorCode.PAYLOAD_TOO_LARGE,
            429: ErrorCode.RATE_LIMIT_EXCEEDED,
            503: ErrorCode.SERVICE_UNAVAILABLE,
        }.get(exc.status_code, ErrorCode.VALIDATION_ERROR)
        message = "no such endpoint" if exc.status_code == 404 else str(exc.detail)
        # A body FastAPI cannot even parse (400) is bad input like any other: 422.
        field = "body" if exc.status_code == 400 else None
        response = error_response(code, message, request_id=request_id_of(request), field=field)
        if exc.headers:
            response.headers.update(exc.headers)
        return response

    async def store_error(request: Request, exc: Exception) -> JSONResponse:
        # Raised by the engine behind TradingControl as well as by the store itself.
        if isinstance(exc, IllegalTransition):
            code, message = (
                ErrorCode.CONFLICT,
                f"{exc.entity} is {exc.current}; cannot become {exc.target}",
            )
        else:
            assert isinstance(exc, RecordNotFound)
            code, message = ErrorCode.NOT_FOUND, f"{exc.entity} not found"
        return error_response(code, message, request_id=request_id_of(request))

    app.add_exception_handler(ApiError, api_error)
    app.add_exception_handler(IllegalTransition, store_error)
    app.add_exception_handler(RecordNotFound, store_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
