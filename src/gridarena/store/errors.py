"""Errors raised by the store; each names what was refused, never a secret."""

from __future__ import annotations

__all__ = [
    "DuplicateClientOrderId",
    "IllegalTransition",
    "RecordNotFound",
    "StoreError",
]


class StoreError(Exception):
    """Base class of the store's own errors."""


class DuplicateClientOrderId(StoreError):
    """An order with this client id already exists for the account (nothing was written)."""

    def __init__(self, *, account_id: int, client_order_id: str) -> None:
        super().__init__(
            f"client order id {client_order_id!r} already exists for account {account_id}"
        )
        self.account_id = account_id
        self.client_order_id = client_order_id


class IllegalTransition(StoreError):
    """A status change the lifecycle table forbids (nothing was written)."""

    def __init__(self, *, entity: str, key: object, current: str, target: str) -> None:
        super().__init__(f"{entity} {key}: illegal transition {current} -> {target}")
        self.entity = entity
        self.key = key
        self.current = current
        self.target = target


class RecordNotFound(StoreError, LookupError):
    """A referenced row does not exist."""

    def __init__(self, entity: str, key: object) -> None:
        super().__init__(f"{entity} {key!r} not found")
        self.entity = entity
        self.key = key
