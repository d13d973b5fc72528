"""The case domain's public face: other domains, the routes and the CLI import from here.

`Case` and `CaseEvent` are exported for other domains' type hints and for the objects the engine
hands their effects; they read cases through the functions here, never by querying the tables.
The work is done in `engine` (fire, events), `opening` (cases from a run), `timers` (tick) and
`queries` (reads, bulk actions, the funnel); who may see or act is decided in service.auth.scope.
"""

from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from service.auth.scope import ensure_case_visible, is_system, may_fire
from service.cases.engine import (
    TransitionRefused,
    add_event,
    available_transitions,
    bump,
    ensure_direct,
    fire,
)
from service.cases.history import child_changes
from service.cases.models import Case, CaseEvent
from service.cases.opening import COMMUNITIES, open_cases_for_run
from service.cases.queries import (
    SORTABLE,
    CaseFilter,
    bulk_fire,
    case_by_id,
    case_events,
    case_ids_of_child,
    cases_by_id,
    find_case,
    first_transition_at,
    funnel,
    get_case,
    list_cases,
    open_cases_in_state,
    scope,
    stage_counts,
    timeline,
)
from service.cases.timers import COMMIT_EVERY, TickReport, tick
from service.cases.workflow import get_workflow  # noqa: F401 - the procedure's states and labels
from service.core.db import remap_column
from service.core.errors import Conflict, Forbidden, NotFound, TandemError

__all__ = [
    "COMMIT_EVERY",
    "SORTABLE",
    "Conflict",
    "Forbidden",
    "NotFound",
    "TandemError",
    "COMMUNITIES",
    "Case",
    "CaseEvent",
    "CaseFilter",
    "TickReport",
    "TransitionRefused",
    "add_event",
    "available_transitions",
    "bulk_fire",
    "bump",
    "case_by_id",
    "case_events",
    "cases_by_id",
    "first_transition_at",
    "open_cases_in_state",
    "case_ids_of_child",
    "child_changes",
    "ensure_case_visible",
    "ensure_direct",
    "find_case",
    "fire",
    "funnel",
    "get_case",
    "get_workflow",
    "is_system",
    "list_cases",
    "may_fire",
    "open_cases_for_run",
    "rekey_child_keys",
    "scope",
    "stage_counts",
    "tick",
    "timeline",
]


# Reads for the indicators ------------------------------------------------------------------

INDICATOR_CASE_COLUMNS = (
    Case.id,
    Case.person_id,
    Case.child_key,
    Case.run_id,
    Case.state,
    Case.owner_community,
    Case.nis_code,
    Case.opened_at,
    Case.state_entered_at,
    Case.due_at,
    Case.closed_at,
    Case.closure_reason,
    Case.compulsory_ends_on,
    Case.previous_case_id,
    Case.referred_at,
)


def case_ids_of_year(*, school_year_id: int) -> Select:  # type: ignore[type-arg]
    """The ids of a school year's cases, as a sub-query for the other domains' reads."""
    return select(Case.id).where(Case.school_year_id == school_year_id)


def indicator_cases(session: Session, *, school_year_id: int) -> list:  # type: ignore[type-arg]
    """A school year's cases, one row each, without personal data (for counting)."""
    return list(
        session.connection()
        .execute(select(*INDICATOR_CASE_COLUMNS).where(Case.school_year_id == school_year_id))
        .all()
    )


def indicator_events(session: Session, *, school_year_id: int) -> list:  # type: ignore[type-arg]
    """The state changes of a school year's cases (opened and transitions), in the order they were
    recorded (a posting is stamped with its letter date, which can be later than a reply)."""
    return list(
        session.connection()
        .execute(
            select(
                CaseEvent.case_id,
                CaseEvent.at,
                CaseEvent.transition,
                CaseEvent.from_state,
                CaseEvent.to_state,
            )
            .where(
                CaseEvent.case_id.in_(case_ids_of_year(school_year_id=school_year_id)),
                CaseEvent.kind.in_(("opened", "transition")),
            )
            .order_by(CaseEvent.case_id, CaseEvent.id)
        )
        .all()
    )


def rekey_child_keys(session: Session, *, mapping: dict[str, str]) -> int:
    """After a key rotation: cases keyed by a child's old hash take its new one (`p:<id>` keys stay)."""
    return remap_column(session, Case.__table__, "child_key", mapping)
