"""Letters: prepare a batch (its counts and a preview first), download the print file, mark it
posted and see what to pull; the stored PDFs. The same audit events as the letters API."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends
from fastapi.responses import FileResponse, HTMLResponse, Response
from sqlalchemy.orm import Session

from service.audit import service as audit
from service.cases import service as cases
from service.core.errors import NotFound, TandemError
from service.jobs import service as jobs
from service.letters import service as letters
from service.web.forms import FormErrors
from service.web.pages import Page, form_for, page_for, register_nav

router = APIRouter(include_in_schema=False)
register_nav("nav.letters", "/letters", "web:cell")
KINDS = {"letter_1": "letter_1_due", "letter_2": "letter_2_due"}


def _pdf(path: str) -> FileResponse:
    if not path or not Path(path).is_file():
        raise NotFound("the stored PDF is no longer in the output folder")
    return FileResponse(path, media_type="application/pdf", filename=Path(path).name)


def _due(page: Page) -> list[dict[str, Any]]:
    community = page.actor.community if page.actor.community in ("nl", "fr") else None
    counts = cases.stage_counts(page.db, page.actor, cases.CaseFilter(community=community, open=True))
    due = []
    for kind, state in KINDS.items():
        n = counts.get(state, (0, 0))[0]
        first = cases.list_cases(
            page.db, page.actor, cases.CaseFilter(state=[state], community=community, open=True), limit=1
        )[1]
        due.append({"kind": kind, "cases": n, "preview_case": first[0].id if first else None})
    return due


def _letters_page(page: Page, **extra: Any) -> Response:
    return page.render(
        "cell/letters.html", due=_due(page), batches=letters.list_batches(page.db, 50), **extra
    )


@router.get("/letters", response_class=HTMLResponse)
def letters_page(page: Page = Depends(page_for("web:cell"))) -> Response:
    return _letters_page(page)


@router.get("/letters/preview")
def preview(kind: str, case: int, page: Page = Depends(page_for("letters:read"))) -> Response:
    """A case's letter, watermarked, recording nothing but the audit event (as the API's)."""
    if kind not in KINDS:
        raise NotFound("unknown letter")
    data = letters.preview(page.db, case, kind, page.actor)
    return Response(
        data,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="preview-{kind}-case-{case}.pdf"'},
    )


@router.post("/letters/batches", response_class=HTMLResponse)
def prepare(page: Page = Depends(form_for("letters:write"))) -> Response:
    kind = str(page.form.get("kind", ""))
    raw_date = str(page.form.get("letter_date", "")).strip()
    errors = FormErrors()
    letter_date: date | None = None
    if kind not in KINDS:
        errors.add("kind", "form.invalid_choice")
    try:
        letter_date = date.fromisoformat(raw_date) if raw_date else None
    except ValueError:
        errors.add("letter_date", "form.invalid_date")
    if not errors:
        try:
            letters.check_due_school_years(page.db, kind, page.actor, letter_date=letter_date)
        except TandemError as exc:
            errors.add_refusal("letter_date", str(exc))
    if errors:
        return _letters_page(page, errors=errors, values=page.form, failed=kind)
    actor = page.actor

    def work(job_session: Session, progress: jobs.JobProgress) -> dict[str, Any]:
        batch, _ = letters.run_batch(
            job_session,
            kind,
            actor,
            post=False,
            letter_date=letter_date,
            progress=lambda done, total: progress(done, total, "rendering"),
        )
        if batch is None:
            return {"message": "no case is due for this letter", "batch_id": None}
        return {"message": f"batch {batch.id} prepared", "batch_id": batch.id}

    started = jobs.start(page.db, "letter_batch", actor.user_id, work)
    return page.redirect(f"/jobs/{started['job_id']}")


def _batch_page(page: Page, batch_id: int, **extra: Any) -> Response:
    batch = letters.get_batch(page.db, batch_id)
    found = letters.list_letters(page.db, batch_id=batch_id, limit=100_000)
    audit.record(
        page.db, page.actor, "read", "letter", [x.id for x in found], purpose=f"letter batch {batch_id}"
    )
    return page.render("cell/letter_batch.html", batch=batch, letters=found, **extra)


@router.get("/letters/batches/{batch_id}", response_class=HTMLResponse)
def batch_page(batch_id: int, page: Page = Depends(page_for("web:cell"))) -> Response:
    return _batch_page(page, batch_id)


@router.get("/letters/batches/{batch_id}/pdf")
def batch_pdf(batch_id: int, page: Page = Depends(page_for("letters:read"))) -> Response:
    batch = letters.get_batch(page.db, batch_id)
    ids = [x.id for x in letters.list_letters(page.db, batch_id=batch_id, limit=100_000)]
    audit.record(
        page.db, page.actor, "download", "letter", ids, purpose=f"print file of letter batch {batch_id}"
    )
    page.db.commit()
    return _pdf(batch.print_file)


@router.post("/letters/batches/{batch_id}/post", response_class=HTMLResponse)
def post(batch_id: int, page: Page = Depends(form_for("letters:write"))) -> Response:
    """The print room handed the batch to the post: the cases move on; the pull list is shown."""
    try:
        report = letters.post_batch(page.db, batch_id, page.actor)
    except TandemError as exc:
        errors = FormErrors()
        errors.add_refusal("post", str(exc))
        return _batch_page(page, batch_id, errors=errors)
    page.db.commit()
    return _batch_page(page, batch_id, report=report.as_dict())


@router.get("/letters/{letter_id}/pdf")
def letter_pdf(letter_id: int, page: Page = Depends(page_for("letters:read"))) -> Response:
    letter = letters.get_letter(page.db, letter_id)
    audit.record(page.db, page.actor, "download", "letter", [letter.id], purpose="stored letter")
    page.db.commit()
    return _pdf(letter.path)
