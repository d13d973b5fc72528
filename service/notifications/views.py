"""Each organisation reads its own notifications (a gemeente, the parket, AGODI or SCOS)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from sqlalchemy.orm import Session

from service.auth.deps import allow, get_session
from service.auth.service import Actor
from service.notifications import service

router = APIRouter(prefix="/api", tags=["notifications"])


@router.get("/notifications")
def list_notifications(
    unread: bool = False,
    limit: int = 100,
    offset: int = 0,
    actor: Actor = Depends(allow("notifications:read")),
    session: Session = Depends(get_session),
) -> list[dict[str, Any]]:
    """Newest first; only the caller's organisation. Texts carry case references, no personal data."""
    return [
        service.as_dict(n)
        for n in service.for_actor(session, actor, unread_only=unread, limit=limit, offset=offset)
    ]


@router.post("/notifications/{notification_id}/read")
def mark_read(
    notification_id: int,
    actor: Actor = Depends(allow("notifications:read")),
    session: Session = Depends(get_session),
) -> dict[str, Any]:
    return service.as_dict(service.mark_read(session, actor, notification_id))
