"""Pre-trade risk gate: pure checks that return Approve, Reduce or Reject with reason codes."""

from gridarena.risk.checks import evaluate
from gridarena.risk.types import (
    AccountState,
    AccountView,
    Approve,
    Decision,
    MarketView,
    OrderIntent,
    OrderSource,
    OrderValues,
    ReasonCode,
    Reduce,
    Reject,
    RiskLimits,
)

__all__ = [
    "AccountState",
    "AccountView",
    "Approve",
    "Decision",
    "MarketView",
    "OrderIntent",
    "OrderSource",
    "OrderValues",
    "ReasonCode",
    "Reduce",
    "Reject",
    "RiskLimits",
    "evaluate",
]
