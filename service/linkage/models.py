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


class LinkPair(Base):
    """A (list record, register child) pair a run linked, sent to review, or kept as a near miss.

    `gamma` holds the comparison levels, so the field-by-field contributions (the waterfall) can be
    recomputed from the run's stored model at any time.
    """

    __tablename__ = "link_pairs"
    __table_args__ = (
        Index("ix_link_pairs_run_outcome", "run_id", "outcome"),
        Index("ix_link_pairs_run_person", "run_id", "person_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("register_persons.id"))
    record_kind: Mapped[str] = mapped_column(String(20))  # enrolment, home_education, exemption
    record_id: Mapped[int] = mapped_column(Integer)
    batch_id: Mapped[int] = mapped_column(ForeignKey("source_batches.id"))
    outcome: Mapped[str] = mapped_column(String(12))  # link, review, candidate, accepted, rejected
    method: Mapped[str] = mapped_column(String(20))  # hash, fuzzy, review_decision
    probability: Mapped[float | None] = mapped_column(Float, default=None)
    gamma: Mapped[str | None] = mapped_column(String(40), default=None)  # level per field, "0,1,0,0,-1"
    weights: Mapped[str | None] = mapped_column(String(120), default=None)  # log2 Bayes factor per field
    swapped: Mapped[bool] = mapped_column(default=False)
    record_fp: Mapped[str | None] = mapped_column(String(40), default=None)


class ReviewDecision(Base):
    """An operator's verdict on a pair, reused by every later run of the same school year.

    Keyed by a fingerprint of the record's content and the child's keyed national-number hash, so a
    re-ingested list (new row ids, same content) does not bring the same pair back to review.
    """

    __tablename__ = "review_decisions"
    __table_args__ = (UniqueConstraint("school_year_id", "record_fp", "person_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_year_id: Mapped[int] = mapped_column(ForeignKey("school_years.id"), index=True)
    record_fp: Mapped[str] = mapped_column(String(40))
    person_key: Mapped[str] = mapped_column(String(64))
    decision: Mapped[str] = mapped_column(String(10))  # accept / reject
    decided_by: Mapped[str] = mapped_column(String(120))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime())
    pair_id: Mapped[int | None] = mapped_column(Integer, default=None)  # the pair it was made on
    note: Mapped[str] = mapped_column(String(300), default="")
