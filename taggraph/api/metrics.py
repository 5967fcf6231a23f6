"""Prometheus metrics of the service: requests by route, method and status class, and their latency.

Every label value comes from a fixed set (the app's route templates, the HTTP methods it knows,
status classes), so no client can grow the metrics by sending made-up methods or paths.
"""

import time

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def method_label(method: str) -> str:
    """The method, or ``other`` for one outside :data:`METHODS`."""
    return method if method in METHODS else "other"


def status_label(status: int) -> str:
    """The status class: ``2xx``, ``4xx``, ``5xx``..."""
    return f"{status // 100}xx" if 100 <= status <= 599 else "other"


class RequestMetrics:
    """ASGI middleware counting requests and timing them, labelled by route template.

    Args:
        app: The wrapped application.
        registry: Registry the metrics live in (one per application).

    """

    def __init__(self, app: ASGIApp, registry: CollectorRegistry) -> None:
        self.app = app
        self.requests = Counter(
            "taggraph_http_requests",
            "HTTP requests answered.",
            ["method", "route", "status"],
            registry=registry,
        )
        self.latency = Histogram(
            "taggraph_http_request_seconds",
            "Time to answer an HTTP request.",
            ["method", "route"],
            registry=registry,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on and record its route, status and time."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def recorded_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, recorded_send)
        finally:
            template = getattr(scope.get("route"), "path", "unmatched")
            method = method_label(scope["method"])
            self.requests.labels(method, template, status_label(status)).inc()
            self.latency.labels(method, template).observe(time.perf_counter() - started)


class AnswerMetrics:
    """How answers were made: recommendations by method (model, graph, fallback).

    Args:
        registry: Registry the metrics live in (one per application).

    """

    METHODS = ("model", "graph", "fallback")

    def __init__(self, registry: CollectorRegistry) -> None:
        self.recommendations = Counter(
            "taggraph_recommendations",
            "Recommendation answers by how they were ranked.",
            ["method"],
            registry=registry,
        )
        for method in self.METHODS:
            self.recommendations.labels(method)

    def answered(self, method: str) -> None:
        """Count one recommendation answer made by ``method``."""
        self.recommendations.labels(method if method in self.METHODS else "other").inc()


def render(registry: CollectorRegistry) -> bytes:
    """The registry in Prometheus text format."""
    return generate_latest(registry)
