"""Letters through the API: preview, print batches (a job), stored PDFs, replies and returned mail.

Letters are the joint cell's work (`letters:read` / `letters:write`). Every response that carries
or points at personal data (a PDF, a reply, the letters of a case) is audited.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, Query
from fastapi.encoders import jsonable_encoder
from fastapi.responses import FileResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from service.api.responses import download
from service.audit import service as audit
from service.auth.deps import allow, get_session
from service.auth.service import Actor
from service.core.errors import NotFound
from service.jobs import service as jobs
from service.letters import service
from service.letters.models import Letter, LetterBatch, LetterReply
from service.letters.templates import templates

router = APIRouter(prefix="/api/letters", tags=["letters"])
templates()  # check the templates and their declared variables when the API starts


class BatchIn(BaseModel):
    kind: str = Field(pattern="^letter_[12]$")
    channel: str | None = None
    letter_date: date | None = None
    post: bool = Field(False, description="Record the batch as posted at once (no pull window)")
    limit: int | None = Field(None, ge=1)
    wait: bool = Field(False, description="Run in the request instead of as a background job")


class PostIn(BaseModel):
    posted_on: date | None = None


class ReplyIn(BaseModel):
    case_id: int
    answer: str
    school_name: str | None = None
    school_address: str | None = None
    school_community: str | None = None
    new_address: str | None = None
    moved_on: date | None = None
    text: str = ""
    received_on: date | None = None
    channel: str = "post"


class VerifyIn(BaseModel):
    sufficient: bool
    reason: str = ""


class ReturnedIn(BaseModel):
    reason: str = "address unknown"
    received_on: date | None = None


def batch_dict(b: LetterBatch) -> dict[str, Any]:
    return {
        "id": b.id,
        "kind": b.kind,
        "channel": b.channel,
        "status": b.status,
        "letter_date": b.letter_date,
        "owner_community": b.owner_community,
        "created_at": b.created_at,
        "created_by": b.created_by,
        "posted_at": b.posted_at,
        "posted_by": b.posted_by,
        "letters": b.letter_count,
        "cases": b.case_count,
        "pages": b.page_count,
        "print_sha256": b.print_sha256,
        "skipped": b.skipped,
    }


def letter_dict(x: Letter) -> dict[str, Any]:
    return {
        "id": x.id,
        "batch_id": x.batch_id,
        "case_id": x.case_id,
        "kind": x.kind,
        "reference": x.reference,
        "envelope": x.recipient_no,
        "envelopes": x.recipients_total,
        "country": x.country,
        "channel": x.channel,
        "status": x.status,
        "letter_date": x.letter_date,
        "reply_by": x.reply_by,
        "pages": x.pages,
        "sha256": x.sha256,
        "posted_at": x.posted_at,
        "cancelled_at": x.cancelled_at,
        "cancel_reason": x.cancel_reason,
        "returned_at": x.returned_at,
    }


def reply_dict(r: LetterReply) -> dict[str, Any]:
    return {
        "id": r.id,
        "case_id": r.case_id,
        "letter_id": r.letter_id,
        "kind": r.kind,
        "step": r.step,
        "received_on": r.received_on,
        "channel": r.channel,
        "answer": r.answer,
        "school_name": r.school_name,
        "school_address": r.school_address,
        "school_community": r.school_community,
        "new_address": r.new_address,
        "moved_on": r.moved_on,
        "text": r.text,
        "outcome": r.outcome,
        "recorded_at": r.recorded_at,
        "recorded_by": r.recorded_by,
        "decided_at": r.decided_at,
        "decided_by": r.decided_by,
        "decision_reason": r.decision_reason,
    }


def _pdf(path: str, name: str) -> FileResponse:
    if not path or not Path(path).is_file():
        raise NotFound("the stored PDF is no longer in the output folder")
    return FileResponse(path, media_type="application/pdf", filename=name)


@router.get("/preview")
def preview(
    case_id: int,
    kind: str = Query(..., pattern="^letter_[12]$"),
    envelope: int | None = Query(
        None, ge=1, description="One envelope (guardians living apart), default all"
    ),
    letter_date: date | None = None,
    actor: Actor = Depends(allow("letters:read")),
    session: Session = Depends(get_session),
) -> Response:
    """A case's letter as PDF, watermarked, recording nothing but the audit event."""
    data = service.preview(session, case_id, kind, actor, letter_date=letter_date, recipient_no=envelope)
    return download(data, f"preview-{kind}-case-{case_id}.pdf", inline=True)


@router.post("/batches", status_code=202)
def create_batch(
    body: BatchIn, actor: Actor = Depends(allow("letters:write")), session: Session = Depends(get_session)
) -> dict[str, Any]:
    """Render every case due for the letter into a print batch (a background job unless `wait`)."""

    def work(job_session: Session, progress: jobs.JobProgress) -> dict[str, Any]:
        batch, report = service.run_batch(
            job_session,
            body.kind,
            actor,
            post=body.post,
            channel=body.channel,
            letter_date=body.letter_date,
            limit=body.limit,
            progress=lambda done, total: progress(done, total, "rendering"),
        )
        if batch is None:
            return {"message": "no case is due for this letter", "batch": None}
        return jsonable_encoder({"batch": batch_dict(batch), "posted": report.as_dict() if report else None})

    return jobs.start(session, "letter_batch", actor.user_id, work, wait=body.wait)


