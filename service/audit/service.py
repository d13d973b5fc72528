"""Record every read of personal data (law of 8 August 1983: log who consults the register data)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

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


def events(
    session: Session,
    entity: str | None = None,
    limit: int = 200,
    *,
    actor: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    about: dict[str, set[int]] | None = None,
    offset: int = 0,
) -> list[AuditEvent]:
    """Audit events, newest first, filtered by entity, actor, period, and the objects they touched.

    `about` maps entity names to ids ("who read case 42 or register child 7?"); ids sit in a JSON
    list, so that filter is applied while streaming the rows the other filters leave.
    """
    query = select(AuditEvent).order_by(AuditEvent.id.desc())
    if entity:
        query = query.where(AuditEvent.entity == entity)
    if actor:
        query = query.where(AuditEvent.actor == actor)
    if since:
        query = query.where(AuditEvent.at >= since)
    if until:
        query = query.where(AuditEvent.at < until)
    if about is None:
        return list(session.scalars(query.limit(limit).offset(offset)))
    query = query.where(AuditEvent.entity.in_(list(about)))
    found: list[AuditEvent] = []
    skipped = 0
    for event in session.scalars(query.execution_options(yield_per=2000)):
        if not about[event.entity].intersection(event.entity_ids or ()):
            continue
        if skipped < offset:
            skipped += 1
            continue
        found.append(event)
        if len(found) >= limit:
            break
    return found


def about_child(session: Session, person_id: int) -> dict[str, set[int]]:
    """Every object whose read is a read of this register child, by the entity names audit events use.

    Read-only look-ups across the domains, kept here so "who consulted child X?" has one answer.
    """
    from service.cases.models import Case
    from service.gemeenten.models import Assignment
    from service.letters.models import Letter, LetterReply
    from service.parket.models import Referral

    cases = set(session.scalars(select(Case.id).where(Case.person_id == person_id)))
    letters = set(session.scalars(select(Letter.id).where(Letter.case_id.in_(cases))))
    return {
        "register_person": {person_id},
        "case": cases,
        "case_event": cases,
        "assignment": set(session.scalars(select(Assignment.id).where(Assignment.case_id.in_(cases)))),
        "referral": set(session.scalars(select(Referral.id).where(Referral.case_id.in_(cases)))),
        "letter": letters | cases,  # a preview is recorded against the case
        "letter_reply": set(session.scalars(select(LetterReply.id).where(LetterReply.case_id.in_(cases)))),
    }
