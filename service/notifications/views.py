"""Each organisation reads its own notifications (a gemeente, the parket, AGODI or SCOS)."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from sqlalchemy.orm import Session

from service.auth.deps import allow, db_session
from service.auth.service import Actor
from service.notifications import service
from service.notifications.schemas import NotificationOut

router = APIRouter(prefix="/api", tags=["notifications"])


@router.get("/notifications", response_model=list[NotificationOut])
def list_notifications(
    unread: bool = False,
    limit: int = 100,
    offset: int = 0,
    actor: Actor = Depends(allow("notifications:read")),
    session: Session = db_session,
) -> list[NotificationOut]:
    """Newest first; only the caller's organisation. Texts carry case references, no personal data."""
    found = service.for_actor(session, actor, unread_only=unread, limit=limit, offset=offset)
    return service.read_models(session, found)


@router.post("/notifications/{notification_id}/read", response_model=NotificationOut)
def mark_read(
    notification_id: int,
    actor: Actor = Depends(allow("notifications:read")),
    session: Session = db_session,
) -> NotificationOut:
    return service.read_models(session, [service.mark_read(session, actor, notification_id)])[0]
