"""Runs: start a linkage run (school year, reference date) as a job, then the run: its statuses,
the model's health verdict, the weights it learnt per field, and each child's explanation."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from service.core.errors import TandemError
from service.ingest import service as ingest
from service.jobs import service as jobs
from service.linkage import review
from service.linkage import service as linkage
from service.web.cell_lists import current_school_year
from service.web.forms import FormErrors
from service.web.pages import Page, form_for, page_for, register_nav

router = APIRouter(include_in_schema=False)
register_nav("nav.runs", "/runs", "web:cell")
RESIDUAL_SHOWN = 200


def _years(page: Page) -> list[str]:
    return sorted(set(ingest.school_year_labels(page.db).values()) | {current_school_year()}, reverse=True)


def _runs_page(page: Page, **extra: Any) -> Response:
    latest = [(year, linkage.latest_run(page.db, year)) for year in _years(page)]
    return page.render("cell/runs.html", latest=latest, years=_years(page), **extra)


@router.get("/runs", response_class=HTMLResponse)
def runs(page: Page = Depends(page_for("web:cell"))) -> Response:
    return _runs_page(page)


@router.post("/runs", response_class=HTMLResponse)
def start(page: Page = Depends(form_for("runs:write"))) -> Response:
    year = str(page.form.get("school_year", "")).strip()
    raw = str(page.form.get("reference_date", "")).strip()
    errors = FormErrors()
    reference: date | None = None
    if not year:
        errors.add("school_year", "form.required")
    try:
        reference = date.fromisoformat(raw)
    except ValueError:
        errors.add("reference_date", "form.invalid_date" if raw else "form.required")
    if errors or reference is None:
        return _runs_page(page, errors=errors, values=page.form)
    actor = page.actor

    def work(job_session: Session, progress: jobs.JobProgress) -> dict[str, Any]:
        run = linkage.run_linkage(job_session, year, reference, actor, progress=progress)
        return {
            "run_id": run.id,
            "message": f"run {run.id} done",
            "health": run.counts.get("model_health", {}),
        }

    started = jobs.start(page.db, "run", actor.user_id, work)
    return page.redirect(f"/jobs/{started['job_id']}")


def weights(run: Any) -> list[dict[str, Any]]:
    """The learnt m, u and match weight of every level of every compared field."""
    rows = []
    for comparison in (run.model or {}).get("model", {}).get("comparisons", []):
        for level in comparison.get("levels", []):
            rows.append({"field": comparison["field"], **level})
    return rows


@router.get("/runs/{run_id}", response_class=HTMLResponse)
def run_page(run_id: int, page: Page = Depends(page_for("web:cell"))) -> Response:
    run = linkage.get_run(page.db, run_id)
    statuses = (run.counts or {}).get("statuses", {})
    bars = [{"label": page.t(f"runs.status_{s}"), "value": n} for s, n in statuses.items()]
    residual = linkage.residual_children(page.db, run_id=run_id)[:RESIDUAL_SHOWN]
    return page.render(
        "cell/run.html",
        run=run,
        bars=bars,
        health=(run.counts or {}).get("model_health", {}),
        weights=weights(run),
        residual=residual,
        year=ingest.school_year_labels(page.db).get(run.school_year_id, "?"),
    )


@router.get("/runs/{run_id}/children/{person_id}", response_class=HTMLResponse)
def explanation(run_id: int, person_id: int, page: Page = Depends(page_for("review:read"))) -> Response:
    """How a child got its status in the run (an audited read of the child, as the API's)."""
    try:
        found = review.explain(page.db, person_id, page.actor, run_id)
    except TandemError:
        found = review.explain(page.db, person_id, page.actor)
    return page.render("cell/explain.html", run_id=run_id, found=found)
