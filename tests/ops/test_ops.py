"""Operations: liveness, readiness, Prometheus metrics and security headers on every response."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from service.api.app import create_app
from service.auth.models import Role
from service.cli.main import app as cli
from service.core.errors import KeyMaterialMissing
from service.ops import health


def _metric(text: str, name: str, **labels: str) -> float | None:
    """The value of one sample in the Prometheus text format (None when it is absent)."""
    for line in text.splitlines():
        if line.startswith("#") or not line.startswith(name):
            continue
        head, value = line.rsplit(" ", 1)
        if head.split("{", 1)[0] != name:
            continue
        found = dict(p.split("=", 1) for p in head[len(name) + 1 : -1].split(",")) if "{" in head else {}
        if all(found.get(k) == f'"{v}"' for k, v in labels.items()):
            return float(value)
    return None


def test_liveness_and_readiness(client) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {
        "status": "ready",
        "checks": {"database": "ok", "schema": "ok", "keys": "ok", "workflow": "ok"},
    }


def test_not_ready_says_which_check_failed(client, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    def no_keys() -> None:
        raise KeyMaterialMissing("no signing key in /secret/path")

    monkeypatch.setattr(health.crypto, "cached_signing_keys", no_keys)
    monkeypatch.setattr(health.migrate, "revisions", lambda _engine: ("0005", "0008_security"))
    answer = client.get("/readyz")
    assert answer.status_code == 503
    checks = answer.json()["checks"]
    assert checks["keys"] == "failed (KeyMaterialMissing)" and "/secret" not in answer.text
    assert checks["schema"] == "schema at 0005, the code needs 0008_security"
    assert checks["database"] == checks["workflow"] == "ok"


def test_metrics_count_requests_by_route_template_and_read_the_database(client, make_user) -> None:  # type: ignore[no-untyped-def]
    _, headers = make_user(Role.CELL_ADMIN, "AGODI")
    before = (
        _metric(
            client.get("/metrics").text,
            "tandem_http_requests_total",
            route="/api/cases/{case_id}",
            status="404",
        )
        or 0
    )
    for case_id in (123456, 654321):
        assert client.get(f"/api/cases/{case_id}", headers=headers).status_code == 404
    assert CliRunner().invoke(cli, ["tick"]).exit_code == 0
    answer = client.get("/metrics")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/plain")
    text = answer.text
    counted = _metric(
        text, "tandem_http_requests_total", route="/api/cases/{case_id}", method="GET", status="404"
    )
    assert counted == before + 2
    assert "123456" not in text  # ids never become labels
    assert (
        _metric(text, "tandem_http_request_duration_seconds_count", route="/api/cases/{case_id}") or 0
    ) >= 2
    assert _metric(text, "tandem_jobs", kind="tick", state="done") == 1
    assert _metric(text, "tandem_tick_runs", state="done") == 1
    assert (_metric(text, "tandem_tick_last_run_timestamp_seconds") or 0) > 0
    assert _metric(text, "tandem_cases_overdue") == 0
    assert _metric(text, "tandem_assignments_overdue", nis_code="21004") == 0


@pytest.mark.parametrize("path", ["/api/health", "/api/cases", "/api/nowhere", "/healthz", "/metrics"])
def test_every_response_carries_the_security_headers(client, path: str) -> None:  # type: ignore[no-untyped-def]
    answer = client.get(path)
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["referrer-policy"] == "no-referrer"
    csp = answer.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    assert "strict-transport-security" not in answer.headers  # plain HTTP: no HSTS


def test_hsts_over_tls_and_a_docs_page_that_still_loads(engine) -> None:  # type: ignore[no-untyped-def]
    with TestClient(create_app(), base_url="https://testserver") as tls:
        assert tls.get("/healthz").headers["strict-transport-security"].startswith("max-age=31536000")
        docs = tls.get("/docs")
    assert docs.status_code == 200 and "cdn.jsdelivr.net" in docs.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in docs.headers["content-security-policy"]
