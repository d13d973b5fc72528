"""Parket referrals: the parket sees referred cases only, downloads the case file and records the
outcome; the cell checks whether a file is complete before referring. The case-file JSON schema
is published here, versioned."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from service.api.responses import download
from service.audit import service as audit
from service.auth.deps import allow, get_session
from service.auth.service import Actor
from service.core.errors import NotFound, TandemError
from service.parket import casefile, service

router = APIRouter(prefix="/api", tags=["parket"])


@router.get("/parket/schemas/case-file")
def schema_versions(actor: Actor = Depends(allow("reference:read"))) -> dict[str, Any]:
    return {"current": casefile.SCHEMA_VERSION, "versions": casefile.schema_versions()}


@router.get("/parket/schemas/case-file/{version}")
def case_file_schema(version: str, actor: Actor = Depends(allow("reference:read"))) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of the case-file document, as shipped in every ZIP."""
    return casefile.schema(version)


@router.get("/referrals")
def list_referrals(
    status: str | None = None,
    limit: int = 100,
    offset: int = 0,
    actor: Actor = Depends(allow("referrals:read")),
    session: Session = Depends(get_session),
) -> list[dict[str, Any]]:
    found = service.list_referrals(session, actor, status, limit, offset)
    audit.record(session, actor, "read", "referral", [r.id for r in found], "list referrals")
    return [service.referral_dict(session, r) for r in found]


@router.get("/referrals/check/{case_id}")
def check_case(
    case_id: int, actor: Actor = Depends(allow("cases:write")), session: Session = Depends(get_session)
) -> dict[str, Any]:
    """What a referral of this case would still lack (every guard of `refer_to_parket`)."""
    from service.cases.models import Case
    from service.cases.workflow import get_workflow

    case = session.get(Case, case_id)
    if case is None:
        raise NotFound("case not found")
    missing: list[str] = []
    for _name, guard in get_workflow().transitions["refer_to_parket"].guards:
        missing += guard(session, case, {})
    audit.record(session, actor, "read", "case", [case.id], "parket readiness")
    return {"case_id": case.id, "state": case.state, "complete": not missing, "missing": missing}


@router.get("/referrals/{referral_id}")
def get_referral(
    referral_id: int, actor: Actor = Depends(allow("referrals:read")), session: Session = Depends(get_session)
) -> dict[str, Any]:
    r = service.get_referral(session, actor, referral_id)
    audit.record(session, actor, "read", "referral", [r.id], "read referral")
    return service.referral_dict(session, r)


@router.get("/referrals/{referral_id}/case-file")
def download_case_file(
    referral_id: int, actor: Actor = Depends(allow("referrals:read")), session: Session = Depends(get_session)
) -> Response:
    """The ZIP: dossier.pdf (NL/FR), case-file.json, its schema, the letters, manifest.json (SHA-256)."""
    r = service.get_referral(session, actor, referral_id)
    data = service.zip_bytes(r)
    audit.record(session, actor, "export", "referral", [r.id], "download case file")
    return download(data, f"case-file-{r.case_id}-{r.id}.zip", headers={"X-Content-SHA256": r.sha256})


class OutcomeIn(BaseModel):
    outcome: Literal["anti_truancy_contract", "proces_verbaal", "dismissed", "returned"]
    note: str = Field("", max_length=1000, description="Mandatory when the file is returned")
    expected_version: int | None = None


@router.post("/referrals/{referral_id}/outcome")
def record_outcome(
    referral_id: int,
    body: OutcomeIn,
    actor: Actor = Depends(allow("referrals:write")),
    session: Session = Depends(get_session),
) -> dict[str, Any]:
    """The parket's decision closes the case; 'returned' sends it back to the cell for more information."""
    from service.cases.service import fire

    r = service.get_referral(session, actor, referral_id)
    if body.outcome == "returned":
        if not body.note.strip():
            raise TandemError("a returned file needs a note saying what information is missing")
        transition, payload = "parket_return", {"reason": body.note}
    else:
        transition, payload = "parket_outcome", {"outcome": body.outcome}
    fire(
        session,
        r.case_id,
        transition,
        actor,
        payload,
        expected_version=body.expected_version,
        reason=body.note,
    )
    session.flush()
    session.refresh(r)
    audit.record(session, actor, "change", "referral", [r.id], f"parket outcome {body.outcome}")
    return service.referral_dict(session, r)
