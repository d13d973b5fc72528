"""Letters to families, the print-room batches they go out in, and the replies they bring back.

A letter is prepared (rendered, stored, in the print file) and then posted; only posting moves the
case on. A prepared letter can still be cancelled (late information cleared the child). A case gets
at most one live letter per step and envelope: a partial unique index makes a second one impossible,
whatever the code above it does.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from service.core.db import Base, UTCDateTime


class LetterStatus(StrEnum):
    PREPARED = "prepared"  # rendered and in the print file, not yet handed to the post
    POSTED = "posted"
    RETURNED = "returned"  # came back undelivered (address unknown)
    CANCELLED = "cancelled"  # withdrawn before posting


class BatchStatus(StrEnum):
    PREPARED = "prepared"
    POSTED = "posted"


class ReplyKind(StrEnum):
    ANSWER = "answer"
    RETURNED_MAIL = "returned_mail"


class ReplyOutcome(StrEnum):
    PENDING = "pending"  # waiting for an operator to verify it
    VERIFIED = "verified"
    INSUFFICIENT = "insufficient"
    RECORDED = "recorded"  # returned mail: nothing to verify


LIVE = text("status <> 'cancelled'")


class LetterBatch(Base):
    """One print run: a merged PDF for the print room plus one stored PDF per letter."""

    __tablename__ = "letter_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # letter_1 / letter_2
    channel: Mapped[str] = mapped_column(String(20))  # post / registered_post / email
    status: Mapped[str] = mapped_column(String(12), default=BatchStatus.PREPARED)
    letter_date: Mapped[date] = mapped_column(Date)
    owner_community: Mapped[str | None] = mapped_column(String(2), default=None)  # None: both
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(120))
    posted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    posted_by: Mapped[str | None] = mapped_column(String(120), default=None)
    letter_count: Mapped[int] = mapped_column(Integer, default=0)
    case_count: Mapped[int] = mapped_column(Integer, default=0)
    page_count: Mapped[int] = mapped_column(Integer, default=0)
    directory: Mapped[str] = mapped_column(String(500), default="")
    print_file: Mapped[str] = mapped_column(String(500), default="")
    print_sha256: Mapped[str] = mapped_column(String(64), default="")
    skipped: Mapped[list[dict]] = mapped_column(JSON, default=list)  # [{case_id, reason}], no values


class Letter(Base):
    """One envelope for one case and step (guardians living apart each get their own)."""

    __tablename__ = "letters"
    __table_args__ = (
        Index(
            "uq_letters_live_step",
            "case_id",
            "kind",
            "recipient_no",
            unique=True,
            sqlite_where=LIVE,
            postgresql_where=LIVE,
        ),
        Index("ix_letters_status_kind", "status", "kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("letter_batches.id"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    recipient_no: Mapped[int] = mapped_column(Integer)  # 1 = envelope A, 2 = B...
    recipients_total: Mapped[int] = mapped_column(Integer, default=1)
    guardian_ids: Mapped[list[int]] = mapped_column(JSON, default=list)  # ids only, no names
    country: Mapped[str] = mapped_column(String(2), default="BE")
    reference: Mapped[str] = mapped_column(String(40))
    channel: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(12), default=LetterStatus.PREPARED)
    letter_date: Mapped[date] = mapped_column(Date)
    reply_by: Mapped[date] = mapped_column(Date)
    path: Mapped[str] = mapped_column(String(500))
    sha256: Mapped[str] = mapped_column(String(64))
    pages: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    posted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    cancel_reason: Mapped[str | None] = mapped_column(String(60), default=None)
    returned_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


class LetterReply(Base):
    """What came back: a structured answer from the reply form (or e-mail, phone), or returned mail."""

    __tablename__ = "letter_replies"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    letter_id: Mapped[int | None] = mapped_column(ForeignKey("letters.id"), default=None, index=True)
    kind: Mapped[str] = mapped_column(String(20))  # answer / returned_mail
    step: Mapped[str] = mapped_column(String(20))  # letter_1 / letter_2: the letter it answers
    received_on: Mapped[date] = mapped_column(Date)
    channel: Mapped[str] = mapped_column(String(20), default="post")  # post / email / phone
    answer: Mapped[str | None] = mapped_column(String(30), default=None)
    school_name: Mapped[str | None] = mapped_column(String(200), default=None)
    school_address: Mapped[str | None] = mapped_column(String(300), default=None)
    school_community: Mapped[str | None] = mapped_column(String(20), default=None)
    new_address: Mapped[str | None] = mapped_column(String(300), default=None)
    moved_on: Mapped[date | None] = mapped_column(Date, default=None)
    text: Mapped[str] = mapped_column(String(2000), default="")
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    recorded_by: Mapped[str] = mapped_column(String(120))
    outcome: Mapped[str] = mapped_column(String(12), default=ReplyOutcome.PENDING)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    decided_by: Mapped[str | None] = mapped_column(String(120), default=None)
    decision_reason: Mapped[str] = mapped_column(String(1000), default="")
