"""Searching the audit trail: who, what, which child or case, when, why; newest first, with paging.

The objects of one child or one case are found through the resolvers the domains register at
start-up (`service.audit.service.about_child`, `about_case`); their ids sit in a JSON list, so
those two filters are applied while streaming the rows the SQL filters leave (and the total is
counted the same way).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from service.audit.models import AuditEvent
from service.audit.objects import about_case, about_child
from service.core.errors import TandemError

MAX_PAGE = 1000


@dataclass(frozen=True)
class AuditQuery:
    who: str | None = None  # the actor's user name (or cli:<user>), exactly
    action: str | None = None  # read, export, change, decrypt, ...
    entity: str | None = None
    entity_id: int | None = None  # with entity
    child_id: int | None = None  # a register child: every object of that child
    case_id: int | None = None  # a case: every object of that case
    since: datetime | None = None
    until: datetime | None = None  # exclusive
    purpose: str | None = None  # words the recorded purpose contains (case-insensitive)
    limit: int = 50
    offset: int = 0


@dataclass(frozen=True)
class AuditPage:
    items: list[AuditEvent]
    total: int
    limit: int
    offset: int

    @property
    def has_next(self) -> bool:
        return self.offset + len(self.items) < self.total


def _conditions(q: AuditQuery) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if q.who:
        where.append(AuditEvent.actor == q.who)
    if q.action:
        where.append(AuditEvent.action == q.action)
    if q.entity:
        where.append(AuditEvent.entity == q.entity)
    if q.since:
        where.append(AuditEvent.at >= q.since)
    if q.until:
        where.append(AuditEvent.at < q.until)
    if q.purpose:
        where.append(func.lower(AuditEvent.purpose).contains(q.purpose.strip().lower(), autoescape=True))
    return where


def _about(session: Session, q: AuditQuery) -> dict[str, set[int]] | None:
    """The objects the events must touch, or None when no object filter is asked."""
    if q.entity_id is not None and not q.entity:
        raise TandemError("entity_id needs entity (for example entity=case&entity_id=42)")
    wanted: list[dict[str, set[int]]] = []
    if q.child_id is not None:
        wanted.append(about_child(session, q.child_id))
    if q.case_id is not None:
        wanted.append(about_case(session, q.case_id))
    if q.entity_id is not None and q.entity:
        wanted.append({q.entity: {q.entity_id}})
    if not wanted:
        return None
    about = wanted[0]
    for other in wanted[1:]:  # every filter holds: keep what all of them name
        about = {e: ids & other[e] for e, ids in about.items() if e in other and ids & other[e]}
    return about


def search(session: Session, q: AuditQuery) -> AuditPage:
    """One page of the events matching every filter, newest first, and how many match in all."""
    if not 1 <= q.limit <= MAX_PAGE or q.offset < 0:
        raise TandemError(f"limit must be 1 to {MAX_PAGE} and offset 0 or more")
    return _search(session, q)


def matching(session: Session, q: AuditQuery, limit: int) -> list[AuditEvent]:
    """Up to `limit` events matching every filter, newest first (a report, not a page)."""
    return _search(session, replace(q, limit=limit, offset=0)).items


def _search(session: Session, q: AuditQuery) -> AuditPage:
    if q.offset < 0:
        raise TandemError(f"limit must be 1 to {MAX_PAGE} and offset 0 or more")
    if q.since and q.until and q.until <= q.since:
        raise TandemError("until must come after since")
    where = _conditions(q)
    about = _about(session, q)
    query = select(AuditEvent).where(*where).order_by(AuditEvent.id.desc())
    if about is None:
        total = session.scalar(select(func.count()).select_from(AuditEvent).where(*where)) or 0
        items = list(session.scalars(query.limit(q.limit).offset(q.offset)))
        return AuditPage(items, total, q.limit, q.offset)
    if not about:
        return AuditPage([], 0, q.limit, q.offset)
    items: list[AuditEvent] = []
    total = 0
    rows = session.scalars(query.where(AuditEvent.entity.in_(list(about))).execution_options(yield_per=2000))
    for event in rows:
        if not about[event.entity].intersection(event.entity_ids or ()):
            continue
        if q.offset <= total < q.offset + q.limit:
            items.append(event)
        total += 1
    return AuditPage(items, total, q.limit, q.offset)


def actions(session: Session) -> list[str]:
    """The actions the trail holds (for a search form's choices)."""
    return list(session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action)))


def entities(session: Session) -> list[str]:
    return list(session.scalars(select(AuditEvent.entity).distinct().order_by(AuditEvent.entity)))
