"""Legal status transitions for orders and grid sessions, in one place.

Pure data and functions (no I/O), so execution and reconciliation can check a move before
they touch the store. ``INTENT`` may jump straight to any venue outcome: after a crash
between the venue call and the ``SENT`` write, reconciliation records what the venue says.
``UNKNOWN`` (timeout, 5xx) resolves to whatever the venue reports, or back to ``SENT`` when
the order is re-sent with the same client id after the venue said it does not exist.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from gridarena.store.enums import OrderStatus, SessionStatus

__all__ = [
    "OPEN_ORDER_STATUSES",
    "ORDER_TRANSITIONS",
    "SESSION_TRANSITIONS",
    "TERMINAL_ORDER_STATUSES",
    "can_transition",
    "can_transition_session",
]

_S = OrderStatus
_VENUE_OUTCOMES: Final = frozenset(
    {_S.ACKNOWLEDGED, _S.PARTIALLY_FILLED, _S.FILLED, _S.CANCELED, _S.EXPIRED}
)

ORDER_TRANSITIONS: Final[Mapping[OrderStatus, frozenset[OrderStatus]]] = MappingProxyType(
    {
        _S.INTENT: _VENUE_OUTCOMES | {_S.SENT, _S.REJECTED, _S.UNKNOWN},
        _S.SENT: _VENUE_OUTCOMES | {_S.REJECTED, _S.UNKNOWN},
        _S.ACKNOWLEDGED: (_VENUE_OUTCOMES - {_S.ACKNOWLEDGED}) | {_S.UNKNOWN},
        # PARTIALLY_FILLED -> PARTIALLY_FILLED records another partial fill.
        _S.PARTIALLY_FILLED: (_VENUE_OUTCOMES - {_S.ACKNOWLEDGED}) | {_S.UNKNOWN},
        _S.UNKNOWN: _VENUE_OUTCOMES | {_S.SENT, _S.REJECTED},
        _S.FILLED: frozenset(),
        _S.CANCELED: frozenset(),
        _S.REJECTED: frozenset(),
        _S.EXPIRED: frozenset(),
    }
)

TERMINAL_ORDER_STATUSES: Final = frozenset(s for s, nxt in ORDER_TRANSITIONS.items() if not nxt)
# Not known to be final: what reconciliation must look at after a restart.
OPEN_ORDER_STATUSES: Final = frozenset(OrderStatus) - TERMINAL_ORDER_STATUSES

SESSION_TRANSITIONS: Final[Mapping[SessionStatus, frozenset[SessionStatus]]] = MappingProxyType(
    {
        SessionStatus.RUNNING: frozenset({SessionStatus.PAUSED, SessionStatus.STOPPED}),
        SessionStatus.PAUSED: frozenset({SessionStatus.RUNNING, SessionStatus.STOPPED}),
        SessionStatus.STOPPED: frozenset(),
    }
)


def can_transition(current: OrderStatus, target: OrderStatus) -> bool:
    """Return True when an order may move from ``current`` to ``target``."""
    return target in ORDER_TRANSITIONS[current]


def can_transition_session(current: SessionStatus, target: SessionStatus) -> bool:
    """Return True when a grid session may move from ``current`` to ``target``."""
    return target in SESSION_TRANSITIONS[current]
