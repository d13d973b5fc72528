"""What the parket routes answer (the API contract, shared with the OpenAPI document)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy.orm import Session

from service.parket import service
from service.parket.models import Outcome, Referral


class ReferralOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    case_id: int
    reference: str = ""
    nis_code: str | None
    referred_at: datetime
    referred_by: str
    status: str
    schema_version: str
    sha256: str
    outcome: str | None
    outcome_nl: str | None = None
    outcome_fr: str | None = None
    outcome_at: datetime | None
    outcome_by: str | None
    outcome_note: str | None
    case_state: str = ""
    decision_due_at: datetime | None = None
    compulsory_ends_on: date | None = None

    @classmethod
    def of(cls, session: Session, r: Referral) -> ReferralOut:
        out = cls.model_validate(r)
        out.reference, out.case_state = service.referral_reference(session, r)
        out.decision_due_at, out.compulsory_ends_on = service.referral_deadlines(session, r)
        if r.outcome:
            out.outcome_nl, out.outcome_fr = service.OUTCOME_LABELS[Outcome(r.outcome)]
        return out


class ReadinessOut(BaseModel):
    case_id: int
    state: str
    complete: bool
    missing: list[str]


class SchemaVersionsOut(BaseModel):
    current: str
    versions: list[str]


JsonSchema = dict[str, Any]
