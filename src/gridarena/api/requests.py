"""Request bodies and shared query-parameter types."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from gridarena.api.wallet import UserAuth
from gridarena.store.repo.control import KILL_SCOPE_PATTERN

__all__ = [
    "MODEL_PATTERN",
    "SYMBOL_PATTERN",
    "FlattenRequest",
    "KillRequest",
    "OpsPauseRequest",
    "StartGridRequest",
    "StopGridRequest",
]

MODEL_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
SYMBOL_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9/:._-]{0,39}$"
SESSION_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9:._-]{0,63}$"

ModelName = Annotated[str, Field(pattern=MODEL_PATTERN, description="Model (account) name.")]
SessionId = Annotated[str, Field(pattern=SESSION_PATTERN)]
KillScope = Annotated[
    str,
    Field(
        pattern=KILL_SCOPE_PATTERN,
        description="'global', 'provider:<name>' or 'account:<name>'.",
    ),
]
Reason = Annotated[str | None, Field(default=None, max_length=256)]


class _In(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class StartGridRequest(_In):
    """Seed 002's ``POST /api/grid/start`` body, plus the model (account) that trades it."""

    model: ModelName
    ticker: Annotated[str, Field(pattern=SYMBOL_PATTERN)]
    direction: Literal["LONG", "SHORT", "BOTH", "NEUTRAL"] = "BOTH"
    current_price: Annotated[Decimal, Field(gt=0, lt=10**15)] | None = None
    upper_bound: Annotated[Decimal, Field(gt=0, lt=10**15)]
    lower_bound: Annotated[Decimal, Field(gt=0, lt=10**15)]
    grid_levels: Annotated[int, Field(ge=2, le=501)]
    total_margin: Annotated[Decimal, Field(gt=0, lt=10**15)]
    grid_type: Literal["ARITHMETIC", "GEOMETRIC"] = "ARITHMETIC"
    grid_ratio: Annotated[Decimal, Field(gt=0, lt=1)] | None = None
    leverage: Annotated[int, Field(ge=1, le=125)] = 1
    user_auth: UserAuth


class StopGridRequest(_In):
    """Seed 002's ``POST /api/grid/stop`` body."""

    session_id: SessionId
    reason: Reason = None


class FlattenRequest(_In):
    """Close positions and cancel orders of a scope."""

    scope: KillScope = "global"
    reason: Reason = None


class OpsPauseRequest(_In):
    """Pause (default) or resume every grid."""

    paused: bool = True
    reason: Reason = None


class KillRequest(_In):
    """Engage or release a kill switch; it persists across restarts."""

    scope: KillScope = "global"
    active: bool = True
    cancel_all: bool = Field(
        default=False, description="Also cancel resting orders (seed 004 keeps them by default)."
    )
    reason: Reason = None
