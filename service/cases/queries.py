"""Reading cases: one case, its timeline, filtered pages, bulk actions over a filter, the funnel.

What an actor may see is decided by service.auth.scope; this module only applies it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, false, func, select
from sqlalchemy.orm import Session

from service.auth.scope import case_scope, ensure_case_visible, may_fire
from service.auth.service import Actor
from service.cases.engine import TransitionRefused, ensure_direct, fire
from service.cases.models import Case, CaseEvent
from service.cases.opening import chunks
from service.cases.timers import COMMIT_EVERY
from service.cases.workflow import Workflow, get_workflow
from service.core import clock
from service.core.errors import Conflict, NotFound, TandemError
from service.ingest import service as ingest


def scope(actor: Actor) -> ColumnElement[bool]:
    """The cases the actor may see, as a WHERE clause (service.auth.scope decides)."""
    return case_scope(actor, Case.id, Case.referred_at)


def get_case(session: Session, case_id: int, actor: Actor) -> Case:
    """A case the actor may see; one outside its scope is reported as not found."""
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound("case not found")
    ensure_case_visible(session, actor, case)
    return case


def timeline(session: Session, case_id: int) -> list[CaseEvent]:
    return list(session.scalars(select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id)))


@dataclass
class CaseFilter:
    state: list[str] | None = None
    nis_code: str | None = None
    community: str | None = None
    school_year: str | None = None
    overdue: bool | None = None
    open: bool | None = None
    closure_reason: str | None = None
    run_id: int | None = None

    def where(self, session: Session, wf: Workflow, now: datetime) -> list[ColumnElement[bool]]:
        clauses: list[ColumnElement[bool]] = []
        if self.state:
            unknown = [s for s in self.state if s not in wf.states]
            if unknown:
                raise TandemError(f"unknown state(s): {', '.join(unknown)}")
            clauses.append(Case.state.in_(self.state))
        if self.nis_code:
            clauses.append(Case.nis_code == self.nis_code)
        if self.community:
            clauses.append(Case.owner_community == self.community)
        if self.school_year:
            year_id = ingest.school_year_id(session, label=self.school_year)
            clauses.append(Case.school_year_id == year_id if year_id is not None else false())
        if self.open is not None:
            clauses.append(Case.closed_at.is_(None) if self.open else Case.closed_at.is_not(None))
        if self.closure_reason:
            clauses.append(Case.closure_reason == self.closure_reason)
        if self.run_id is not None:
            clauses.append(Case.run_id == self.run_id)
        if self.overdue is not None:
            deadline_states = [n for n, s in wf.states.items() if s.deadline is not None]
            overdue = and_(Case.closed_at.is_(None), Case.state.in_(deadline_states), Case.due_at <= now)
            clauses.append(overdue if self.overdue else ~overdue)
        return clauses


def _where(session: Session, actor: Actor, filters: CaseFilter) -> list[ColumnElement[bool]]:
    return [scope(actor), *filters.where(session, get_workflow(), clock.now())]


# The columns a list of cases may be sorted by (the web interface's sortable table).
SORTABLE = {
    "id": Case.id,
    "state": Case.state,
    "nis_code": Case.nis_code,
    "opened_at": Case.opened_at,
    "due_at": Case.due_at,
    "owner_community": Case.owner_community,
}


def list_cases(
    session: Session,
    actor: Actor,
    filters: CaseFilter,
    *,
    limit: int = 100,
    offset: int = 0,
    sort: str = "id",
    descending: bool = False,
) -> tuple[int, list[Case]]:
    """One page of the cases the actor may see, with the total count for paging."""
    where = _where(session, actor, filters)
    total = session.scalar(select(func.count()).select_from(Case).where(*where)) or 0
    column = SORTABLE.get(sort, Case.id)
    order = [column.desc().nulls_last() if descending else column.asc().nulls_last(), Case.id]
    items = session.scalars(
        select(Case).where(*where).order_by(*order).limit(max(1, min(limit, 1000))).offset(max(0, offset))
    )
    return total, list(items)


def _dry_outcome(t: Any, case: Case, actor: Actor) -> str:
    if may_fire(t, case, actor):
        return "forbidden"
    if case.state not in t.sources:
        return f"not possible from {case.state}"
    return "would fire"


def bulk_fire(
    session: Session,
    actor: Actor,
    filters: CaseFilter,
    transition: str,
    payload: dict[str, Any] | None = None,
    *,
    reason: str = "",
    dry_run: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """Fire one transition on every case matching the filters (each case in its own savepoint).

    Cases that refuse (wrong state, missing guard item, concurrent change) are counted by reason
    and left as they were; a dry run only reports what would be refused or fired. A bulk action is
    asked for by a person, so a transition taken only through another domain's path is refused.
    """
    wf = get_workflow()
    if transition not in wf.transitions:
        raise NotFound(f"unknown transition '{transition}'")
    t = wf.transitions[transition]
    ensure_direct(t)
    ids = list(session.scalars(select(Case.id).where(*_where(session, actor, filters)).order_by(Case.id)))
    outcome: Counter[str] = Counter()
    for i, case_id in enumerate(ids, 1):
        case = session.get(Case, case_id)
        if case is None:
            continue
        if dry_run:
            outcome[_dry_outcome(t, case, actor)] += 1
            continue
        try:
            with session.begin_nested():
                fire(session, case, transition, actor, payload, reason=reason, direct=True)
            outcome["fired"] += 1
        except TandemError as exc:
            key = type(exc).__name__
            if isinstance(exc, Conflict) and case.state not in t.sources:
                key = f"not possible from {case.state}"
            elif isinstance(exc, TransitionRefused):
                key = str(exc)
            outcome[key] += 1
        if i % COMMIT_EVERY == 0:
            session.commit()
        if progress:
            progress(i, len(ids))
    session.commit()
    return {"transition": transition, "matched": len(ids), "dry_run": dry_run, "outcome": dict(outcome)}


def funnel(session: Session, actor: Actor, school_year: str | None = None) -> dict[str, Any]:
    """How many cases are at each stage and how many closed for each reason (no personal data)."""
    wf = get_workflow()
    where = _where(session, actor, CaseFilter(school_year=school_year))
    by_state = dict(
        session.execute(select(Case.state, func.count()).where(*where).group_by(Case.state)).all()
    )
    by_reason = dict(
        session.execute(
            select(Case.closure_reason, func.count())
            .where(*where, Case.closure_reason.is_not(None))
            .group_by(Case.closure_reason)
        ).all()
    )
    overdue = session.scalar(
        select(func.count())
        .select_from(Case)
        .where(*where, *CaseFilter(overdue=True).where(session, wf, clock.now()))
    )
    return {
        "states": {s: by_state.get(s, 0) for s in wf.states},
        "closure_reasons": {r: by_reason.get(r, 0) for r in wf.closure_reasons if by_reason.get(r)},
        "open": sum(n for s, n in by_state.items() if s not in wf.final_states),
        "overdue": overdue or 0,
        "total": sum(by_state.values()),
    }


def stage_counts(session: Session, actor: Actor, filters: CaseFilter) -> dict[str, tuple[int, int]]:
    """Per state: (cases, of which overdue) among those the filters match (no personal data)."""
    wf = get_workflow()
    where = _where(session, actor, filters)
    overdue = and_(*CaseFilter(overdue=True).where(session, wf, clock.now()))
    rows = session.execute(
        select(Case.state, func.count(), func.count().filter(overdue)).where(*where).group_by(Case.state)
    )
    return {state: (int(n), int(late)) for state, n, late in rows}


# Reads for other domains ---------------------------------------------------------------------


def find_case(session: Session, *, case_id: int) -> Case | None:
    """A case by id, unscoped: for other domains' own work (a referral's case), never for a reader."""
    return session.get(Case, case_id)


def case_ids_of_child(session: Session, *, person_id: int) -> set[int]:
    return set(session.scalars(select(Case.id).where(Case.person_id == person_id)))


def case_events(session: Session, *, case_id: int) -> list[CaseEvent]:
    """The case's timeline in the order things happened (by time, then by id)."""
    return list(
        session.scalars(
            select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.at, CaseEvent.id)
        )
    )


