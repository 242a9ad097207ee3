"""Repositories: keyword-only functions over a ``Session``.

They flush but never commit: the caller owns the transaction (``gridarena.store.transaction``),
so a fill, its order transition and the position update can commit together. The one rule
that matters most: commit ``record_order_intent`` before calling the venue.
"""

from gridarena.store.repo.accounts import (
    create_account,
    create_provider,
    get_account,
    get_account_by_name,
    get_provider,
    set_account_state,
)
from gridarena.store.repo.audit import add_audit, audit_entries, mask_secrets
from gridarena.store.repo.events import (
    add_llm_decision,
    add_metric,
    add_price,
    add_risk_event,
    latest_price,
    llm_decisions,
    price_history,
    risk_events,
)
from gridarena.store.repo.fills import FillTotals, fill_totals, fills_since, record_fill
from gridarena.store.repo.grid import (
    Lease,
    acquire_lease,
    create_grid_session,
    get_grid_session,
    latest_grid_config,
    lease_of,
    release_lease,
    save_grid_config,
    update_grid_session,
)
from gridarena.store.repo.ledger import (
    add_pnl_snapshot,
    get_balances,
    get_position,
    pnl_snapshots,
    upsert_balance,
    upsert_position,
)
from gridarena.store.repo.orders import (
    MAX_PAGE_SIZE,
    OrderCursor,
    OrderPage,
    get_order,
    get_order_by_client_id,
    open_orders,
    order_history,
    orders_of_session,
    orders_page,
    record_order_intent,
    transition_order,
)

__all__ = [
    "MAX_PAGE_SIZE",
    "FillTotals",
    "Lease",
    "OrderCursor",
    "OrderPage",
    "acquire_lease",
    "add_audit",
    "add_llm_decision",
    "add_metric",
    "add_pnl_snapshot",
    "add_price",
    "add_risk_event",
    "audit_entries",
    "create_account",
    "create_grid_session",
    "create_provider",
    "fill_totals",
    "fills_since",
    "get_account",
    "get_account_by_name",
    "get_balances",
    "get_grid_session",
    "get_order",
    "get_order_by_client_id",
    "get_position",
    "get_provider",
    "latest_grid_config",
    "latest_price",
    "lease_of",
    "llm_decisions",
    "mask_secrets",
    "open_orders",
    "order_history",
    "orders_of_session",
    "orders_page",
    "pnl_snapshots",
    "price_history",
    "record_fill",
    "record_order_intent",
    "release_lease",
    "risk_events",
    "save_grid_config",
    "set_account_state",
    "transition_order",
    "update_grid_session",
    "upsert_balance",
    "upsert_position",
]
