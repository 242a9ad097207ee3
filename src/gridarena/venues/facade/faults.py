"""Which request gets which fault: a seeded decision per request, counters and a fault log.

Every request to a Binance route that matches the configured endpoints draws from one seeded
RNG, so a run with the same seed and the same request sequence injects the same faults. Faults
split by *phase*: ``before`` ones answer without running the request (nothing changed on the
venue), ``after`` ones run it first (an order IS accepted) and then hide the answer. ``drop``
picks its phase per fault; ``stale`` answers a GET with an older response for the same key.
"""

from __future__ import annotations

import random
import threading
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Literal

from gridarena.venues.facade.config import FAULT_KINDS, FaultConfig, parse_endpoint

Phase = Literal["before", "after"]

AFTER_KINDS = frozenset({"503_after_accept", "timeout_after_accept"})
GET_ONLY_KINDS = frozenset({"stale"})
_STALE_DEPTH = 4


@dataclass(frozen=True, slots=True)
class Fault:
    """A fault chosen for one request."""

    kind: str
    phase: Phase


@dataclass(slots=True)
class FaultEvent:
    """What was injected where, and what the venue really did (``inner_status``)."""

    seq: int
    kind: str
    phase: Phase
    method: str
    path: str
    account: str | None
    client_order_id: str | None
    inner_status: int | None = None
    served: bool = True

    def to_dict(self) -> dict[str, object]:
        """Return the event as JSON-ready data."""
        return {
            "seq": self.seq,
            "kind": self.kind,
            "phase": self.phase,
            "endpoint": f"{self.method} {self.path}",
            "account": self.account,
            "client_order_id": self.client_order_id,
            "inner_status": self.inner_status,
            "served": self.served,
        }


@dataclass(frozen=True, slots=True)
class CachedResponse:
    """A response kept to be replayed by a ``stale`` fault."""

    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes


@dataclass(slots=True)
class FaultInjector:
    """Decide faults from a seeded RNG; count and log them; keep responses for ``stale``."""

    config: FaultConfig = field(default_factory=FaultConfig)
    rng: random.Random = field(init=False)
    by_kind: Counter[str] = field(default_factory=Counter)
    by_endpoint: Counter[str] = field(default_factory=Counter)
    events: deque[FaultEvent] = field(default_factory=lambda: deque(maxlen=10_000))
    forced: deque[tuple[Fault, tuple[str | None, str] | None]] = field(default_factory=deque)
    history: dict[tuple[str, ...], deque[CachedResponse]] = field(default_factory=dict)
    _targets: list[tuple[str | None, str]] = field(default_factory=list)
    _seq: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.configure(self.config)

    def configure(self, config: FaultConfig) -> None:
        """Switch to ``config`` and reseed the RNG from its seed."""
        targets = [parse_endpoint(e) for e in config.endpoints]
        with self._lock:
            self.config = config
            self.rng = random.Random(config.seed)
            self._targets = targets

    def force(self, kind: str, *, phase: Phase | None = None, endpoint: str | None = None) -> None:
        """Queue ``kind`` for the next matching request, whatever the rate says."""
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; choose from {list(FAULT_KINDS)}")
        if kind != "drop" or phase is None:
            # Only a drop can happen on either side of acceptance.
            phase = "after" if kind in AFTER_KINDS else "before"
        target = parse_endpoint(endpoint) if endpoint else None
        self.forced.append((Fault(kind, phase), target))

    def targets(self, method: str, path: str) -> bool:
        """Tell whether faults may hit this route."""
        if not (path.startswith("/fapi/") or path.startswith("/api/")):
            return False
        if not self._targets:
            return True
        return any((m is None or m == method) and p == path for m, p in self._targets)

    @property
    def keeps_history(self) -> bool:
        """Tell whether GET responses must be kept for ``stale`` faults."""
        configured = "stale" in self.config.kinds and self.config.rate > 0
        return configured or any(f.kind == "stale" for f, _ in self.forced)

    def decide(self, method: str, path: str) -> Fault | None:
        """Return the fault for this request, or None."""
        with self._lock:
            for i, (fault, target) in enumerate(self.forced):
                if target is None:
                    hit = self.targets(method, path)
                else:
                    hit = target[0] in (None, method) and target[1] == path
                if hit and (method == "GET" or fault.kind not in GET_ONLY_KINDS):
                    del self.forced[i]
                    return fault
            cfg = self.config
            if cfg.rate <= 0 or not self.targets(method, path):
                return None
            if self.rng.random() >= cfg.rate:
                return None
            kinds = [k for k in cfg.kinds if method == "GET" or k not in GET_ONLY_KINDS]
            if not kinds:
                return None
            kind = self.rng.choice(kinds)
            if kind == "drop":
                return Fault(kind, "after" if self.rng.random() < 0.5 else "before")
            return Fault(kind, "after" if kind in AFTER_KINDS else "before")

    def record(
        self,
        fault: Fault,
        method: str,
        path: str,
        account: str | None,
        client_order_id: str | None,
        inner_status: int | None = None,
        *,
        served: bool = True,
    ) -> FaultEvent:
        """Count an injected fault and append it to the log."""
        with self._lock:
            self._seq += 1
            event = FaultEvent(
                self._seq,
                fault.kind,
                fault.phase,
                method,
                path,
                account,
                client_order_id,
                inner_status,
                served,
            )
            if served:
                self.by_kind[fault.kind] += 1
                self.by_endpoint[f"{method} {path}"] += 1
            self.events.append(event)
            return event

    def remember(self, key: tuple[str, ...], response: CachedResponse) -> None:
        """Keep a GET response for later ``stale`` replays."""
        with self._lock:
            self.history.setdefault(key, deque(maxlen=_STALE_DEPTH)).append(response)

    def recall(self, key: tuple[str, ...]) -> CachedResponse | None:
        """Return the oldest kept response for ``key`` (an out-of-date state), if any."""
        with self._lock:
            kept = self.history.get(key)
            return kept[0] if kept else None

    def summary(self) -> dict[str, object]:
        """Return counters for ``/sim/stats``."""
        return {
            "total": sum(self.by_kind.values()),
            "by_kind": dict(self.by_kind),
            "by_endpoint": dict(self.by_endpoint),
            "config": {
                "rate": self.config.rate,
                "kinds": list(self.config.kinds),
                "endpoints": list(self.config.endpoints),
                "seed": self.config.seed,
            },
        }
