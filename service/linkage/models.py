"""Runs (one reconciliation of a school year at an explicit reference date) and their results."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, Date, Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from service.core.db import Base, UTCDateTime


class ChildStatusKind(StrEnum):
    NOT_COMPULSORY = "not_compulsory"
    ENROLLED = "enrolled"
    HOME_EDUCATED = "home_educated"
    EXEMPTED = "exempted"
    IN_REVIEW = "in_review"
    RESIDUAL = "residual"


class Run(Base):
    __tablename__ = "runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_year_id: Mapped[int] = mapped_column(ForeignKey("school_years.id"), index=True)
    reference_date: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12), default="pending")  # pending, running, done, failed
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(120), default="")
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    batch_ids: Mapped[list[int]] = mapped_column(JSON, default=list)  # the inputs, for reproduction
    model: Mapped[dict] = mapped_column(JSON, default=dict)  # comparisons, blocking, thresholds, weights
    counts: Mapped[dict] = mapped_column(JSON, default=dict)


class ChildStatus(Base):
    """The outcome of a run for one register child, with what accounted for it."""

    __tablename__ = "child_statuses"
    __table_args__ = (
        UniqueConstraint("run_id", "person_id"),
        Index("ix_child_statuses_run_status", "run_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("register_persons.id"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    method: Mapped[str | None] = mapped_column(String(20), default=None)  # hash, fuzzy, review
    record_kind: Mapped[str | None] = mapped_column(String(20), default=None)  # enrolment, home_education...
    record_id: Mapped[int | None] = mapped_column(Integer, default=None)
    probability: Mapped[float | None] = mapped_column(Float, default=None)
    community: Mapped[str | None] = mapped_column(String(2), default=None)
    school_id: Mapped[str | None] = mapped_column(String(20), default=None)
    campus_id: Mapped[str | None] = mapped_column(String(20), default=None)
    valid_from: Mapped[date | None] = mapped_column(Date, default=None)
    valid_until: Mapped[date | None] = mapped_column(Date, default=None)
    reason: Mapped[str | None] = mapped_column(String(40), default=None)  # exemption reason, age rule
