"""Lists: upload a source file (kind, school year, source), follow its ingest, read its validation
report, and the year's batches with their supersede history and what a late list closed."""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile

from service.cases import service as cases
from service.core import clock
from service.core.errors import NotFound
from service.core.settings import get_settings
from service.ingest import service as ingest
from service.ingest.service import SourceKind
from service.jobs import service as jobs
from service.web.forms import FormErrors
from service.web.pages import Page, form_for, page_for, register_nav

router = APIRouter(include_in_schema=False)
register_nav("nav.lists", "/lists", "web:cell")
KINDS = [k.value for k in SourceKind]


def current_school_year() -> str:
    today = clock.now().date()
    start = today.year if today.month >= 9 else today.year - 1
    return f"{start}-{start + 1}"


def _years(page: Page) -> list[str]:
    return sorted(set(ingest.school_year_labels(page.db).values()) | {current_school_year()}, reverse=True)


def _closed_by(page: Page, batch_ids: set[int]) -> dict[int, list[int]]:
    """Cases a late list closed, by the batch that accounted for the child."""
    if not batch_ids:
        return {}
    _, closed = cases.list_cases(
        page.db, page.actor, cases.CaseFilter(closure_reason="enrolled_late_list"), limit=1000
    )
    found: dict[int, list[int]] = {}
    for c in closed:
        batch = ((c.closure or {}).get("evidence") or {}).get("batch_id")
        if batch in batch_ids:
            found.setdefault(int(batch), []).append(c.id)
    return found


def _lists_page(page: Page, **extra: Any) -> Response:
    year = page.request.query_params.get("school_year") or str(extra.pop("year", "")) or _years(page)[0]
    batches = ingest.list_batches(page.db, year)
    closed = _closed_by(page, {b.id for b in batches})
    return page.render(
        "cell/lists.html",
        year=year,
        years=_years(page),
        kinds=KINDS,
        batches=batches,
        closed=closed,
        **extra,
    )


@router.get("/lists", response_class=HTMLResponse)
def lists(page: Page = Depends(page_for("web:cell"))) -> Response:
    return _lists_page(page)


def _store(upload: UploadFile) -> tuple[Path, str]:
    uploads = get_settings().data_dir / "uploads"
    uploads.mkdir(parents=True, exist_ok=True)
    raw = upload.filename or "upload"
    name = (
        "".join(ch for ch in raw if ch.isprintable()).replace("\\", "/").rsplit("/", 1)[-1][-200:] or "upload"
    )
    path = uploads / f"{uuid.uuid4().hex}{Path(name).suffix[:8]}"
    with path.open("wb") as out:
        shutil.copyfileobj(upload.file, out)
    return path, name


@router.post("/lists", response_class=HTMLResponse)
def upload(page: Page = Depends(form_for("ingest:write"))) -> Response:
    """Store the file and ingest it as a background job, as the API does; then follow the job."""
    form = page.form
    errors = FormErrors()
    kind = str(form.get("kind", ""))
    year = str(form.get("school_year", "")).strip()
    source = str(form.get("source", "")).strip() or None
    upload_file = form.get("file")
    if kind not in KINDS:
        errors.add("kind", "form.invalid_choice")
    if not year:
        errors.add("school_year", "form.required")
    if not isinstance(upload_file, UploadFile) or not upload_file.filename:
        errors.add("file", "lists.file_required")
    if errors:
        return _lists_page(page, errors=errors, values=form, year=year)
    assert isinstance(upload_file, UploadFile)
    path, name = _store(upload_file)
    actor = page.actor

    def work(job_session: Session, progress: jobs.JobProgress) -> dict[str, Any]:
        try:
            report = ingest.ingest_file(
                job_session,
                SourceKind(kind),
                path,
                year,
                actor,
                source=source,
                file_name=name,
                progress=lambda done, total: progress(done, total, "reading"),
            )
        finally:
            path.unlink(missing_ok=True)
        return report.as_dict()

    started = jobs.start(page.db, "ingest", actor.user_id, work)
    return page.redirect(f"/jobs/{started['job_id']}")


@router.get("/lists/batches/{batch_id}", response_class=HTMLResponse)
def batch_page(batch_id: int, page: Page = Depends(page_for("web:cell"))) -> Response:
    found = ingest.batches_by_id(page.db, batch_ids=[batch_id])
    if not found:
        raise NotFound("batch not found")
    batch = found[0]
    history = [b for b in ingest.list_batches(page.db, batch.school_year.label) if b.kind == batch.kind]
    closed = _closed_by(page, {batch.id}).get(batch.id, [])
    return page.render("cell/batch.html", batch=batch, history=history, closed=closed)
