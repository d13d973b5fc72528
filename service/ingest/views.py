"""Upload source files, follow their ingest, read batches and register children."""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, File, Form, UploadFile
from sqlalchemy import select
from sqlalchemy.orm import Session

from service.audit import service as audit
from service.auth.deps import allow, get_session
from service.auth.scope import ensure_gemeente, gemeente_filter
from service.auth.service import Actor
from service.core.errors import NotFound
from service.core.settings import get_settings
from service.ingest import service
from service.ingest.models import RegisterPerson, SchoolYear, SourceBatch, SourceKind
from service.jobs import service as jobs

router = APIRouter(prefix="/api", tags=["ingest"])


def _plain_name(raw: str | None) -> str:
    """The client's file name, kept for the batch list and logs: no directories, no control characters."""
    name = "".join(ch for ch in raw or "" if ch.isprintable()).replace("\\", "/").rsplit("/", 1)[-1].strip()
    return name[-200:] or "upload"


@router.post("/ingest", status_code=202)
def upload(
    kind: SourceKind = Form(...),
    school_year: str = Form(...),
    source: str | None = Form(None),
    profile: str | None = Form(None),
    wait: bool = Form(False),
    file: UploadFile = File(...),
    actor: Actor = Depends(allow("ingest:write")),
    session: Session = Depends(get_session),
) -> dict[str, Any]:
    """Store the upload and ingest it as a background job (or at once with `wait=true`)."""
    uploads = get_settings().data_dir / "uploads"
    uploads.mkdir(parents=True, exist_ok=True)
    name = _plain_name(file.filename)
    path = uploads / f"{uuid.uuid4().hex}{Path(name).suffix[:8]}"
    with path.open("wb") as out:
        shutil.copyfileobj(file.file, out)

    def work(job_session: Session, progress: jobs.JobProgress) -> dict[str, Any]:
        try:
            report = service.ingest_file(
                job_session,
                kind,
                path,
                school_year,
                actor,
                source=source,
                profile_name=profile,
                file_name=name,
                progress=lambda done, total: progress(done, total, "reading"),
            )
        finally:
            path.unlink(missing_ok=True)
        return report.as_dict()

    return jobs.start(session, "ingest", actor.user_id, work, wait=wait)


def _batch_dict(b: SourceBatch) -> dict[str, Any]:
    return {
        "id": b.id,
        "school_year": b.school_year.label,
        "kind": b.kind,
        "source": b.source,
        "profile": b.profile,
        "file_name": b.file_name,
        "sha256": b.sha256,
        "received_at": b.received_at,
        "received_by": b.received_by,
        "status": b.status,
        "superseded_by": b.superseded_by_id,
        "rows_total": b.rows_total,
        "rows_with_warnings": b.rows_with_warnings,
        "report": b.report,
    }


@router.get("/batches")
def list_batches(
    school_year: str | None = None,
    actor: Actor = Depends(allow("batches:read")),
    session: Session = Depends(get_session),
) -> list[dict[str, Any]]:
    return [_batch_dict(b) for b in service.list_batches(session, school_year)]


@router.get("/batches/{batch_id}")
def get_batch(
    batch_id: int, actor: Actor = Depends(allow("batches:read")), session: Session = Depends(get_session)
) -> dict[str, Any]:
    batch = session.get(SourceBatch, batch_id)
    if batch is None:
        raise NotFound("batch not found")
    return _batch_dict(batch)


def person_dict(p: RegisterPerson) -> dict[str, Any]:
    """A register child as shown to authorised users (the national number stays encrypted)."""
    return {
        "id": p.id,
        "last_name": p.last_name,
        "first_names": p.first_names,
        "birth_date": p.birth_date,
        "sex": p.sex,
        "nis_code": p.nis_code,
        "postcode": p.postcode,
        "street": p.street,
        "house_number": p.house_number,
        "box": p.box,
        "admin_language": p.admin_language,
        "guardians": [
            {
                "rank": g.rank,
                "relation": g.relation,
                "last_name": g.last_name,
                "first_names": g.first_names,
                "street": g.street,
                "house_number": g.house_number,
                "box": g.box,
                "postcode": g.postcode,
                "municipality": g.municipality,
                "country": g.country,
            }
            for g in p.guardians
        ],
    }


@router.get("/register/children")
def list_children(
    school_year: str,
    nis_code: str | None = None,
    limit: int = 100,
    offset: int = 0,
    actor: Actor = Depends(allow("people:read")),
    session: Session = Depends(get_session),
) -> list[dict[str, Any]]:
    query = (
        select(RegisterPerson)
        .join(SourceBatch, SourceBatch.id == RegisterPerson.batch_id)
        .join(SchoolYear)
        .where(
            SchoolYear.label == school_year,
            SourceBatch.status == "current",
            gemeente_filter(actor, RegisterPerson.nis_code),
        )
        .order_by(RegisterPerson.id)
        .limit(min(limit, 1000))
        .offset(offset)
    )
    if nis_code:
        query = query.where(RegisterPerson.nis_code == nis_code)
    people = list(session.scalars(query))
    audit.record(session, actor, "read", "register_person", [p.id for p in people], "list register children")
    return [person_dict(p) for p in people]


@router.get("/register/children/{person_id}")
def get_child(
    person_id: int, actor: Actor = Depends(allow("people:read")), session: Session = Depends(get_session)
) -> dict[str, Any]:
    person = session.get(RegisterPerson, person_id)
    if person is None:
        raise NotFound("child not found")
    ensure_gemeente(actor, person.nis_code, "child")
    audit.record(session, actor, "read", "register_person", [person.id], "read register child")
    return person_dict(person)
