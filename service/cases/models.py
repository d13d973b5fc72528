"""A case (one child, one school year) and its events; the events are the truth, the state a cache.

`version` is the optimistic lock: every UPDATE of a case carries `WHERE version = <read value>`, so
two operators acting at once cannot both win (the loser gets a 409 and nothing is lost). The engine
bumps it once per change of the case (service.cases.engine.bump).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from service.core.db import Base, UTCDateTime


class Case(Base):
    __tablename__ = "cases"
    __table_args__ = (
        # One case per child and school year, whatever the register row (person_id) it came from.
        UniqueConstraint("school_year_id", "child_key"),
        Index("ix_cases_state_due_at", "state", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_year_id: Mapped[int] = mapped_column(ForeignKey("school_years.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("register_persons.id"), index=True)
    # The child across register batches and years: the national-number hash, else "p:<person_id>".
    child_key: Mapped[str] = mapped_column(String(64), index=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id"), default=None)
    state: Mapped[str] = mapped_column(String(40))
    owner_community: Mapped[str] = mapped_column(String(2))  # nl / fr
    nis_code: Mapped[str] = mapped_column(ForeignKey("gemeenten.nis_code"), index=True)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime())
    state_entered_at: Mapped[datetime] = mapped_column(UTCDateTime())
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)  # timer or deadline
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    overdue_since: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    referred_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    compulsory_ends_on: Mapped[date | None] = mapped_column(Date, default=None)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    closure_reason: Mapped[str | None] = mapped_column(String(40), default=None)
    closure: Mapped[dict | None] = mapped_column(JSON, default=None)  # who, when, evidence
    previous_case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), default=None)
    version: Mapped[int] = mapped_column(Integer, default=1)

    # The engine sets the version itself (one bump per transition, reminder or overdue flag, however
    # many flushes that takes); every UPDATE still carries `WHERE version = <the value read>`.
    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class CaseEvent(Base):
    """One line of a case's timeline: a transition, a reminder, a note, a letter prepared..."""

    __tablename__ = "case_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(120))
    actor_org: Mapped[str | None] = mapped_column(String(20), default=None)
    kind: Mapped[str] = mapped_column(String(30))  # opened, transition, reminder, overdue, note...
    transition: Mapped[str | None] = mapped_column(String(60), default=None)
    from_state: Mapped[str | None] = mapped_column(String(40), default=None)
    to_state: Mapped[str | None] = mapped_column(String(40), default=None)
    reason: Mapped[str] = mapped_column(String(1000), default="")
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
