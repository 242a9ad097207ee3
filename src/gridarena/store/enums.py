"""Enumerations stored in the database; their values are what the columns hold."""

from __future__ import annotations

from enum import StrEnum

__all__ = [
    "AccountState",
    "Liquidity",
    "MarginMode",
    "OrderStatus",
    "OrderType",
    "ProviderKind",
    "SessionStatus",
]


class ProviderKind(StrEnum):
    """Where a provider's decisions come from: rules or an LLM API family."""

    RULE = "rule"
    OPENAI = "openai"
    ANTHROPIC = "anthropic"
    XAI = "xai"
    DEEPSEEK = "deepseek"
    LOCAL = "local"


class AccountState(StrEnum):
    """Trading state of an account: trading, allowed only to reduce, or stopped."""

    ACTIVE = "ACTIVE"
    REDUCING = "REDUCING"
    HALTED = "HALTED"


class SessionStatus(StrEnum):
    """Lifecycle of a grid session; STOPPED is final."""

    RUNNING = "RUNNING"
    PAUSED = "PAUSED"
    STOPPED = "STOPPED"


class OrderStatus(StrEnum):
    """Order lifecycle; the legal moves are in :mod:`gridarena.store.lifecycle`."""

    INTENT = "INTENT"
    SENT = "SENT"
    ACKNOWLEDGED = "ACKNOWLEDGED"
    PARTIALLY_FILLED = "PARTIALLY_FILLED"
    FILLED = "FILLED"
    CANCELED = "CANCELED"
    REJECTED = "REJECTED"
    EXPIRED = "EXPIRED"
    UNKNOWN = "UNKNOWN"


class OrderType(StrEnum):
    """Order types, spelled as USD-M futures venues spell them."""

    LIMIT = "LIMIT"
    MARKET = "MARKET"
    STOP = "STOP"
    STOP_MARKET = "STOP_MARKET"
    TAKE_PROFIT = "TAKE_PROFIT"
    TAKE_PROFIT_MARKET = "TAKE_PROFIT_MARKET"


class Liquidity(StrEnum):
    """Whether a fill added liquidity (maker) or took it (taker)."""

    MAKER = "MAKER"
    TAKER = "TAKER"


class MarginMode(StrEnum):
    """Margin mode of a position."""

    CROSS = "CROSS"
    ISOLATED = "ISOLATED"
