"""The report for one child, as JSON and as the bilingual PDF a family can be given (auditors and
the cell administrator; mounted under /api by service.audit.views)."""

from __future__ import annotations

from datetime import date, datetime

from fastapi import APIRouter, Depends, Path, Query, Response
from pydantic import BaseModel
from sqlalchemy.orm import Session

from service.api.responses import download
from service.audit.service import ChildReport, ReportLine, consult_report, report_pdf
from service.auth.deps import allow, db_session
from service.auth.service import Actor

router = APIRouter(tags=["audit"])
MAX_ID = 2**63 - 1


class ChildReportOut(BaseModel):
    child_id: int
    generated_at: datetime
    last_name: str | None
    first_names: str | None
    birth_date: date | None
    consulted: int
    changed: int
    lines: list[ReportLine]

    @classmethod
    def of(cls, r: ChildReport) -> ChildReportOut:
        who = r.identity
        return cls(
            child_id=r.child_id,
            generated_at=r.generated_at,
            last_name=who.last_name if who else None,
            first_names=who.first_names if who else None,
            birth_date=who.birth_date if who else None,
            consulted=r.consulted,
            changed=r.changed,
            lines=r.lines,
        )


@router.get("/audit/children/{child_id}", response_model=ChildReportOut)
def get_child_report(
    child_id: int = Path(ge=1, le=MAX_ID),
    actor: Actor = Depends(allow("audit:read")),
    session: Session = db_session,
) -> ChildReportOut:
    """Who consulted or changed what about one register child, and why, oldest first."""
    return ChildReportOut.of(consult_report(session, actor, child_id))


@router.get(
    "/audit/children/{child_id}/report.pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}, "description": "The report, Dutch and French"}},
)
def get_child_report_pdf(
    child_id: int = Path(ge=1, le=MAX_ID),
    first: str = Query("nl", pattern="^(nl|fr)$", description="The family's language, printed first"),
    actor: Actor = Depends(allow("audit:read")),
    session: Session = db_session,
) -> Response:
    report = consult_report(session, actor, child_id, action="export")
    return download(report_pdf(report, first=first), f"audit-child-{child_id}.pdf")
