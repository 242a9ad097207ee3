"""Pre-trade risk gate: pure checks that return Approve, Reduce or Reject with reason codes."""

from gridarena.risk.breaker import (
    BreakerAction,
    BreakerCandle,
    BreakerConfig,
    BreakerEvent,
    CircuitBreaker,
)
from gridarena.risk.calendar import DayBoundary, SessionCalendar, SessionSpec
from gridarena.risk.checks import evaluate
from gridarena.risk.hedge import (
    CloseHedge,
    HedgeAction,
    HedgePlanner,
    OpenHedge,
    ReturnStats,
    hedge_qty,
    hedge_ratio,
    returns_stats,
)
from gridarena.risk.monitors import (
    AccountSample,
    AccountStatus,
    MonitorLimits,
    PortfolioMonitor,
    Transition,
)
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
    "AccountSample",
    "AccountState",
    "AccountStatus",
    "AccountView",
    "Approve",
    "BreakerAction",
    "BreakerCandle",
    "BreakerConfig",
    "BreakerEvent",
    "CircuitBreaker",
    "CloseHedge",
    "DayBoundary",
    "Decision",
    "HedgeAction",
    "HedgePlanner",
    "MarketView",
    "MonitorLimits",
    "OpenHedge",
    "OrderIntent",
    "OrderSource",
    "OrderValues",
    "PortfolioMonitor",
    "ReasonCode",
    "Reduce",
    "Reject",
    "ReturnStats",
    "RiskLimits",
    "SessionCalendar",
    "SessionSpec",
    "Transition",
    "evaluate",
    "hedge_qty",
    "hedge_ratio",
    "returns_stats",
]
