"""Record every read of personal data (law of 8 August 1983: log who consults the register data)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.audit import chain
from service.audit.models import AuditEvent
from service.auth.service import Actor
from service.core import clock


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


# -- "who consulted child X?": each domain names its objects of a child --------------------------

# (session, person_id, found so far) -> {entity name: ids}; called in registration order, so a
# resolver registered after the cases one finds the child's case ids in `found["case"]`.
ChildResolver = Callable[[Session, int, dict[str, set[int]]], dict[str, set[int]]]
_child_resolvers: list[ChildResolver] = []


def register_child_resolver(fn: ChildResolver) -> ChildResolver:
    """Add a domain's resolver (at start-up, `service.wiring`): audit imports no domain above it."""
    if fn not in _child_resolvers:
        _child_resolvers.append(fn)
    return fn


def about_child(session: Session, person_id: int) -> dict[str, set[int]]:
    """Every object whose read is a read of this register child, by the entity names audit events use."""
    found: dict[str, set[int]] = {"register_person": {person_id}}
    for resolve in _child_resolvers:
        for entity, ids in resolve(session, person_id, found).items():
            found.setdefault(entity, set()).update(ids)
    return found


# -- "who consulted case X?": the objects of one case, by the same entity names -----------------

# (session, case ids) -> {entity name: ids}; the cases domain adds the case's child.
CaseResolver = Callable[[Session, set[int]], dict[str, set[int]]]
_case_resolvers: list[CaseResolver] = []


def register_case_resolver(fn: CaseResolver) -> CaseResolver:
    if fn not in _case_resolvers:
        _case_resolvers.append(fn)
    return fn


def about_case(session: Session, case_id: int) -> dict[str, set[int]]:
    """Every object whose read is a read of this case (its timeline, assignments, letters...)."""
    found: dict[str, set[int]] = {"case": {case_id}, "case_event": {case_id}}
    for resolve in _case_resolvers:
        for entity, ids in resolve(session, {case_id}).items():
            found.setdefault(entity, set()).update(ids)
    return found
