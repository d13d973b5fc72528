"""The 19 Brussels gemeenten (reference data seeded by a migration) and the work the cell gives them:
assignments (population-register check, home visit) and the visit reports that come back.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from service.core.db import Base, UTCDateTime


class Gemeente(Base):
    __tablename__ = "gemeenten"

    nis_code: Mapped[str] = mapped_column(String(5), primary_key=True)
    name_nl: Mapped[str] = mapped_column(String(80))
    name_fr: Mapped[str] = mapped_column(String(80))
    postcodes: Mapped[str] = mapped_column(String(80))  # space separated
    approx_population: Mapped[int] = mapped_column(Integer)

    @property
    def name(self) -> str:
        """Both names, as every letter, screen and export shows them."""
        return self.name_nl if self.name_nl == self.name_fr else f"{self.name_nl} / {self.name_fr}"


class Step(StrEnum):
    REGISTER_CHECK = "register_check"  # population-register check
    HOME_VISIT = "home_visit"


class AssignmentStatus(StrEnum):
    OPEN = "open"
    ANSWERED = "answered"
    WITHDRAWN = "withdrawn"  # the case left the gemeente step without an answer (late list, age...)
    RETURNED = "returned"  # the gemeente sent it back with a reason
    HANDED_OVER = "handed_over"  # the family moved to another Brussels gemeente


class RegisterAnswer(StrEnum):
    STILL_REGISTERED = "still_registered"
    MOVED_WITHIN_BRUSSELS = "moved_within_brussels"
    MOVED_OUT = "moved_out"
    MOVED_ABROAD = "moved_abroad"
    DECEASED = "deceased"


class VisitorKind(StrEnum):
    NEIGHBOURHOOD_POLICE = "neighbourhood_police"  # wijkagent / agent de quartier
    MUNICIPAL_STAFF = "municipal_staff"
    POLICE_YOUTH_SERVICE = "police_youth_service"


class ParentsSaid(StrEnum):
    ENROLLED = "enrolled"  # child enrolled at a named school
    HOME_EDUCATION = "home_education"
    NO_EDUCATION = "no_education"
    REFUSED = "refused"  # refused to answer
    OTHER = "other"


class Assignment(Base):
    """One step the gemeente of the child's domicile must carry out for a case, with its deadline."""

    __tablename__ = "assignments"
    __table_args__ = (
        Index("ix_assignments_nis_status", "nis_code", "status"),
        Index("ix_assignments_case_status", "case_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    nis_code: Mapped[str] = mapped_column(ForeignKey("gemeenten.nis_code"))
    step: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(12), default=AssignmentStatus.OPEN)
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime())
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    reminder_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    closed_by: Mapped[str | None] = mapped_column(String(120), default=None)
    # register check: one of RegisterAnswer; home visit: "visited"; withdrawn/returned: why
    answer: Mapped[str | None] = mapped_column(String(40), default=None)
    new_nis_code: Mapped[str | None] = mapped_column(ForeignKey("gemeenten.nis_code"), default=None)
    reason: Mapped[str | None] = mapped_column(String(500), default=None)
    handed_over_from_id: Mapped[int | None] = mapped_column(ForeignKey("assignments.id"), default=None)


class HomeVisit(Base):
    """The report of a home visit: who went, when, whether the family was found, what the parents said."""

    __tablename__ = "home_visits"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    assignment_id: Mapped[int | None] = mapped_column(ForeignKey("assignments.id"), default=None)
    nis_code: Mapped[str] = mapped_column(ForeignKey("gemeenten.nis_code"))
    visited_on: Mapped[date] = mapped_column(Date)
    visitor_kind: Mapped[str] = mapped_column(String(30))
    family_found: Mapped[bool] = mapped_column(Boolean)
    parents_said: Mapped[str | None] = mapped_column(String(20), default=None)
    school_name: Mapped[str | None] = mapped_column(String(160), default=None)
    remarks: Mapped[str] = mapped_column(Text, default="")
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    recorded_by: Mapped[str] = mapped_column(String(120))


class ReportedAddress(Base):
    """The child's new address as a gemeente reported it with a register-check answer "moved within
    Brussels". The register extract still has the old one (it is a snapshot), so from then on this
    is the address the gemeente where it lies must check and visit."""

    __tablename__ = "reported_addresses"
    __table_args__ = (Index("ix_reported_addresses_case_nis", "case_id", "nis_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    # the register check that reported it (closed as handed over to `nis_code`)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id"))
    nis_code: Mapped[str] = mapped_column(ForeignKey("gemeenten.nis_code"))  # where the address lies
    street: Mapped[str] = mapped_column(String(160))
    house_number: Mapped[str] = mapped_column(String(20))
    box: Mapped[str] = mapped_column(String(20), default="")
    postcode: Mapped[str] = mapped_column(String(10))
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime())
    reported_by: Mapped[str] = mapped_column(String(120))
