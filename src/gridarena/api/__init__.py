"""gridarena.api: the HTTP API (FastAPI) over the store, attached to the engine by a port.

* ``create_app(settings=..., store_url=... | session_factory=..., control=...)``;
* ``TradingControl``: the protocol the arena runtime implements (``api.control``);
* ``EventBus``: what the engine publishes to the live stream (``api.events``);
* ``keys_app`` / ``serve``: the ``gridarena keys`` and ``gridarena serve`` commands
  (``api.cli``).
"""

from gridarena.api.app import api_state, create_app
from gridarena.api.control import ControlError, TradingControl
from gridarena.api.errors import ApiError, ErrorCode
from gridarena.api.events import EventBus

__all__ = [
    "ApiError",
    "ControlError",
    "ErrorCode",
    "EventBus",
    "TradingControl",
    "api_state",
    "create_app",
]
