"""The FastAPI application: each domain's router mounted in one place."""

from __future__ import annotations

import importlib
import logging
from copy import copy

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute

from service.api.bounds import THROTTLED, harden
from service.core.db import session_scope
from service.core.errors import TandemError
from service.core.logging import configure_logging, log_failure
from service.jobs import service as jobs
from service.ops import views as ops
from service.ops.headers import add_security_headers
from service.ops.metrics import measure
from service.web import views as web
from service.wiring import wire

log = logging.getLogger(__name__)

# Domains whose `views.router` is mounted; a domain adds itself here, nowhere else.
DOMAINS = [
    "auth",
    "gemeenten",
    "ingest",
    "jobs",
    "audit",
    "cases",
    "linkage",
    "parket",
    "notifications",
    "letters",
    "indicators",
]
PUBLIC_ROUTES = {("POST", "/api/auth/token"), ("GET", "/api/health")} | ops.PUBLIC


def _fail_orphaned_jobs() -> None:
    """Jobs left `running` by a process that died are failed and their uploads removed."""
    with session_scope() as session:
        jobs.fail_orphaned_jobs(session)


def create_app() -> FastAPI:
    configure_logging()
    wire()  # the domains' hooks, then the workflow and letters checked: a bad file stops start-up
    app = FastAPI(
        title="Tandem",
        version="0.1.0",
        description="Record linkage and case service for absolute truancy control in Brussels",
    )
    for domain in DOMAINS:
        app.include_router(importlib.import_module(f"service.{domain}.views").router)
    app.router.on_startup.append(_fail_orphaned_jobs)
    web.install(app)  # the web interface under / (its pages, assets and error pages)

    @app.exception_handler(TandemError)
    async def tandem_error(request: Request, exc: TandemError) -> Response:
        if web.is_page_request(request):
            return web.page_error(request, exc)
        body = {"detail": str(exc)}
        report = getattr(exc, "report", None)
        if report is not None:
            body["report"] = report.as_dict()
        retry_after = getattr(exc, "retry_after", None)
        headers = {"Retry-After": str(retry_after)} if retry_after else None
        return JSONResponse(status_code=exc.status, content=body, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        if web.is_page_request(request):
            return web.page_error(request, exc)
        # FastAPI's default answer repeats the offending input (for a missing field, the whole body),
        # and bodies carry names and addresses: name the field and the rule, never the value.
        errors = [
            {"type": e.get("type"), "loc": list(e.get("loc", ())), "msg": e.get("msg")} for e in exc.errors()
        ]
        return JSONResponse(status_code=422, content={"detail": errors})

    @app.middleware("http")
    async def unexpected_error(request: Request, call_next):  # type: ignore[no-untyped-def]
        # Handled here rather than by the server, whose log line would carry the error's message.
        try:
            return await call_next(request)
        except Exception as exc:
            log_failure(log, "%s %s failed", request.method, request.url.path, exc=exc)
            return JSONResponse(status_code=500, content={"detail": "internal error"})

    @app.get("/api/health", tags=["meta"])
    def health() -> dict[str, str]:
        return {"status": "ok"}

    app.include_router(ops.router)  # /healthz, /readyz, /metrics (service.ops)
    app.middleware("http")(measure)  # outermost: it sees the 500s the handler above produces
    app.middleware("http")(add_security_headers)
    harden(api_routes(app))
    for route in api_routes(app):
        if route.path == "/api/auth/token":
            route.responses.update(THROTTLED)

    return app


def all_routes(app: FastAPI) -> list[APIRoute]:
    """Every route with its full path (newer FastAPI keeps included routers as wrappers)."""
    found: list[APIRoute] = []

    def walk(routes: list, prefix: str) -> None:  # type: ignore[type-arg]
        for route in routes:
            if isinstance(route, APIRoute):
                if prefix:
                    route = copy(route)
                    route.path = prefix + route.path
                found.append(route)
            elif hasattr(route, "original_router"):
                walk(route.original_router.routes, prefix + route.include_context.prefix)

    walk(list(app.routes), "")
    return found


def api_routes(app: FastAPI) -> list[APIRoute]:
    """Every route of the JSON API (the web interface's pages are `web_routes`)."""
    return [route for route in all_routes(app) if route.path.startswith("/api")]


def web_routes(app: FastAPI) -> list[APIRoute]:
    """Every page and form route of the web interface (the route x role matrix of the pages): not
    the API, not the monitoring endpoints (service.ops)."""
    monitoring = {path for _method, path in ops.PUBLIC}
    return [r for r in all_routes(app) if not r.path.startswith("/api") and r.path not in monitoring]
