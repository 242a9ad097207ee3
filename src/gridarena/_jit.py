"""Typed wrapper around numba's njit so compiled functions keep their signatures for mypy."""

from collections.abc import Callable
from typing import Any, TypeVar, cast

import numba

F = TypeVar("F", bound=Callable[..., Any])


def njit(fn: F) -> F:
    """Compile `fn` in nopython mode with an on-disk cache (repeat CLI runs skip compilation)."""
    return cast(F, numba.njit(cache=True, nogil=True, fastmath=False)(fn))
