"""Letters through the API: preview, print batches (a job), stored PDFs, replies and returned mail.

Letters are the joint cell's work (`letters:read` / `letters:write`). Every response that carries
or points at personal data (a PDF, a reply, the letters of a case) is audited.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import FileResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from service.api.responses import download
from service.audit import service as audit
from service.auth.deps import allow, db_session
from service.auth.service import Actor
from service.core.errors import NotFound
from service.jobs import service as jobs
from service.letters import service
from service.letters.schemas import (
    BatchDetailOut,
    BatchOut,
    BatchRunOut,
    JobOut,
    LetterOut,
    PostOut,
    ReplyOut,
)
from service.letters.service import ReplyForm
from service.letters.templates import templates

router = APIRouter(prefix="/api/letters", tags=["letters"])
PDF: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/pdf": {}}, "description": "A PDF file"}
}
templates()  # check the templates and their declared variables when the API starts


class BatchIn(BaseModel):
    kind: str = Field(pattern="^letter_[12]$")
    channel: str | None = None
    letter_date: date | None = None
    post: bool = Field(False, description="Record the batch as posted at once (no pull window)")
    limit: int | None = Field(None, ge=1)
    wait: bool = Field(False, description="Run in the request instead of as a background job")
    allow_past_school_year: bool = Field(
        False, description="Prepare letters even for cases of a school year that is over (warned)"
    )


class PostIn(BaseModel):
    posted_on: date | None = None


class ReplyIn(ReplyForm):
    """The reply form, and the case it answers."""

    case_id: int


class VerifyIn(BaseModel):
    sufficient: bool
    reason: str = ""


class ReturnedIn(BaseModel):
    reason: str = service.RETURNED_REASON
    received_on: date | None = None


def _pdf(path: str, name: str) -> FileResponse:
    if not path or not Path(path).is_file():
        raise NotFound("the stored PDF is no longer in the output folder")
    return FileResponse(path, media_type="application/pdf", filename=name)


@router.get("/preview", response_class=Response, responses=PDF)
def preview(
    case_id: int,
    kind: str = Query(..., pattern="^letter_[12]$"),
    envelope: int | None = Query(
        None, ge=1, description="One envelope (guardians living apart), default all"
    ),
    letter_date: date | None = None,
    actor: Actor = Depends(allow("letters:read")),
    session: Session = db_session,
) -> Response:
    """A case's letter as PDF, watermarked, recording nothing but the audit event."""
    data = service.preview(session, case_id, kind, actor, letter_date=letter_date, recipient_no=envelope)
    return download(data, f"preview-{kind}-case-{case_id}.pdf", inline=True)


@router.post(
    "/batches",
    status_code=202,
    response_model=JobOut,
    responses={409: {"description": "A due case's school year is over (see allow_past_school_year)"}},
)
def create_batch(
    body: BatchIn,
    actor: Actor = Depends(allow("letters:write")),
    session: Session = db_session,
) -> dict[str, Any]:
    """Render every case due for the letter into a print batch (a background job unless `wait`).

    Cases of a school year that is over stop the batch (409) unless `allow_past_school_year`; the
    job's result then lists the warnings."""

    service.check_due_school_years(
        session,
        body.kind,
        actor,
        letter_date=body.letter_date,
        limit=body.limit,
        allow_past_school_year=body.allow_past_school_year,
    )

    def work(job_session: Session, progress: jobs.JobProgress) -> dict[str, Any]:
        warnings: list[str] = []
        batch, report = service.run_batch(
            job_session,
            body.kind,
            actor,
            post=body.post,
            channel=body.channel,
            letter_date=body.letter_date,
            limit=body.limit,
            progress=lambda done, total: progress(done, total, "rendering"),
            allow_past_school_year=body.allow_past_school_year,
            warn=warnings.append,
        )
        if batch is None:
            out = BatchRunOut(message="no case is due for this letter", batch=None, warnings=warnings)
        else:
            posted = PostOut.model_validate(report.as_dict()) if report else None
            out = BatchRunOut(batch=BatchOut.model_validate(batch), posted=posted, warnings=warnings)
        return out.model_dump(mode="json")

    return jobs.start(session, "letter_batch", actor.user_id, work, wait=body.wait)


@router.get("/batches", response_model=list[BatchOut])
def list_batches(
    limit: int = Query(100, ge=1, le=1000),
    actor: Actor = Depends(allow("letters:read")),
    session: Session = db_session,
) -> Any:
    """Batches with their counts (no personal data)."""
    return service.list_batches(session, limit)


