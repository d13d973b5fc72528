"""Reference data (the 19 gemeenten), the gemeenten's assignments, work lists and overdue lists.

A gemeente user reaches only its own gemeente's assignments, work lists and settings: another
gemeente's are "not found" (service.auth.scope). The cell sees every gemeente and which are behind.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from service.api.responses import download
from service.audit import service as audit
from service.auth.deps import allow, db_session
from service.auth.scope import ensure_gemeente
from service.auth.service import Actor
from service.gemeenten import answers, service
from service.gemeenten.models import RegisterAnswer, Step, VisitorKind
from service.gemeenten.schemas import (
    AssignmentOut,
    GemeenteLoadOut,
    GemeenteOut,
    SettingsOut,
    WorklistRowOut,
)

router = APIRouter(prefix="/api", tags=["gemeenten"])
ASSIGNMENT = {"response_model": AssignmentOut, "response_model_exclude_unset": True}
FILE = {200: {"content": {"text/csv": {}, "application/pdf": {}}, "description": "The work list as a file"}}


@router.get("/gemeenten", response_model=list[GemeenteOut])
def list_gemeenten(actor: Actor = Depends(allow("reference:read")), session: Session = db_session) -> Any:
    return service.list_gemeenten(session)


# -- assignments -----------------------------------------------------------------------------


@router.get("/assignments", response_model=list[AssignmentOut], response_model_exclude_unset=True)
def list_assignments(
    nis_code: str | None = None,
    status: str | None = None,
    step: Step | None = None,
    overdue: bool | None = None,
    case_id: int | None = None,
    limit: int = 100,
    offset: int = 0,
    actor: Actor = Depends(allow("assignments:read")),
    session: Session = db_session,
) -> Any:
    """Assignments with the child and address to check or visit (a gemeente: its own only)."""
    query = service.assignments_query(
        actor, nis_code=nis_code, status=status, step=step, overdue=overdue, case_id=case_id
    )
    found = list(session.scalars(query.limit(min(limit, 1000)).offset(offset)))
    audit.record(session, actor, "read", "assignment", [a.id for a in found], "list assignments")
    return [service.assignment_view(session, a) for a in found]


@router.get("/assignments/{assignment_id}", **ASSIGNMENT)
def get_assignment(
    assignment_id: int,
    actor: Actor = Depends(allow("assignments:read")),
    session: Session = db_session,
) -> Any:
    a = service.get_assignment(session, actor, assignment_id)
    audit.record(session, actor, "read", "assignment", [a.id], "read assignment")
    return service.assignment_view(session, a)


class NewAddressIn(BaseModel):
    """Where the family lives now: the new gemeente checks and visits this address, not the register's.
    The postcode must be one of the new gemeente's (checked with the transition's other rules)."""

    street: str
    house_number: str
    box: str = ""
    postcode: str


class RegisterCheckIn(BaseModel):
    answer: RegisterAnswer
    new_nis_code: str | None = Field(None, description="Required when the family moved within Brussels")
    new_address: NewAddressIn | None = Field(
        None, description="Required when the family moved within Brussels: the address in the new gemeente"
    )
    remarks: str = ""
    expected_version: int | None = None


class VisitIn(BaseModel):
    visited_on: date
    visitor_kind: VisitorKind | None = Field(None, description="Default: the gemeente's chosen visitor")
    family_found: bool
    parents_said: Literal["enrolled", "home_education", "no_education", "refused", "other"] | None = None
    school_name: str | None = None
    remarks: str = ""
    expected_version: int | None = None


class SendBackIn(BaseModel):
    reason_code: Literal["wrong_gemeente", "address_unknown", "other"]
    reason: str = Field(..., min_length=3, max_length=500)
    expected_version: int | None = None


@router.post("/assignments/{assignment_id}/register-check", **ASSIGNMENT)
def answer_register_check(
    assignment_id: int,
    body: RegisterCheckIn,
    actor: Actor = Depends(allow("assignments:write")),
    session: Session = db_session,
) -> Any:
    """The population-register check: still registered (a home visit follows), moved within Brussels
    (the case moves to that gemeente, with the family's new address there), moved out of the region,
    left for abroad, deceased."""
    a = answers.register_check(
        session,
        actor,
        assignment_id,
        body.answer,
        new_nis_code=body.new_nis_code,
        new_address=body.new_address.model_dump() if body.new_address else None,
        remarks=body.remarks,
        expected_version=body.expected_version,
    )
    return service.assignment_view(session, a, with_person=False)


@router.post("/assignments/{assignment_id}/visit", **ASSIGNMENT)
def record_visit(
    assignment_id: int,
    body: VisitIn,
    actor: Actor = Depends(allow("assignments:write")),
    session: Session = db_session,
) -> Any:
    """The home-visit report; the case moves on to the cell's decision about the parket."""
    report = body.model_dump(exclude={"expected_version"}, mode="json")
    a = answers.record_visit(session, actor, assignment_id, report, body.expected_version)
    return service.assignment_view(session, a, with_person=False)


@router.post("/assignments/{assignment_id}/send-back", **ASSIGNMENT)
def send_back(
    assignment_id: int,
    body: SendBackIn,
    actor: Actor = Depends(allow("assignments:write")),
    session: Session = db_session,
) -> Any:
    """Return the case to the cell with a reason (wrong gemeente, address unknown, other)."""
    a = answers.send_back(session, actor, assignment_id, body.reason_code, body.reason, body.expected_version)
    return service.assignment_view(session, a, with_person=False)


# -- per gemeente: work list, overdue list, settings -------------------------------------------


@router.get("/gemeenten/overview", response_model=list[GemeenteLoadOut])
def overview(
    actor: Actor = Depends(allow("assignments:read")),
    session: Session = db_session,
) -> Any:
    """Which gemeenten are behind: open assignments, overdue ones and their age (no personal data)."""
    return [load.as_dict() for load in service.overview(session, actor)]


@router.get("/gemeenten/{nis_code}/overdue", response_model=list[WorklistRowOut])
def overdue_list(
    nis_code: str,
    actor: Actor = Depends(allow("assignments:read")),
    session: Session = db_session,
) -> Any:
    rows = service.worklist_rows(session, actor, nis_code, overdue_only=True)
    audit.record(session, actor, "read", "assignment", [r["assignment_id"] for r in rows], "overdue list")
    return rows


def _worklist(session: Session, actor: Actor, nis_code: str, fmt: str) -> Response:
    rows = service.worklist_rows(session, actor, nis_code)
    audit.record(
        session, actor, "export", "assignment", [r["assignment_id"] for r in rows], f"work list {fmt}"
    )
    name, data = service.worklist_file(session, nis_code, rows, fmt)
    return download(data, name)


@router.get("/gemeenten/{nis_code}/worklist.csv", response_class=Response, responses=FILE)
def worklist_csv(
    nis_code: str,
    actor: Actor = Depends(allow("assignments:read")),
    session: Session = db_session,
) -> Response:
    return _worklist(session, actor, nis_code, "csv")


@router.get("/gemeenten/{nis_code}/worklist.pdf", response_class=Response, responses=FILE)
def worklist_pdf(
    nis_code: str,
    actor: Actor = Depends(allow("assignments:read")),
    session: Session = db_session,
) -> Response:
    return _worklist(session, actor, nis_code, "pdf")


class GemeenteSettingsIn(BaseModel):
    default_visitor: VisitorKind | None = None
    email: str | None = Field(None, max_length=200, description="Where notifications are e-mailed; '' clears")


@router.get("/gemeenten/{nis_code}/settings", response_model=SettingsOut)
def read_settings(
    nis_code: str,
    actor: Actor = Depends(allow("assignments:read")),
    session: Session = db_session,
) -> Any:
    """Who visits by default and where the gemeente's notifications are e-mailed."""
    return service.gemeente_settings(session, actor, nis_code)


@router.put("/gemeenten/{nis_code}/settings", response_model=SettingsOut)
def update_settings(
    nis_code: str,
    body: GemeenteSettingsIn,
    actor: Actor = Depends(allow("assignments:write")),
    session: Session = db_session,
) -> Any:
    """Each gemeente chooses who visits by default and where its notifications are e-mailed."""
    ensure_gemeente(actor, nis_code, "gemeente")
    visitor = body.default_visitor.value if body.default_visitor else None
    return service.update_settings(session, actor, nis_code, visitor, body.email)
