"""Record every read of personal data (law of 8 August 1983: log who consults the register data)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.audit import chain
from service.audit.models import AuditEvent
from service.audit.objects import about_case, about_child, register_case_resolver, register_child_resolver
from service.audit.report import (
    Change,
    ChildReport,
    Identity,
    ReportLine,
    register_child_changes,
    register_child_identity,
    report_for_child,
    report_pdf,
)
from service.audit.search import AuditPage, AuditQuery, actions, entities, search
from service.audit.vocabulary import action as action_label
from service.audit.vocabulary import entity as entity_label
from service.audit.vocabulary import purpose as purpose_label
from service.auth.service import Actor
from service.core import clock

__all__ = [
    "AuditPage",
    "AuditQuery",
    "Change",
    "ChildReport",
    "Identity",
    "ReportLine",
    "about_case",
    "about_child",
    "action_label",
    "actions",
    "consult_report",
    "entities",
    "entity_label",
    "events",
    "purpose_label",
    "record",
    "search",
    "register_case_resolver",
    "register_child_changes",
    "register_child_identity",
    "register_child_resolver",
    "report_for_child",
    "report_pdf",
]


def record(
    session: Session,
    actor: Actor,
    action: str,
    entity: str,
    ids: Sequence[int],
    purpose: str,
) -> None:
    """Add an audit event in the caller's transaction (no event without the read it describes),
    linked into the hash chain when that transaction commits. Every event says why (`purpose`)."""
    record_as(session, actor.name, actor.user_id, action, entity, ids, purpose)


def record_as(
    session: Session,
    actor_name: str,
    user_id: int | None,
    action: str,
    entity: str,
    ids: Sequence[int],
    purpose: str,
) -> None:
    """`record` for events without an authenticated actor (a refused login: `login:<user name>`)."""
    if not purpose.strip():
        raise ValueError("an audit event needs a purpose")  # a programming error, not user input
    ids = list(ids)
    e = AuditEvent(
        at=clock.now(),
        user_id=user_id,
        actor=actor_name,
        action=action,
        entity=entity,
        entity_ids=ids[:1000],
        count=len(ids),
        purpose=purpose[:200],
    )
    session.add(e)
    chain.pending(session).append(e)


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


PURPOSE_CHILD_REPORT = "child audit report"


def consult_report(session: Session, actor: Actor, child_id: int, *, action: str = "read") -> ChildReport:
    """The report for one child as an auditor consults (`read`) or hands it out (`export`): built,
    then that consultation itself recorded, so that the next report shows it."""
    report = report_for_child(session, child_id)
    record(session, actor, action, "register_person", [child_id], PURPOSE_CHILD_REPORT)
    return report


def verify_chain(session: Session) -> chain.ChainReport:
    """The trail's integrity: the whole hash chain walked, and its first broken link if any."""
    return chain.verify(session)
