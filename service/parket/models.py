"""A referral of one case to the parket, the case file it carried, and the outcome the parket gave."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from service.core.db import Base, UTCDateTime


class ReferralStatus(StrEnum):
    REFERRED = "referred"  # waiting for the parket
    DECIDED = "decided"  # outcome recorded; the case is closed
    RETURNED = "returned"  # sent back for more information; the case is back in parket_review
    WITHDRAWN = "withdrawn"  # the case closed otherwise (late list, age) before the parket decided


class Outcome(StrEnum):
    ANTI_TRUANCY_CONTRACT = "anti_truancy_contract"
    PROCES_VERBAAL = "proces_verbaal"
    DISMISSED = "dismissed"
    RETURNED = "returned"  # returned for more information (reopens the case)


class Referral(Base):
    __tablename__ = "referrals"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    nis_code: Mapped[str | None] = mapped_column(ForeignKey("gemeenten.nis_code"), default=None)
    referred_at: Mapped[datetime] = mapped_column(UTCDateTime())
    referred_by: Mapped[str] = mapped_column(String(120))
    status: Mapped[str] = mapped_column(String(12), default=ReferralStatus.REFERRED, index=True)
    schema_version: Mapped[str] = mapped_column(String(20))
    zip_path: Mapped[str] = mapped_column(String(400))  # relative to the output directory
    sha256: Mapped[str] = mapped_column(String(64))
    outcome: Mapped[str | None] = mapped_column(String(30), default=None)
    outcome_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    outcome_by: Mapped[str | None] = mapped_column(String(120), default=None)
    outcome_note: Mapped[str | None] = mapped_column(Text, default=None)
