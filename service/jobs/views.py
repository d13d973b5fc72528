"""Job status for long work started through the API (ingests, runs, letter batches)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from sqlalchemy.orm import Session

from service.auth.deps import allow, db_session
from service.auth.service import Actor
from service.jobs.service import job_status

router = APIRouter(prefix="/api", tags=["jobs"])


@router.get("/jobs/{job_id}")
def get_job(
    job_id: int,
    actor: Actor = Depends(allow("jobs:read")),
    session: Session = db_session,
) -> dict[str, Any]:
    return job_status(session, job_id)
