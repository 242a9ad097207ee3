"""Typed wrapper around numba's njit, with a cache that cannot go stale.

numba keys a cached function on its own source file only: when a compiled callee in another
module changes, the caller's cached machine code silently keeps the old callee. Every compiled
module of gridarena therefore shares one cache directory named after a hash of all their
sources, so any change to any of them recompiles everything.
"""

import hashlib
import os
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar, cast

import numba

F = TypeVar("F", bound=Callable[..., Any])

_PACKAGE = Path(__file__).resolve().parent
# Modules that hold @njit code; keep this list in sync when adding compiled modules.
COMPILED_MODULES = ("grid/machine.py", "grid/ledger.py", "backtest")


def _sources_digest() -> str:
    h = hashlib.blake2b(digest_size=8)
    h.update(numba.__version__.encode())
    for entry in COMPILED_MODULES:
        path = _PACKAGE / entry
        files = sorted(path.glob("*.py")) if path.is_dir() else [path]
        for f in files:
            h.update(f.name.encode())
            h.update(f.read_bytes())
    return h.hexdigest()


def _cache_dir() -> Path:
    root = os.environ.get("GRIDARENA_CACHE_DIR") or os.environ.get("XDG_CACHE_HOME")
    base = Path(root) if root else Path.home() / ".cache"
    return base / "gridarena" / f"numba-{_sources_digest()}"


if not os.environ.get("NUMBA_CACHE_DIR"):
    # setattr: numba.config's attributes are created at runtime, so type checkers can't see them.
    setattr(numba.config, "CACHE_DIR", str(_cache_dir()))  # noqa: B010


def njit(fn: F) -> F:
    """Compile `fn` in nopython mode with the on-disk cache (repeat CLI runs skip compiling)."""
    return cast(F, numba.njit(cache=True, nogil=True, fastmath=False)(fn))


_INTERPRETED: dict[int, Any] = {}


def interpreted(fn: F) -> F:
    """Return the plain-Python original of a compiled function: the same source, no JIT.

    The engine calls the state machine one slot at a time from Python, where numba's dispatch
    costs more than the function and loading its compiled code costs tens of MiB; the kernel
    keeps calling the compiled version. Both run the one definition. Compiled functions it calls
    are swapped for their interpreted versions too, so nothing reaches numba at run time.
    """
    py = getattr(fn, "py_func", None)
    if py is None:
        return fn
    key = id(fn)
    if key not in _INTERPRETED:
        scope: dict[str, Any] = dict(py.__globals__)
        clone = types.FunctionType(py.__code__, scope, py.__name__, py.__defaults__)
        _INTERPRETED[key] = clone  # registered first: mutually recursive callees terminate
        for name, value in py.__globals__.items():
            if hasattr(value, "py_func") and callable(value):
                scope[name] = interpreted(value)
    return cast(F, _INTERPRETED[key])
