"""A notification to one organisation, in Dutch and French, with its e-mail delivery state."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from service.core.db import Base, UTCDateTime


class Notification(Base):
    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_org_read", "organisation_id", "read_at"),
        Index("ix_notifications_emailed", "emailed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    kind: Mapped[str] = mapped_column(String(40))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), default=None, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    emailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    email_attempts: Mapped[int] = mapped_column(Integer, default=0)
    email_error: Mapped[str | None] = mapped_column(String(200), default=None)
    # Texts name cases by reference and gemeenten by name, never a child or a parent: e-mail is a
    # weaker channel than the API, so personal data stays behind the login.
    subject_nl: Mapped[str] = mapped_column(String(200))
    subject_fr: Mapped[str] = mapped_column(String(200))
    body_nl: Mapped[str] = mapped_column(Text)
    body_fr: Mapped[str] = mapped_column(Text)
