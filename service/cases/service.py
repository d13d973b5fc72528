"""The case domain's public face: other domains, the routes and the CLI import from here.

`Case` and `CaseEvent` are exported for other domains' type hints and for the objects the engine
hands their effects; they read cases through the functions here, never by querying the tables.
The work is done in `engine` (fire, events), `opening` (cases from a run), `timers` (tick) and
`queries` (reads, bulk actions, the funnel); who may see or act is decided in service.auth.scope.
"""

from __future__ import annotations

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
from service.cases.models import Case, CaseEvent
from service.cases.opening import COMMUNITIES, open_cases_for_run
from service.cases.queries import (
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
    timeline,
)
from service.cases.timers import COMMIT_EVERY, TickReport, tick
from service.core.db import remap_column
from service.core.errors import Conflict, Forbidden, NotFound, TandemError

__all__ = [
    "COMMIT_EVERY",
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
    "ensure_case_visible",
    "ensure_direct",
    "find_case",
    "fire",
    "funnel",
    "get_case",
    "is_system",
    "list_cases",
    "may_fire",
    "open_cases_for_run",
    "rekey_child_keys",
    "scope",
    "tick",
    "timeline",
]


def rekey_child_keys(session: Session, *, mapping: dict[str, str]) -> int:
    """After a key rotation: cases keyed by a child's old hash take its new one (`p:<id>` keys stay)."""
    return remap_column(session, Case.__table__, "child_key", mapping)
