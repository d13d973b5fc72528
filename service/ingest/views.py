"""Upload source files, follow their ingest, read batches and register children."""

from __future__ import annotations

import shutil
import uuid
from datetime import date, datetime
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, File, Form, UploadFile
from pydantic import BaseModel, ConfigDict
from sqlalchemy import select
from sqlalchemy.orm import Session

from service.audit import service as audit
from service.auth.deps import allow, db_session
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
    confirm_shrink: bool = Form(False),
    restore: bool = Form(False),
    file: UploadFile = File(...),
    actor: Actor = Depends(allow("ingest:write")),
    session: Session = db_session,
) -> dict[str, Any]:
    """Store the upload and ingest it as a background job (or at once with `wait=true`)."""
    uploads = get_settings().data_dir / "uploads"
    uploads.mkdir(parents=True, exist_ok=True)
    name = _plain_name(file.filename)
    path = uploads / f"{uuid.uuid4().hex}{Path(name).suffix[:8]}"
    with path.open("wb") as out:
        shutil.copyfileobj(file.file, out)

    def work(job_session: Session, progress: jobs.JobProgress) -> dict[str, Any]:
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
            confirm_shrink=confirm_shrink,
            restore=restore,
        )
        return report.as_dict()  # the job removes the upload when it ends, whatever the outcome

    return jobs.start(session, "ingest", actor.user_id, work, wait=wait, upload=path)


class BatchOut(BaseModel):
    """A received file as the API shows it (counts and hashes, no personal values)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    school_year: str
    kind: str
    source: str
    profile: str
    file_name: str
    sha256: str
    received_at: datetime
    received_by: str
    status: str
    superseded_by: int | None
    rows_total: int
    rows_with_warnings: int
    report: dict[str, Any]

    @classmethod
    def of(cls, b: SourceBatch) -> BatchOut:
        own = {k: getattr(b, k) for k in cls.model_fields if k not in ("school_year", "superseded_by")}
        return cls.model_validate(
            own | {"school_year": b.school_year.label, "superseded_by": b.superseded_by_id}
        )


class GuardianOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    rank: int
    relation: str
    last_name: str
    first_names: str
    street: str
    house_number: str
    box: str
    postcode: str
    municipality: str
    country: str


class PersonOut(BaseModel):
    """A register child as shown to authorised users (the national number stays encrypted)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    last_name: str
    first_names: str
    birth_date: date | None
    sex: str | None
    nis_code: str
    postcode: str | None
    street: str
    house_number: str
    box: str
    admin_language: str | None
    guardians: list[GuardianOut]


@router.get("/batches", response_model=list[BatchOut])
def list_batches(
    school_year: str | None = None,
    actor: Actor = Depends(allow("batches:read")),
    session: Session = db_session,
) -> list[BatchOut]:
    return [BatchOut.of(b) for b in service.list_batches(session, school_year)]


@router.get("/batches/{batch_id}", response_model=BatchOut)
def get_batch(
    batch_id: int,
    actor: Actor = Depends(allow("batches:read")),
    session: Session = db_session,
) -> BatchOut:
    batch = session.get(SourceBatch, batch_id)
    if batch is None:
        raise NotFound("batch not found")
    return BatchOut.of(batch)


@router.get("/register/children", response_model=list[PersonOut])
def list_children(
    school_year: str,
    nis_code: str | None = None,
    limit: int = 100,
    offset: int = 0,
    actor: Actor = Depends(allow("people:read")),
    session: Session = db_session,
) -> list[PersonOut]:
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
    return [PersonOut.model_validate(p) for p in people]


@router.get("/register/children/{person_id}", response_model=PersonOut)
def get_child(
    person_id: int,
    actor: Actor = Depends(allow("people:read")),
    session: Session = db_session,
) -> PersonOut:
    person = session.get(RegisterPerson, person_id)
    if person is None:
        raise NotFound("child not found")
    ensure_gemeente(actor, person.nis_code, "child")
    audit.record(session, actor, "read", "register_person", [person.id], "read register child")
    return PersonOut.model_validate(person)
