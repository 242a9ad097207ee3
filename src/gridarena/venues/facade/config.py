"""Settings of the HTTP facade: clock, signed-request checks, rate limits and injected faults."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

ClockMode = Literal["manual", "replay"]

FAULT_KINDS: tuple[str, ...] = (
    "503_after_accept",
    "503_before_accept",
    "500",
    "502",
    "timeout_after_accept",
    "429",
    "drop",
    "stale",
)


def parse_endpoint(text: str) -> tuple[str | None, str]:
    """Split ``"POST /fapi/v1/order"`` into (method, path); a bare path matches every method."""
    parts = text.strip().split()
    if len(parts) == 1 and parts[0].startswith("/"):
        return None, parts[0]
    if len(parts) == 2 and parts[1].startswith("/"):
        return parts[0].upper(), parts[1]
    raise ValueError(f"endpoint {text!r}: expected '/path' or 'METHOD /path'")


@dataclass(frozen=True, slots=True)
class FaultConfig:
    """Which faults to inject, how often and where; the RNG is seeded so runs repeat.

    ``endpoints`` restricts injection to some routes (``"POST /fapi/v1/order"`` or a bare path);
    empty means every Binance route (``/fapi/...`` and ``/api/...``, never ``/sim/...``).
    ``timeout_delay_s`` is how long a ``timeout_after_accept`` answer is held back; it ends as
    soon as the client gives up and disconnects.
    """

    rate: float = 0.0
    kinds: tuple[str, ...] = FAULT_KINDS
    endpoints: tuple[str, ...] = ()
    seed: int = 0
    timeout_delay_s: float = 30.0
    retry_after_s: int = 1

    def __post_init__(self) -> None:
        if not 0.0 <= self.rate <= 1.0:
            raise ValueError(f"fault rate must be within [0, 1], got {self.rate}")
        unknown = sorted(set(self.kinds) - set(FAULT_KINDS))
        if unknown:
            raise ValueError(f"unknown fault kinds {unknown}; choose from {list(FAULT_KINDS)}")
        if self.rate > 0 and not self.kinds:
            raise ValueError("fault rate > 0 needs at least one fault kind")
        for endpoint in self.endpoints:
            parse_endpoint(endpoint)
        if self.timeout_delay_s < 0 or self.retry_after_s < 0:
            raise ValueError("timeout_delay_s and retry_after_s must be >= 0")


@dataclass(frozen=True, slots=True)
class LimitConfig:
    """Binance's USD-M limits: request weight per IP, order count per account.

    ``ban_after`` 429 answers within one minute turn into HTTP 418 bans of ``ban_s`` seconds,
    as Binance does with clients that keep hammering; 0 never bans.
    """

    weight_per_minute: int = 2400
    orders_per_minute: int = 1200
    orders_per_10s: int = 300
    ban_after: int = 0
    ban_s: float = 120.0

    def __post_init__(self) -> None:
        if min(self.weight_per_minute, self.orders_per_minute, self.orders_per_10s) < 1:
            raise ValueError("rate limits must be >= 1")
        if self.ban_after < 0 or self.ban_s < 0:
            raise ValueError("ban_after and ban_s must be >= 0")


@dataclass(frozen=True, slots=True)
class FacadeConfig:
    """How the facade behaves: clock, receive window and limits.

    ``clock="manual"`` moves the market only on ``POST /sim/advance``; ``"replay"`` moves it in
    the background at ``speed`` times real time (0: as fast as the loop allows).
    """

    clock: ClockMode = "manual"
    speed: float = 1.0
    max_recv_window_ms: int = 60_000
    default_recv_window_ms: int = 5_000
    ahead_tolerance_ms: int = 1_000
    limits: LimitConfig = field(default_factory=LimitConfig)
    faults: FaultConfig = field(default_factory=FaultConfig)

    def __post_init__(self) -> None:
        if self.clock not in ("manual", "replay"):
            raise ValueError(f"clock must be manual or replay, got {self.clock!r}")
        if self.speed < 0:
            raise ValueError(f"speed must be >= 0, got {self.speed}")
