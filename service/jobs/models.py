"""Background jobs (ingests and runs started through the API), with progress readable by the API."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from service.core.db import Base, UTCDateTime


class Job(Base):
    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # ingest, run, letters...
    status: Mapped[str] = mapped_column(String(12), default="queued")  # queued, running, done, failed
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    done: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=0)
    message: Mapped[str] = mapped_column(String(300), default="")
    result: Mapped[dict] = mapped_column(JSON, default=dict)
    # The process running the job (a job of a dead process is failed at start-up) and the upload
    # it reads (removed when the job ends, whatever the outcome).
    pid: Mapped[int | None] = mapped_column(Integer, default=None)
    host: Mapped[str | None] = mapped_column(String(255), default=None)
    upload_path: Mapped[str | None] = mapped_column(String(500), default=None)
