"""The audit trail, for auditors and the cell administrator."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel, ConfigDict
from sqlalchemy.orm import Session

from service.audit.report_views import MAX_ID
from service.audit.report_views import router as report_router
from service.audit.search import AuditQuery, search
from service.auth.deps import allow, db_session
from service.auth.service import Actor

router = APIRouter(prefix="/api", tags=["audit"])


class AuditEventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    at: datetime
    actor: str
    action: str
    entity: str
    entity_ids: list[int]
    count: int
    purpose: str


@router.get("/audit", response_model=list[AuditEventOut])
def list_audit(
    response: Response,
    entity: str | None = None,
    who: str | None = Query(None, description="The actor's username (or cli:<user>)"),
    action: str | None = Query(None, description="read, export, change, decrypt, ..."),
    child: int | None = Query(
        None, ge=1, le=MAX_ID, description="Register child id: every read of that child's data"
    ),
    case: int | None = Query(None, ge=1, le=MAX_ID, description="Case id: every read of that case's data"),
    entity_id: int | None = Query(
        None, ge=1, le=MAX_ID, description="With `entity`: events touching this object"
    ),
    purpose: str | None = Query(None, max_length=200, description="Words the recorded purpose contains"),
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = Query(200, ge=1, le=1000),
    offset: int = Query(0, ge=0, le=MAX_ID),
    actor: Actor = Depends(allow("audit:read")),
    session: Session = db_session,
) -> list[AuditEventOut]:
    """Who read or changed which personal data, newest first; the total is in `X-Total-Count`."""
    query = AuditQuery(
        who=who,
        action=action,
        entity=entity,
        entity_id=entity_id,
        child_id=child,
        case_id=case,
        since=since,
        until=until,
        purpose=purpose,
        limit=limit,
        offset=offset,
    )
    page = search(session, query)
    response.headers["X-Total-Count"] = str(page.total)
    return [AuditEventOut.model_validate(e) for e in page.items]


router.include_router(report_router)
