"""SQLAlchemy models of every gridarena table, split by area; ``Base.metadata`` holds them all."""

from gridarena.store.models.accounts import Account, AccountStateChange, Provider
from gridarena.store.models.base import Base, JsonDict
from gridarena.store.models.control import (
    ApiKey,
    AuthNonce,
    KillSwitch,
    MarketSnapshotRow,
    Season,
)
from gridarena.store.models.grid import GridConfig, GridSession
from gridarena.store.models.ledger import Balance, PnlSnapshot, Position
from gridarena.store.models.orders import Fill, Order, OrderTransition
from gridarena.store.models.telemetry import (
    AuditEntry,
    LlmDecision,
    Metric,
    PricePoint,
    RiskEvent,
)

__all__ = [
    "Account",
    "AccountStateChange",
    "ApiKey",
    "AuditEntry",
    "AuthNonce",
    "Balance",
    "Base",
    "Fill",
    "GridConfig",
    "GridSession",
    "JsonDict",
    "KillSwitch",
    "LlmDecision",
    "MarketSnapshotRow",
    "Metric",
    "Order",
    "OrderTransition",
    "PnlSnapshot",
    "Position",
    "PricePoint",
    "Provider",
    "RiskEvent",
    "Season",
]