@router.get("/batches")
def list_batches(
    limit: int = Query(100, ge=1, le=1000),
    actor: Actor = Depends(allow("letters:read")),
    session: Session = Depends(get_session),
) -> list[dict[str, Any]]:
    """Batches with their counts (no personal data)."""
    return [batch_dict(b) for b in service.list_batches(session, limit)]


@router.get("/batches/{batch_id}")
def get_batch(
    batch_id: int, actor: Actor = Depends(allow("letters:read")), session: Session = Depends(get_session)
) -> dict[str, Any]:
    batch = service.get_batch(session, batch_id)
    found = service.list_letters(session, batch_id=batch_id, limit=100_000)
    audit.record(session, actor, "read", "letter", [x.id for x in found], purpose=f"letter batch {batch_id}")
    return batch_dict(batch) | {"letter_list": [letter_dict(x) for x in found]}


@router.get("/batches/{batch_id}/pdf")
def batch_pdf(
    batch_id: int, actor: Actor = Depends(allow("letters:read")), session: Session = Depends(get_session)
) -> FileResponse:
    """The merged print file of a batch."""
    batch = service.get_batch(session, batch_id)
    ids = [x.id for x in service.list_letters(session, batch_id=batch_id, limit=100_000)]
    audit.record(session, actor, "download", "letter", ids, purpose=f"print file of letter batch {batch_id}")
    return _pdf(batch.print_file, Path(batch.print_file).name)


@router.post("/batches/{batch_id}/post")
def post_batch(
    batch_id: int,
    body: PostIn | None = None,
    actor: Actor = Depends(allow("letters:write")),
    session: Session = Depends(get_session),
) -> dict[str, Any]:
    """The print room handed the batch to the post: letters sent, cases moved on, pull list returned."""
    report = service.post_batch(session, batch_id, actor, posted_on=body.posted_on if body else None)
    return report.as_dict()


@router.get("")
def list_letters(
    case_id: int | None = None,
    batch_id: int | None = None,
    status: str | None = None,
    limit: int = Query(200, ge=1, le=5000),
    actor: Actor = Depends(allow("letters:read")),
    session: Session = Depends(get_session),
) -> list[dict[str, Any]]:
    found = service.list_letters(session, case_id=case_id, batch_id=batch_id, status=status, limit=limit)
    audit.record(session, actor, "read", "letter", [x.id for x in found], purpose="letter list")
    return [letter_dict(x) for x in found]


@router.get("/{letter_id}/pdf")
def letter_pdf(
    letter_id: int, actor: Actor = Depends(allow("letters:read")), session: Session = Depends(get_session)
) -> FileResponse:
    """The stored PDF exactly as printed (its SHA-256 is in the letter list)."""
    letter = service.get_letter(session, letter_id)
    audit.record(session, actor, "download", "letter", [letter.id], purpose="stored letter")
    return _pdf(letter.path, Path(letter.path).name)


@router.post("/{letter_id}/returned")
def returned_mail(
    letter_id: int,
    body: ReturnedIn | None = None,
    actor: Actor = Depends(allow("letters:write")),
    session: Session = Depends(get_session),
) -> dict[str, Any]:
    """The letter came back undelivered; once every envelope is back the case goes to the gemeente."""
    body = body or ReturnedIn()
    reply = service.record_returned_mail(
        session, letter_id, actor, reason=body.reason, received_on=body.received_on
    )
    return reply_dict(reply)


@router.post("/replies", status_code=201)
def record_reply(
    body: ReplyIn, actor: Actor = Depends(allow("letters:write")), session: Session = Depends(get_session)
) -> dict[str, Any]:
    """The family's answer from the reply form (or by e-mail or phone), for an operator to verify."""
    form = service.ReplyForm(**body.model_dump(exclude={"case_id"}))
    return reply_dict(service.record_reply(session, body.case_id, form, actor))


@router.get("/replies")
def list_replies(
    outcome: str | None = None,
    case_id: int | None = None,
    limit: int = Query(200, ge=1, le=5000),
    actor: Actor = Depends(allow("letters:read")),
    session: Session = Depends(get_session),
) -> list[dict[str, Any]]:
    """Replies, e.g. `outcome=pending` for the verification queue."""
    found = service.list_replies(session, outcome=outcome, case_id=case_id, limit=limit)
    audit.record(session, actor, "read", "letter_reply", [r.id for r in found], purpose="reply list")
    return [reply_dict(r) for r in found]


@router.post("/replies/{reply_id}/verify")
def verify_reply(
    reply_id: int,
    body: VerifyIn,
    actor: Actor = Depends(allow("letters:write")),
    session: Session = Depends(get_session),
) -> dict[str, Any]:
    """Sufficient: the case closes with the answer. Insufficient (reason required): it moves on."""
    reply = service.verify_reply(session, reply_id, actor, sufficient=body.sufficient, reason=body.reason)
    audit.record(session, actor, "change", "letter_reply", [reply.id], purpose="verify reply")
    return reply_dict(reply)
