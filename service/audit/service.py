"""Record every read of personal data (law of 8 August 1983: log who consults the register data)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.audit.models import AuditEvent
from service.auth.service import Actor
from service.core import clock


def record(
    session: Session,
    actor: Actor,
    action: str,
    entity: str,
    ids: Sequence[int] = (),
    purpose: str = "",
) -> None:
    """Add an audit event in the caller's transaction (no event without the read it describes)."""
    ids = list(ids)
    session.add(
        AuditEvent(
            at=clock.now(),
            user_id=actor.user_id,
            actor=actor.name,
            action=action,
            entity=entity,
            entity_ids=ids[:1000],
            count=len(ids),
            purpose=purpose[:200],
        )
    )


def events(session: Session, entity: str | None = None, limit: int = 200) -> list[AuditEvent]:
    query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
    if entity:
        query = query.where(AuditEvent.entity == entity)
    return list(session.scalars(query))
