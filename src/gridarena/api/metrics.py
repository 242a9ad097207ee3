"""Prometheus metrics of one API instance, in its own registry (tests never collide)."""

from __future__ import annotations

from typing import Final

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

__all__ = ["CONTENT_TYPE", "ApiMetrics"]

CONTENT_TYPE: Final = CONTENT_TYPE_LATEST
_BUCKETS: Final = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class ApiMetrics:
    """Request counts and latency by route template, limits, auth failures, stream clients."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self._children: dict[tuple[str, str, int], tuple[Counter, Histogram]] = {}
        r = self.registry
        self.requests = Counter(
            "gridarena_api_requests_total",
            "HTTP requests by method, route template and status.",
            ("method", "route", "status"),
            registry=r,
        )
        self.latency = Histogram(
            "gridarena_api_request_duration_seconds",
            "HTTP request latency by method and route template.",
            ("method", "route"),
            buckets=_BUCKETS,
            registry=r,
        )
        self.in_flight = Gauge(
            "gridarena_api_requests_in_flight", "Requests being served.", registry=r
        )
        self.rate_limited = Counter(
            "gridarena_api_rate_limited_total",
            "Requests refused by a rate limit.",
            ("route",),
            registry=r,
        )
        self.auth_failures = Counter(
            "gridarena_api_auth_failures_total",
            "Refused credentials by reason.",
            ("reason",),
            registry=r,
        )
        self.stream_clients = Gauge(
            "gridarena_api_stream_clients", "Connected SSE and WebSocket clients.", registry=r
        )
        self.events_dropped = Counter(
            "gridarena_api_stream_events_dropped_total",
            "Events dropped for slow stream clients.",
            registry=r,
        )

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        """Count one request and its latency (label children cached: the hot path)."""
        key = (method, route, status)
        children = self._children.get(key)
        if children is None:
            children = (
                self.requests.labels(method, route, str(status)),
                self.latency.labels(method, route),
            )
            self._children[key] = children
        children[0].inc()
        children[1].observe(seconds)

    def render(self) -> bytes:
        """Return the exposition text of every metric."""
        return generate_latest(self.registry)
