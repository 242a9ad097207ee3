"""A Binance USD-M futures REST facade over the simulated exchange (``gridarena sim-venue``).

`create_app` serves a `SimExchange` with Binance's routes, field names, signatures, rate limits
and error codes, plus ``/sim/*`` routes to move the clock, read the venue's truth and inject
faults; `facade_client` points a ccxt ``binanceusdm`` client at it. Names are imported on first
use so that the CLI does not load FastAPI until the command runs.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gridarena.venues.facade.app import FacadeApp, create_app
    from gridarena.venues.facade.auth import sign
    from gridarena.venues.facade.ccxt_client import configure, facade_client
    from gridarena.venues.facade.config import (
        FAULT_KINDS,
        FacadeConfig,
        FaultConfig,
        LimitConfig,
    )
    from gridarena.venues.facade.server import Running, serve_async, serve_in_thread

_LAZY = {
    "FacadeApp": "app",
    "create_app": "app",
    "sign": "auth",
    "configure": "ccxt_client",
    "facade_client": "ccxt_client",
    "FAULT_KINDS": "config",
    "FacadeConfig": "config",
    "FaultConfig": "config",
    "LimitConfig": "config",
    "Running": "server",
    "serve_async": "server",
    "serve_in_thread": "server",
}

__all__ = [
    "FAULT_KINDS",
    "FacadeApp",
    "FacadeConfig",
    "FaultConfig",
    "LimitConfig",
    "Running",
    "configure",
    "create_app",
    "facade_client",
    "serve_async",
    "serve_in_thread",
    "sign",
]


def __getattr__(name: str) -> Any:
    """Import a public name from its module on first access."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