# Reads for other domains


def case_by_id(session: Session, case_id: int) -> Case:
    """One case, unscoped: for a domain that has already decided the actor may see it (an
    assignment of the actor's gemeente, a letter of a batch) or acts as the system."""
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound("case not found")
    return case


def cases_by_id(session: Session, case_ids: Iterable[int]) -> dict[int, Case]:
    """Cases by id, unscoped (see `case_by_id`), fetched in chunks."""
    found: dict[int, Case] = {}
    for chunk in chunks(sorted(set(case_ids))):
        found.update({c.id: c for c in session.scalars(select(Case).where(Case.id.in_(list(chunk))))})
    return found


def open_cases_in_state(
    session: Session,
    state: str,
    *,
    owner_community: str | None = None,
    case_ids: Sequence[int] | None = None,
) -> list[Case]:
    """Open cases in `state`, by gemeente then id (letters due, for example)."""
    query = select(Case).where(Case.state == state, Case.closed_at.is_(None)).order_by(Case.nis_code, Case.id)
    if owner_community:
        query = query.where(Case.owner_community == owner_community)
    if case_ids is not None:
        query = query.where(Case.id.in_(list(case_ids)))
    return list(session.scalars(query))


def first_transition_at(session: Session, case_ids: Sequence[int], transition: str) -> dict[int, datetime]:
    """When each case first took `transition` (cases that never did are left out)."""
    found: dict[int, datetime] = {}
    for chunk in chunks(list(case_ids)):
        rows = session.execute(
            select(CaseEvent.case_id, func.min(CaseEvent.at))
            .where(CaseEvent.case_id.in_(list(chunk)), CaseEvent.transition == transition)
            .group_by(CaseEvent.case_id)
        )
        found.update({case_id: at for case_id, at in rows})
    return found
