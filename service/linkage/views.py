"""Runs (started as background jobs), the review queue, decisions and explanations."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from sqlalchemy.orm import Session

from service.auth.deps import allow, db_session
from service.auth.service import Actor
from service.jobs import service as jobs
from service.linkage import review, service
from service.linkage.schemas import (
    Decision,
    Explanation,
    JobStarted,
    PairView,
    ReviewQueue,
    RunOut,
    RunRequest,
)

router = APIRouter(prefix="/api", tags=["linkage"])


@router.post("/runs", status_code=202, response_model=JobStarted)
def start_run(
    body: RunRequest,
    actor: Actor = Depends(allow("runs:write")),
    session: Session = db_session,
) -> dict[str, Any]:
    """Start a run as a job; follow it with GET /api/jobs/{job_id}, its result names the run and the
    model's health verdict."""
    settings = body.settings()

    def work(job_session: Session, progress: jobs.JobProgress) -> dict[str, Any]:
        run = service.run_linkage(
            job_session, body.school_year, body.reference_date, actor, progress=progress, settings=settings
        )
        health = run.counts.get("model_health", {})
        message = f"run {run.id} done"
        if health.get("verdict", "ok") != "ok":
            message += f"; WARNING: implausible model, used {health.get('used')}: " + "; ".join(
                health["problems"]
            )
        return {"run_id": run.id, "counts": run.counts, "health": health, "message": message}

    return jobs.start(session, "run", actor.user_id, work, wait=body.wait)


@router.get("/runs/{run_id}", response_model=RunOut)
def get_run(
    run_id: int,
    actor: Actor = Depends(allow("runs:read")),
    session: Session = db_session,
) -> RunOut:
    return RunOut.of(service.get_run(session, run_id))


@router.get("/runs/{run_id}/review", response_model=ReviewQueue)
def review_queue(
    run_id: int,
    limit: int = 50,
    offset: int = 0,
    pending_only: bool = True,
    actor: Actor = Depends(allow("review:read")),
    session: Session = db_session,
) -> dict[str, Any]:
    return review.review_queue(session, run_id, actor, limit=limit, offset=offset, pending_only=pending_only)


@router.get("/review/{pair_id}", response_model=PairView)
def review_pair(
    pair_id: int,
    actor: Actor = Depends(allow("review:read")),
    session: Session = db_session,
) -> dict[str, Any]:
    return review.get_pair(session, pair_id, actor)


@router.post("/review/{pair_id}/decision", response_model=PairView)
def decide(
    pair_id: int,
    body: Decision,
    actor: Actor = Depends(allow("review:write")),
    session: Session = db_session,
) -> dict[str, Any]:
    return review.decide(session, pair_id, body.decision, actor, body.note)


@router.get("/linkage/children/{person_id}/explain", response_model=Explanation)
def explain(
    person_id: int,
    run_id: int | None = None,
    actor: Actor = Depends(allow("review:read")),
    session: Session = db_session,
) -> dict[str, Any]:
    return review.explain(session, person_id, actor, run_id)
