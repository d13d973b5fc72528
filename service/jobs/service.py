"""Background jobs: long work started through the API runs in a worker thread and reports progress.

Progress lives in memory while the job runs (a long ingest holds SQLite's write lock, so it cannot
also write progress rows) and is stored with the job when it ends. A job records the process that
runs it (pid and host) and the upload it reads: the upload is removed when the job ends, whatever
the outcome, and at start-up `fail_orphaned_jobs` fails the jobs of a process that died (kill -9,
power loss) and removes their uploads.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service.core import clock
from service.core.db import session_scope
from service.core.errors import NotFound, TandemError
from service.core.logging import log_failure
from service.jobs.models import Job

log = logging.getLogger(__name__)
_executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="tandem-job")
_live: dict[int, tuple[int, int, str]] = {}
_lock = threading.Lock()


@dataclass(frozen=True)
class JobProgress:
    job_id: int

    def __call__(self, done: int, total: int, message: str = "") -> None:
        with _lock:
            _live[self.job_id] = (done, total, message)


JobFn = Callable[[Session, JobProgress], dict[str, Any]]


def create_job(session: Session, kind: str, user_id: int | None, upload: Path | None = None) -> Job:
    job = Job(
        kind=kind,
        status="queued",
        created_by_id=user_id,
        created_at=clock.now(),
        result={},
        pid=os.getpid(),
        host=socket.gethostname()[:255],
        upload_path=str(upload) if upload else None,
    )
    session.add(job)
    session.flush()
    return job


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, but another user's
        return True
    return True


def _remove_upload(path: str | None) -> None:
    if path:
        Path(path).unlink(missing_ok=True)


def fail_orphaned_jobs(session: Session) -> list[int]:
    """Fail the unfinished jobs of this host whose process is gone, and remove their uploads.

    Called when the API starts. Jobs of other hosts are left alone (their process cannot be seen
    from here); a job without a recorded process (from before 0007) is failed too."""
    host = socket.gethostname()[:255]
    failed = []
    for job in session.scalars(select(Job).where(Job.status.in_(("queued", "running")))):
        if job.host not in (None, host) or (job.pid is not None and _process_alive(job.pid)):
            continue
        job.status, job.finished_at = "failed", clock.now()
        job.message = f"the process running it (pid {job.pid} on {job.host}) ended before it finished"[:300]
        _remove_upload(job.upload_path)
        failed.append(job.id)
    session.commit()
    if failed:
        log.warning("failed %d job(s) left by a dead process: %s", len(failed), failed)
    return failed


def run_job(job_id: int, fn: JobFn) -> None:
    """Run `fn` for the job in its own session and store the outcome (used by the worker thread)."""
    progress = JobProgress(job_id)
    with session_scope() as session:
        job = session.get(Job, job_id)
        assert job is not None
        job.status, job.pid = "running", os.getpid()
        upload = job.upload_path
    try:
        with session_scope() as session:
            result = fn(session, progress)
        status, message = "done", str(result.get("message", ""))
    except TandemError as exc:
        result = getattr(exc, "report", None)
        result = result.as_dict() if result is not None else {}
        status, message = "failed", str(exc)
    except Exception as exc:  # a job must end in a readable state, whatever went wrong
        log_failure(log, "job %s failed", job_id, exc=exc)
        result, status, message = {}, "failed", f"internal error ({type(exc).__name__})"
    finally:
        _remove_upload(upload)
    with session_scope() as session:
        job = session.get(Job, job_id)
        assert job is not None
        done, total, _ = _live.pop(job_id, (job.done, job.total, ""))
        job.status, job.message, job.result = status, message[:300], result
        job.done, job.total = (total, total) if status == "done" else (done, total)
        job.finished_at = clock.now()


def submit(job_id: int, fn: JobFn) -> None:
    _executor.submit(run_job, job_id, fn)


def job_status(session: Session, job_id: int) -> dict[str, Any]:
    job = session.get(Job, job_id, populate_existing=True)  # the worker updates it in another session
    if job is None:
        raise NotFound("job not found")
    done, total, message = _live.get(job_id, (job.done, job.total, job.message))
    return {
        "id": job.id,
        "kind": job.kind,
        "status": job.status,
        "done": done,
        "total": total,
        "message": message,
        "result": job.result,
        "created_at": job.created_at,
        "finished_at": job.finished_at,
    }


def start(
    session: Session,
    kind: str,
    user_id: int | None,
    fn: JobFn,
    *,
    wait: bool = False,
    upload: Path | None = None,
) -> dict[str, Any]:
    """Create a job for `fn` and run it in the background (or at once with `wait`); returns its status.

    The API's long operations all answer this way, so clients follow any of them with GET /api/jobs/{id}.
    `upload` is the file the job reads: removed when the job ends, whatever the outcome.
    """
    job = create_job(session, kind, user_id, upload)
    session.commit()
    if wait:
        run_job(job.id, fn)
    else:
        submit(job.id, fn)
    return job_status(session, job.id) | {"job_id": job.id}


# Reads for other domains


def job_counts(session: Session) -> list[tuple[str, str, int]]:
    """(kind, status, how many) over every job, for the operations metrics."""
    rows = session.execute(select(Job.kind, Job.status, func.count()).group_by(Job.kind, Job.status))
    return [(kind, status, count) for kind, status, count in rows]


def last_finished(session: Session, *, kind: str) -> datetime | None:
    """When the last job of this kind ended (a tick, for example)."""
    return session.scalar(select(func.max(Job.finished_at)).where(Job.kind == kind))
