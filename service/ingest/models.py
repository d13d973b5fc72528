"""School years, source batches and the rows each batch brought in.

A batch is one received file. Its rows are never edited: a corrected file supersedes the batch
and the old rows stay as history, so everything a run used can be named afterwards.

National numbers are stored only as a keyed hash (for linkage) plus, where the clear value is
needed later (register children and guardians, for letters and the parket), an AES-GCM ciphertext.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from service.core.db import Base, UTCDateTime


class SourceKind(StrEnum):
    REGISTER = "register"
    ENROLMENT_NL = "enrolment_nl"
    ENROLMENT_FR = "enrolment_fr"
    HOME_EDUCATION = "home_education"
    EXEMPTION = "exemption"


class BatchStatus(StrEnum):
    CURRENT = "current"
    SUPERSEDED = "superseded"


class NNStatus(StrEnum):
    VALID = "valid"  # checksum passes and agrees with the row's birth date and sex
    INCONSISTENT = "inconsistent"  # checksum passes but disagrees with the row's birth date or sex
    INVALID = "invalid"  # present but fails the checksum or format
    MISSING = "missing"


class ExemptionReason(StrEnum):
    PRIVATE_SCHOOL = "private_school"
    EUROPEAN_SCHOOL = "european_school"
    INTERNATIONAL_SCHOOL = "international_school"
    FOREIGN_SCHOOL = "foreign_school"
    DISABILITY = "disability"
    OTHER = "other"


class SchoolYear(Base):
    __tablename__ = "school_years"

    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(9), unique=True)  # 2025-2026
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    start_age: Mapped[int] = mapped_column(Integer)  # compulsory-school start age in force


class SourceBatch(Base):
    __tablename__ = "source_batches"
    __table_args__ = (UniqueConstraint("school_year_id", "kind", "sha256", "profile"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_year_id: Mapped[int] = mapped_column(ForeignKey("school_years.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    source: Mapped[str] = mapped_column(String(80))  # who sent it: discimus, siel, a private school...
    profile: Mapped[str] = mapped_column(String(60))
    file_name: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    received_by: Mapped[str] = mapped_column(String(120), default="")
    status: Mapped[str] = mapped_column(String(12), default=BatchStatus.CURRENT)
    superseded_by_id: Mapped[int | None] = mapped_column(ForeignKey("source_batches.id"), default=None)
    rows_total: Mapped[int] = mapped_column(Integer, default=0)
    rows_with_warnings: Mapped[int] = mapped_column(Integer, default=0)
    report: Mapped[dict] = mapped_column(JSON, default=dict)  # counts by warning reason; no values

    school_year: Mapped[SchoolYear] = relationship(lazy="joined")


class _PersonColumns:
    """Identity columns shared by every list, so linkage reads them the same way."""

    batch_id: Mapped[int] = mapped_column(ForeignKey("source_batches.id"), index=True)
    # The data row in the source file (1 = the first row after the header; blank lines count):
    # the `row` of error reports. Where an editor or spreadsheet shows it: line = row_number + 1.
    row_number: Mapped[int] = mapped_column(Integer)
    nn_hash: Mapped[str | None] = mapped_column(String(64), default=None)
    nn_key_id: Mapped[str | None] = mapped_column(String(20), default=None)
    nn_status: Mapped[str] = mapped_column(String(12))
    nn_bis: Mapped[bool] = mapped_column(default=False)
    last_name: Mapped[str] = mapped_column(String(120), default="")
    first_names: Mapped[str] = mapped_column(String(160), default="")
    birth_date: Mapped[date | None] = mapped_column(Date, default=None)
    sex: Mapped[str | None] = mapped_column(String(1), default=None)  # M, F, X
    postcode: Mapped[str | None] = mapped_column(String(10), default=None)
    warnings: Mapped[str | None] = mapped_column(String(300), default=None)


class RegisterPerson(_PersonColumns, Base):
    """A child of compulsory-school age in the rijksregister extract."""

    __tablename__ = "register_persons"
    __table_args__ = (Index("ix_register_persons_nn_hash", "nn_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    nn_cipher: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    nis_code: Mapped[str] = mapped_column(ForeignKey("gemeenten.nis_code"), index=True)
    street: Mapped[str] = mapped_column(String(160), default="")
    house_number: Mapped[str] = mapped_column(String(20), default="")
    box: Mapped[str] = mapped_column(String(20), default="")
    stat_sector: Mapped[str | None] = mapped_column(String(20), default=None)
    admin_language: Mapped[str | None] = mapped_column(String(2), default=None)  # nl / fr

    guardians: Mapped[list[Guardian]] = relationship(
        back_populates="person", order_by="Guardian.rank", lazy="selectin"
    )


class Guardian(Base):
    """A parent or legal guardian of a register child, with their own address when they live apart."""

    __tablename__ = "guardians"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("register_persons.id"), index=True)
    rank: Mapped[int] = mapped_column(Integer)
    relation: Mapped[str] = mapped_column(String(20), default="parent")
    nn_hash: Mapped[str | None] = mapped_column(String(64), default=None)
    nn_key_id: Mapped[str | None] = mapped_column(String(20), default=None)
    nn_cipher: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    last_name: Mapped[str] = mapped_column(String(120), default="")
    first_names: Mapped[str] = mapped_column(String(160), default="")
    street: Mapped[str] = mapped_column(String(160), default="")
    house_number: Mapped[str] = mapped_column(String(20), default="")
    box: Mapped[str] = mapped_column(String(20), default="")
    postcode: Mapped[str] = mapped_column(String(10), default="")
    municipality: Mapped[str] = mapped_column(String(80), default="")
    country: Mapped[str] = mapped_column(String(2), default="BE")

    person: Mapped[RegisterPerson] = relationship(back_populates="guardians")


class Enrolment(_PersonColumns, Base):
    """One pupil row of a community enrolment list (DISCIMUS, SIEL) or of a late school list."""

    __tablename__ = "enrolments"
    __table_args__ = (Index("ix_enrolments_nn_hash", "nn_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community: Mapped[str] = mapped_column(String(2))  # nl / fr
    school_id: Mapped[str] = mapped_column(String(20), default="")
    school_name: Mapped[str] = mapped_column(String(160), default="")
    campus_id: Mapped[str] = mapped_column(String(20), default="")
    level: Mapped[str] = mapped_column(String(40), default="")
    grade: Mapped[str] = mapped_column(String(20), default="")
    enrolled_from: Mapped[date] = mapped_column(Date)
    enrolled_until: Mapped[date | None] = mapped_column(Date, default=None)


class HomeEducation(_PersonColumns, Base):
    __tablename__ = "home_education"
    __table_args__ = (Index("ix_home_education_nn_hash", "nn_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community: Mapped[str] = mapped_column(String(2))
    registered_from: Mapped[date] = mapped_column(Date)
    registered_until: Mapped[date | None] = mapped_column(Date, default=None)


class Exemption(_PersonColumns, Base):
    """Other ways of meeting the obligation: private, European, international, foreign schools..."""

    __tablename__ = "exemptions"
    __table_args__ = (Index("ix_exemptions_nn_hash", "nn_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reason: Mapped[str] = mapped_column(String(30))
    school_name: Mapped[str] = mapped_column(String(160), default="")
    valid_from: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date, default=None)
