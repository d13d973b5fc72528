"""The audit trail, for auditors and the cell administrator."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict
from sqlalchemy.orm import Session

from service.audit import service
from service.auth.deps import allow, get_session
from service.auth.service import Actor
from service.core.errors import TandemError

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
    entity: str | None = None,
    who: str | None = Query(None, description="The actor's username (or cli:<user>)"),
    child: int | None = Query(None, description="Register child id: every read of that child's data"),
    entity_id: int | None = Query(None, description="With `entity`: events touching this object"),
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = Query(200, ge=1, le=1000),
    offset: int = Query(0, ge=0),
    actor: Actor = Depends(allow("audit:read")),
    session: Session = Depends(get_session),
) -> list[AuditEventOut]:
    """Who read or changed which personal data, newest first."""
    about = None
    if child is not None:
        about = service.about_child(session, child)
    elif entity_id is not None:
        if not entity:
            raise TandemError("entity_id needs entity (for example entity=case&entity_id=42)")
        about = {entity: {entity_id}}
    found = service.events(
        session, entity, limit, actor=who, since=since, until=until, about=about, offset=offset
    )
    return [AuditEventOut.model_validate(e) for e in found]
