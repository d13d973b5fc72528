"""The audit trail, for auditors and the cell administrator."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from sqlalchemy.orm import Session

from service.audit import service
from service.auth.deps import allow, get_session
from service.auth.service import Actor

router = APIRouter(prefix="/api", tags=["audit"])


@router.get("/audit")
def list_audit(
    entity: str | None = None,
    limit: int = 200,
    actor: Actor = Depends(allow("audit:read")),
    session: Session = Depends(get_session),
) -> list[dict[str, Any]]:
    return [
        {
            "id": e.id,
            "at": e.at,
            "actor": e.actor,
            "action": e.action,
            "entity": e.entity,
            "entity_ids": e.entity_ids,
            "count": e.count,
            "purpose": e.purpose,
        }
        for e in service.events(session, entity, min(limit, 1000))
    ]
