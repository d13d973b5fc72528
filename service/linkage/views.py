"""Runs (started as background jobs), the review queue, decisions and explanations."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from service.auth.deps import allow, get_session
from service.auth.service import Actor
from service.jobs import service as jobs
from service.linkage import review, service

router = APIRouter(prefix="/api", tags=["linkage"])


class RunRequest(BaseModel):
    school_year: str = Field(examples=["2025-2026"])
    reference_date: date
    wait: bool = False  # run in the request (tests, small years) instead of as a background job


class Decision(BaseModel):
    decision: str = Field(pattern="^(accept|reject)$")
    note: str = ""


def run_dict(run: Any) -> dict[str, Any]:
    return {
        "id": run.id,
        "school_year_id": run.school_year_id,
        "reference_date": run.reference_date,
        "status": run.status,
        "created_at": run.created_at,
        "created_by": run.created_by,
        "finished_at": run.finished_at,
        "batch_ids": run.batch_ids,
        "counts": run.counts,
        "model": run.model,
    }


@router.post("/runs", status_code=202)
def start_run(
    body: RunRequest, actor: Actor = Depends(allow("runs:write")), session: Session = Depends(get_session)
) -> dict[str, Any]:
    """Start a run as a job; follow it with GET /api/jobs/{job_id}, its result names the run."""

    def work(job_session: Session, progress: jobs.JobProgress) -> dict[str, Any]:
        run = service.run_linkage(
            job_session, body.school_year, body.reference_date, actor, progress=progress
        )
        return {"run_id": run.id, "counts": run.counts, "message": f"run {run.id} done"}

    return jobs.start(session, "run", actor.user_id, work, wait=body.wait)


@router.get("/runs/{run_id}")
def get_run(
    run_id: int, actor: Actor = Depends(allow("runs:read")), session: Session = Depends(get_session)
) -> dict[str, Any]:
    return run_dict(service.get_run(session, run_id))


@router.get("/runs/{run_id}/review")
def review_queue(
    run_id: int,
    limit: int = 50,
    offset: int = 0,
    pending_only: bool = True,
    actor: Actor = Depends(allow("review:read")),
    session: Session = Depends(get_session),
) -> dict[str, Any]:
    return review.review_queue(session, run_id, actor, limit=limit, offset=offset, pending_only=pending_only)


@router.get("/review/{pair_id}")
def review_pair(
    pair_id: int, actor: Actor = Depends(allow("review:read")), session: Session = Depends(get_session)
) -> dict[str, Any]:
    return review.get_pair(session, pair_id, actor)


@router.post("/review/{pair_id}/decision")
def decide(
    pair_id: int,
    body: Decision,
    actor: Actor = Depends(allow("review:write")),
    session: Session = Depends(get_session),
) -> dict[str, Any]:
    return review.decide(session, pair_id, body.decision, actor, body.note)


@router.get("/linkage/children/{person_id}/explain")
def explain(
    person_id: int,
    run_id: int | None = None,
    actor: Actor = Depends(allow("review:read")),
    session: Session = Depends(get_session),
) -> dict[str, Any]:
    return review.explain(session, person_id, actor, run_id)
