"""Venue errors in two families: retryable (try again, or ask the venue) and permanent.

Adapters map their wire errors onto these classes at the edge, so shared code decides by
family, never by venue. ``OutcomeUnknown`` is retryable but special: the request may have taken
effect, so the caller must query by client id before sending it again (DESIGN.md §2.2).
"""

from __future__ import annotations


class VenueError(Exception):
    """A venue refused or failed a request; ``code`` is the venue's own error code."""

    retryable = False

    def __init__(self, message: str, *, code: int | str | None = None) -> None:
        super().__init__(message)
        self.code = code


class RetryableVenueError(VenueError):
    """A transient failure: the same request may succeed later."""

    retryable = True


class PermanentVenueError(VenueError):
    """The request is wrong or refused; repeating it will not help."""


class VenueUnavailable(RetryableVenueError):
    """Connection failure or HTTP 5xx before the venue accepted anything."""


class OutcomeUnknown(RetryableVenueError):
    """Timeout, dropped connection or 'execution status unknown': the order may exist."""


class RateLimited(RetryableVenueError):
    """HTTP 429/418: slow down; ``retry_after`` seconds when the venue says."""

    def __init__(
        self, message: str, *, code: int | str | None = None, retry_after: float | None = None
    ) -> None:
        super().__init__(message, code=code)
        self.retry_after = retry_after


class AuthenticationError(PermanentVenueError):
    """Bad API key, signature or timestamp outside the receive window."""


class OrderNotFound(PermanentVenueError):
    """The venue does not know this order (Binance -2011 / -2013)."""


class DuplicateClientOrderId(PermanentVenueError):
    """The client id is already used on this account (Binance -4116)."""


class InsufficientMargin(PermanentVenueError):
    """Not enough available balance for the order's initial margin (Binance -2019)."""


class OrderRejected(PermanentVenueError):
    """The venue refused the order: filters, post-only cross, reduce-only, bad parameters."""


class ReduceOnlyRejected(OrderRejected):
    """A reduce-only order would increase the position (Binance -2022)."""


class PostOnlyWouldTake(OrderRejected):
    """A post-only (GTX) order would take liquidity (Binance -5022)."""
