"""Following a background job (an ingest, a run, a bulk action): progress, then its result."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, Response

from service.jobs import service as jobs
from service.web.pages import Page, page_for

router = APIRouter(include_in_schema=False)


@router.get("/jobs/{job_id}", response_class=HTMLResponse)
def job_page(job_id: int, page: Page = Depends(page_for("jobs:read"))) -> Response:
    job = jobs.job_status(page.db, job_id)
    return page.render("cell/job.html", job=job)


@router.get("/jobs/{job_id}/progress", response_class=HTMLResponse)
def job_progress(job_id: int, page: Page = Depends(page_for("jobs:read"))) -> Response:
    """The progress fragment the job page reloads until the job is over."""
    job = jobs.job_status(page.db, job_id)
    return page.render("cell/job_progress.html", job=job)
