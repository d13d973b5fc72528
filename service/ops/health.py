"""Liveness and readiness: what a load balancer or an orchestrator asks before sending traffic."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import text

from service.cases.service import get_workflow
from service.core import crypto, migrate
from service.core.db import get_engine


def _database() -> str | None:
    with get_engine().connect() as conn:
        conn.execute(text("SELECT 1"))
    return None


def _schema() -> str | None:
    current, head = migrate.revisions(get_engine())
    return None if current == head else f"schema at {current or 'nothing'}, the code needs {head}"


def _keys() -> str | None:
    crypto.cached_keyring()
    crypto.cached_signing_keys()
    return None


def _workflow() -> str | None:
    get_workflow()
    return None


CHECKS: dict[str, Callable[[], str | None]] = {
    "database": _database,
    "schema": _schema,
    "keys": _keys,
    "workflow": _workflow,
}


def readiness() -> dict[str, str]:
    """Each check's verdict: "ok", or why not (the exception's kind, never its text: a database error
    can quote a connection string)."""
    verdicts: dict[str, str] = {}
    for name, check in CHECKS.items():
        try:
            problem = check()
        except Exception as exc:  # every failure is a "not ready", whatever raised it
            problem = f"failed ({type(exc).__name__})"
        verdicts[name] = problem or "ok"
    return verdicts
