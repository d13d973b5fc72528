"""Parket referrals: the parket sees referred cases only, downloads the case file and records the
outcome; the cell checks whether a file is complete before referring. The case-file JSON schema
is published here, versioned."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel, Field, field_validator
from sqlalchemy.orm import Session

from service.api.responses import download
from service.audit import service as audit
from service.auth.deps import allow, db_session
from service.auth.service import Actor
from service.cases import service as cases
from service.parket import casefile, service
from service.parket.read_models import JsonSchema, ReadinessOut, ReferralOut, SchemaVersionsOut

router = APIRouter(prefix="/api", tags=["parket"])


@router.get("/parket/schemas/case-file", response_model=SchemaVersionsOut)
def schema_versions(actor: Actor = Depends(allow("reference:read"))) -> SchemaVersionsOut:
    return SchemaVersionsOut(current=casefile.SCHEMA_VERSION, versions=casefile.schema_versions())


@router.get("/parket/schemas/case-file/{version}", response_model=JsonSchema)
def case_file_schema(version: str, actor: Actor = Depends(allow("reference:read"))) -> JsonSchema:
    """The JSON Schema (draft 2020-12) of the case-file document, as shipped in every ZIP."""
    return casefile.schema(version)


@router.get("/referrals", response_model=list[ReferralOut])
def list_referrals(
    status: str | None = None,
    limit: int = 100,
    offset: int = 0,
    actor: Actor = Depends(allow("referrals:read")),
    session: Session = db_session,
) -> list[ReferralOut]:
    found = service.list_referrals(session, actor, status, limit, offset)
    audit.record(session, actor, "read", "referral", [r.id for r in found], "list referrals")
    return [ReferralOut.of(session, r) for r in found]


@router.get("/referrals/check/{case_id}", response_model=ReadinessOut)
def check_case(
    case_id: int,
    actor: Actor = Depends(allow("cases:write")),
    session: Session = db_session,
) -> ReadinessOut:
    """What a referral of this case would still lack (every guard of `refer_to_parket`)."""
    case = cases.get_case(session, case_id, actor)
    missing = service.referral_problems(session, case)
    audit.record(session, actor, "read", "case", [case.id], "parket readiness")
    return ReadinessOut(case_id=case.id, state=case.state, complete=not missing, missing=missing)


@router.get("/referrals/{referral_id}", response_model=ReferralOut)
def get_referral(
    referral_id: int,
    actor: Actor = Depends(allow("referrals:read")),
    session: Session = db_session,
) -> ReferralOut:
    r = service.get_referral(session, actor, referral_id)
    audit.record(session, actor, "read", "referral", [r.id], "read referral")
    return ReferralOut.of(session, r)


@router.get("/referrals/{referral_id}/history", response_model=list[ReferralOut])
def referral_history(
    referral_id: int,
    actor: Actor = Depends(allow("referrals:read")),
    session: Session = db_session,
) -> list[ReferralOut]:
    """Every referral of this referral's case, oldest first, with what the parket decided each time."""
    found = service.referral_history(session, actor, referral_id)
    audit.record(session, actor, "read", "referral", [r.id for r in found], "read referral history")
    return [ReferralOut.of(session, r) for r in found]


@router.get(
    "/referrals/{referral_id}/case-file",
    response_class=Response,
    responses={200: {"content": {"application/zip": {}}, "description": "The case-file ZIP"}},
)
def download_case_file(
    referral_id: int,
    actor: Actor = Depends(allow("referrals:read")),
    session: Session = db_session,
) -> Response:
    """The ZIP: dossier.pdf (NL/FR), case-file.json, its schema, the letters, manifest.json (SHA-256)."""
    r = service.get_referral(session, actor, referral_id)
    data = service.zip_bytes(r)
    audit.record(session, actor, "export", "referral", [r.id], "download case file")
    return download(data, f"case-file-{r.case_id}-{r.id}.zip", headers={"X-Content-SHA256": r.sha256})


class OutcomeIn(BaseModel):
    outcome: str = Field(description="One of the workflow's parket outcomes, or 'returned'")
    note: str = Field("", max_length=1000, description="Mandatory when the file is returned")
    expected_version: int | None = None

    @field_validator("outcome")
    @classmethod
    def _known(cls, value: str) -> str:
        allowed = service.outcome_choices()
        if value not in allowed:
            raise ValueError(f"must be one of {', '.join(allowed)}")
        return value


@router.post("/referrals/{referral_id}/outcome", response_model=ReferralOut)
def record_outcome(
    referral_id: int,
    body: OutcomeIn,
    actor: Actor = Depends(allow("referrals:write")),
    session: Session = db_session,
) -> ReferralOut:
    """The parket's decision closes the case; 'returned' sends it back to the cell for more information."""
    r = service.decide(session, actor, referral_id, body.outcome, body.note, body.expected_version)
    return ReferralOut.of(session, r)
