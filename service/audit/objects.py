"""Which objects of the trail belong to one child or one case: each domain names its own objects
(by the entity names its audit events use) through a resolver registered at start-up
(`service.wiring`), so that audit imports no domain above it."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

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
