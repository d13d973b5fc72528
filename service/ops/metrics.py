"""Prometheus metrics: requests by route template and status, their latency, and gauges read from
the database at scrape time (jobs by kind and state, tick runs, overdue cases and assignments).

Request counters live in the process; with several uvicorn workers set `PROMETHEUS_MULTIPROC_DIR`
to an empty directory writable by the service, and the scrape adds up every worker's counts.
"""

from __future__ import annotations

import os
import time
from collections.abc import Awaitable, Callable, Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from starlette.requests import Request
from starlette.responses import Response

from service.auth.service import Actor
from service.cases import service as cases
from service.core.db import session_scope
from service.gemeenten import service as gemeenten
from service.jobs import service as jobs

REGISTRY = CollectorRegistry()
REQUESTS = Counter(
    "tandem_http_requests_total",
    "HTTP requests by route template, method and status",
    ["route", "method", "status"],
    registry=REGISTRY,
)
LATENCY = Histogram(
    "tandem_http_request_duration_seconds",
    "Time to answer, by route template and method",
    ["route", "method"],
    registry=REGISTRY,
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1.0, 2.5, 5.0, 10.0),
)
METRICS_ACTOR = Actor.system("metrics")


def route_template(request: Request) -> str:
    """The matched route's template (`/api/cases/{case_id}`), never the raw path: ids stay out of
    the labels, and the number of series stays bounded."""
    route = request.scope.get("route")
    return getattr(route, "path_format", None) or getattr(route, "path", None) or "unmatched"


async def measure(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
    started = time.perf_counter()
    response = await call_next(request)
    route = route_template(request)
    LATENCY.labels(route, request.method).observe(time.perf_counter() - started)
    REQUESTS.labels(route, request.method, str(response.status_code)).inc()
    return response


class DatabaseGauges(Collector):
    """Read at every scrape, so every worker (and the tick's own process) agrees."""

    def describe(self) -> list[GaugeMetricFamily]:
        return []  # nothing read at registration (import time): the database may not exist yet

    def collect(self) -> Iterator[GaugeMetricFamily]:
        job_gauge = GaugeMetricFamily("tandem_jobs", "Jobs by kind and state", labels=["kind", "state"])
        tick = GaugeMetricFamily("tandem_tick_runs", "Tick runs recorded, by outcome", labels=["state"])
        last = GaugeMetricFamily("tandem_tick_last_run_timestamp_seconds", "When the last tick ended")
        overdue_cases = GaugeMetricFamily("tandem_cases_overdue", "Open cases past their deadline")
        overdue = GaugeMetricFamily(
            "tandem_assignments_overdue", "Open gemeente assignments past their due date", labels=["nis_code"]
        )
        with session_scope() as session:
            for kind, state, count in jobs.job_counts(session):
                job_gauge.add_metric([kind, state], count)
                if kind == "tick":
                    tick.add_metric([state], count)
            ended = jobs.last_finished(session, kind="tick")
            last.add_metric([], ended.timestamp() if ended else 0)
            total, _ = cases.list_cases(session, METRICS_ACTOR, cases.CaseFilter(overdue=True), limit=1)
            overdue_cases.add_metric([], total)
            for load in gemeenten.overview(session, METRICS_ACTOR):
                overdue.add_metric([load.nis_code], load.overdue)
        yield from (job_gauge, tick, last, overdue_cases, overdue)


REGISTRY.register(DatabaseGauges())


def exposition() -> bytes:
    """The Prometheus text format: this process's counters (or every worker's), then the gauges."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        workers = CollectorRegistry()
        MultiProcessCollector(workers)
        return generate_latest(workers) + generate_latest(_gauges_only)
    return generate_latest(REGISTRY)


_gauges_only = CollectorRegistry()
_gauges_only.register(DatabaseGauges())