@router.get("/batches/{batch_id}", response_model=BatchDetailOut)
def get_batch(
    batch_id: int,
    actor: Actor = Depends(allow("letters:read")),
    session: Session = db_session,
) -> Any:
    batch = service.get_batch(session, batch_id)
    found = service.list_letters(session, batch_id=batch_id, limit=100_000)
    audit.record(session, actor, "read", "letter", [x.id for x in found], purpose=f"letter batch {batch_id}")
    return BatchDetailOut(
        **BatchOut.model_validate(batch).model_dump(),
        letter_list=[LetterOut.model_validate(x) for x in found],
    )


@router.get("/batches/{batch_id}/pdf", response_class=FileResponse, responses=PDF)
def batch_pdf(
    batch_id: int,
    actor: Actor = Depends(allow("letters:read")),
    session: Session = db_session,
) -> FileResponse:
    """The merged print file of a batch."""
    batch = service.get_batch(session, batch_id)
    ids = [x.id for x in service.list_letters(session, batch_id=batch_id, limit=100_000)]
    audit.record(session, actor, "download", "letter", ids, purpose=f"print file of letter batch {batch_id}")
    return _pdf(batch.print_file, Path(batch.print_file).name)


@router.post("/batches/{batch_id}/post", response_model=PostOut)
def post_batch(
    batch_id: int,
    body: PostIn | None = None,
    actor: Actor = Depends(allow("letters:write")),
    session: Session = db_session,
) -> dict[str, Any]:
    """The print room handed the batch to the post: letters sent, cases moved on, pull list returned."""
    report = service.post_batch(session, batch_id, actor, posted_on=body.posted_on if body else None)
    return report.as_dict()


@router.get("", response_model=list[LetterOut])
def list_letters(
    case_id: int | None = None,
    batch_id: int | None = None,
    status: str | None = None,
    limit: int = Query(200, ge=1, le=5000),
    actor: Actor = Depends(allow("letters:read")),
    session: Session = db_session,
) -> Any:
    found = service.list_letters(session, case_id=case_id, batch_id=batch_id, status=status, limit=limit)
    audit.record(session, actor, "read", "letter", [x.id for x in found], purpose="letter list")
    return found


@router.get("/{letter_id}/pdf", response_class=FileResponse, responses=PDF)
def letter_pdf(
    letter_id: int,
    actor: Actor = Depends(allow("letters:read")),
    session: Session = db_session,
) -> FileResponse:
    """The stored PDF exactly as printed (its SHA-256 is in the letter list)."""
    letter = service.get_letter(session, letter_id)
    audit.record(session, actor, "download", "letter", [letter.id], purpose="stored letter")
    return _pdf(letter.path, Path(letter.path).name)


@router.post("/{letter_id}/returned", response_model=ReplyOut)
def returned_mail(
    letter_id: int,
    body: ReturnedIn | None = None,
    actor: Actor = Depends(allow("letters:write")),
    session: Session = db_session,
) -> Any:
    """The letter came back undelivered; once every envelope is back the case goes to the gemeente."""
    body = body or ReturnedIn()
    reply = service.record_returned_mail(
        session, letter_id, actor, reason=body.reason, received_on=body.received_on
    )
    return reply


@router.post("/replies", status_code=201, response_model=ReplyOut)
def record_reply(
    body: ReplyIn,
    actor: Actor = Depends(allow("letters:write")),
    session: Session = db_session,
) -> Any:
    """The family's answer from the reply form (or by e-mail or phone), for an operator to verify."""
    form = ReplyForm.model_validate(body.model_dump(exclude={"case_id"}))
    return service.record_reply(session, body.case_id, form, actor)


@router.get("/replies", response_model=list[ReplyOut])
def list_replies(
    outcome: str | None = None,
    case_id: int | None = None,
    limit: int = Query(200, ge=1, le=5000),
    actor: Actor = Depends(allow("letters:read")),
    session: Session = db_session,
) -> Any:
    """Replies, e.g. `outcome=pending` for the verification queue."""
    found = service.list_replies(session, outcome=outcome, case_id=case_id, limit=limit)
    audit.record(session, actor, "read", "letter_reply", [r.id for r in found], purpose="reply list")
    return found


@router.post("/replies/{reply_id}/verify", response_model=ReplyOut)
def verify_reply(
    reply_id: int,
    body: VerifyIn,
    actor: Actor = Depends(allow("letters:write")),
    session: Session = db_session,
) -> Any:
    """Sufficient: the case closes with the answer. Insufficient (reason required): it moves on."""
    reply = service.verify_reply(session, reply_id, actor, sufficient=body.sufficient, reason=body.reason)
    audit.record(session, actor, "change", "letter_reply", [reply.id], purpose="verify reply")
    return reply
