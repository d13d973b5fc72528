"""Gemeente assignments: the gemeenten domain's public face (other domains and the CLI import this).

An assignment is the gemeente's view of one workflow step of a case (population-register check,
home visit). The workflow engine creates and closes them through the effects in `effects.py`; the
gemeente answers by firing the case's transitions (through `views.py` or the case API); the cell
watches the overview of which gemeenten are behind. Every open assignment has a due date from the
workflow file, a reminder before it, and appears on the gemeente's overdue list after it.

The work is split into `reading` (assignments as the gemeente sees them), `checks` (what an
answer must hold), `steps` (the workflow's side) and `worklists` (oversight and the work lists).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from service.gemeenten.answers import record_visit as answer_visit
from service.gemeenten.answers import register_check as answer_check
from service.gemeenten.answers import send_back as answer_send_back
from service.gemeenten.checks import ADDRESS_FIELDS, address_problems, clean_address, visit_problems
from service.gemeenten.models import Assignment, AssignmentStatus, ParentsSaid, RegisterAnswer, VisitorKind
from service.gemeenten.reading import (
    address_to_visit,
    assignment_view,
    assignments_for_case,
    assignments_query,
    case_reference,
    gemeente,
    get_assignment,
    is_overdue,
    list_gemeenten,
    open_assignment,
    reported_addresses,
    visit_for,
)
from service.gemeenten.schemas import visit_document
from service.gemeenten.settings import gemeente_settings
from service.gemeenten.steps import (
    ANSWER_OF_TRANSITION,
    REGISTER_TRANSITIONS,
    SEND_BACK_REASONS,
    STATE_STEP,
    WITHDRAWAL_REASONS,
    answer_register_check,
    case_visit_problems,
    create_assignment,
    default_visitor,
    owner_org,
    record_visit,
    return_assignment,
    send_reminder,
    update_settings,
    visit_bounds,
    withdraw_assignment,
)
from service.gemeenten.worklists import (
    CSV_COLUMNS,
    TEMPLATES,
    GemeenteLoad,
    handed_over_origins,
    overview,
    worklist_csv,
    worklist_file,
    worklist_pdf,
    worklist_rows,
)

visit_dict = visit_document  # the case file's name for it

__all__ = [
    "ADDRESS_FIELDS",
    "ANSWER_OF_TRANSITION",
    "CSV_COLUMNS",
    "REGISTER_TRANSITIONS",
    "SEND_BACK_REASONS",
    "STATE_STEP",
    "TEMPLATES",
    "WITHDRAWAL_REASONS",
    "GemeenteLoad",
    "address_problems",
    "address_to_visit",
    "answer_register_check",
    "assignment_view",
    "assignments_for_case",
    "assignments_query",
    "case_reference",
    "case_visit_problems",
    "clean_address",
    "create_assignment",
    "default_visitor",
    "gemeente",
    "get_assignment",
    "is_overdue",
    "list_gemeenten",
    "open_assignment",
    "overview",
    "owner_org",
    "record_visit",
    "reported_addresses",
    "return_assignment",
    "send_reminder",
    "update_settings",
    "gemeente_settings",
    "ParentsSaid",
    "RegisterAnswer",
    "VisitorKind",
    "handed_over_origins",
    "answer_check",
    "answer_send_back",
    "answer_visit",
    "visit_bounds",
    "visit_dict",
    "visit_document",
    "visit_for",
    "visit_problems",
    "withdraw_assignment",
    "worklist_csv",
    "worklist_file",
    "worklist_pdf",
    "worklist_rows",
]


# Reads for other domains ---------------------------------------------------------------------

# An assignment a gemeente still holds: its task, open or answered (withdrawn, sent back or handed
# over, the case is no longer the gemeente's to see).
HELD = (AssignmentStatus.OPEN.value, AssignmentStatus.ANSWERED.value)


def assigned_case_ids(*, nis_code: str) -> Select[Any]:
    """The ids of the cases currently assigned to a gemeente, as a sub-query (case scoping)."""
    return select(Assignment.case_id).where(Assignment.nis_code == nis_code, Assignment.status.in_(HELD))


def assignment_ids_for_cases(session: Session, *, case_ids: Iterable[int]) -> set[int]:
    return set(session.scalars(select(Assignment.id).where(Assignment.case_id.in_(list(case_ids)))))


def indicator_assignments(session: Session, *, case_ids: Select[Any]) -> list[Any]:
    """The assignments of the given cases (a sub-query), for counting: no personal data."""
    return list(
        session.execute(
            select(
                Assignment.case_id,
                Assignment.nis_code,
                Assignment.step,
                Assignment.status,
                Assignment.assigned_at,
                Assignment.due_at,
                Assignment.answered_at,
                Assignment.closed_at,
            ).where(Assignment.case_id.in_(case_ids))
        ).all()
    )
