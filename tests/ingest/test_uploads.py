"""Uploads never outlive their ingest, and a job of a dead process does not stay `running`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sqlalchemy.orm import Session

from service.core import clock
from service.jobs import service as jobs
from service.jobs.models import Job


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_jobs_of_a_dead_process_are_failed_at_start_up_and_their_uploads_removed(
    session: Session, tmp_path: Path
) -> None:
    orphan_upload, live_upload = tmp_path / "orphan.csv", tmp_path / "live.csv"
    orphan_upload.write_text("data", encoding="utf-8")
    live_upload.write_text("data", encoding="utf-8")
    orphan = jobs.create_job(session, "ingest", None, orphan_upload)
    orphan.status, orphan.pid = "running", _dead_pid()
    live = jobs.create_job(session, "ingest", None, live_upload)  # this process: alive
    live.status = "running"
    done = jobs.create_job(session, "ingest", None)
    done.status, done.pid, done.finished_at = "done", orphan.pid, clock.now()
    session.commit()

    assert jobs.fail_orphaned_jobs(session) == [orphan.id]
    session.expire_all()
    failed = session.get(Job, orphan.id)
    assert failed is not None and failed.status == "failed" and "ended before it finished" in failed.message
    assert failed.finished_at is not None and not orphan_upload.exists()
    assert session.get(Job, live.id).status == "running" and live_upload.exists()  # type: ignore[union-attr]
    assert session.get(Job, done.id).status == "done"  # type: ignore[union-attr]


def test_the_api_start_fails_orphans(session: Session, tmp_path: Path, engine) -> None:  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    from service.api.app import create_app

    orphan = jobs.create_job(session, "ingest", None, tmp_path / "gone.csv")
    orphan.status, orphan.pid = "running", _dead_pid()
    session.commit()
    with TestClient(create_app()):
        pass
    session.expire_all()
    assert session.get(Job, orphan.id).status == "failed"  # type: ignore[union-attr]


def test_an_upload_is_removed_when_its_job_ends_whatever_the_outcome(
    session: Session, tmp_path: Path
) -> None:
    for outcome in ("done", "failed"):
        upload = tmp_path / f"{outcome}.csv"
        upload.write_text("data", encoding="utf-8")

        def work(_s: Session, _p: jobs.JobProgress, outcome: str = outcome) -> dict:
            if outcome == "failed":
                raise RuntimeError("boom")
            return {"message": "ok"}

        status = jobs.start(session, "ingest", None, work, wait=True, upload=upload)
        assert status["status"] == outcome and not upload.exists()


def test_api_uploads_leave_nothing_behind_and_a_shrink_needs_confirmation(  # type: ignore[no-untyped-def]
    client, make_user, tmp_path: Path
) -> None:
    from datetime import date

    from service.auth.models import Role
    from service.core.settings import get_settings
    from tests.factories import child, write_source

    _, headers = make_user(Role.CELL_OPERATOR, "AGODI")

    def upload(path: Path, **form: str) -> dict:
        with path.open("rb") as fh:
            data = {"kind": "register", "school_year": "2025-2026", "wait": "true", **form}
            response = client.post("/api/ingest", headers=headers, data=data, files={"file": fh})
        assert response.status_code == 202
        return response.json()

    two = write_source(
        tmp_path / "two.csv",
        "rijksregister_extract",
        [child(1, date(2014, 1, 1)), child(3, date(2014, 2, 2))],
    )
    one = write_source(tmp_path / "one.csv", "rijksregister_extract", [child(5, date(2014, 3, 3))])
    assert upload(two)["status"] == "done"
    held = upload(one)
    assert held["status"] == "failed" and held["result"]["outcome"] == "held"
    assert upload(one, confirm_shrink="true")["result"]["outcome"] == "accepted"
    restored = upload(two, restore="true")
    assert restored["status"] == "done" and restored["result"]["outcome"] == "restored"
    assert list((get_settings().data_dir / "uploads").iterdir()) == []
    batches = client.get("/api/batches", headers=headers).json()
    assert set(batches[0]) == {
        "id", "school_year", "kind", "source", "profile", "file_name", "sha256", "received_at", "received_by",
        "status", "superseded_by", "rows_total", "rows_with_warnings", "report",
    }  # fmt: skip
    assert [b["status"] for b in batches] == ["current", "superseded"]
