"""The case domain's own guards, named in the workflow file as `cases.<name>`.

Signature: `(session, case, payload) -> list[str]`: the missing items, empty when allowed. They
read the case timeline, which is the record of what happened.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.cases.models import Case, CaseEvent
from service.cases.workflow import get_workflow, uses
from service.core import clock

LETTER_STEPS = (
    ("send_letter_1", "letter 1 sent (with its date)"),
    ("send_letter_2", "letter 2 sent (with its date)"),
)
RETURNED_MAIL = "returned_mail"
uses(__name__, transitions=(RETURNED_MAIL, *(name for name, _ in LETTER_STEPS)))


def _fired(session: Session, case: Case) -> dict[str, CaseEvent]:
    """The latest event of each transition fired on the case."""
    rows = session.scalars(
        select(CaseEvent)
        .where(CaseEvent.case_id == case.id, CaseEvent.kind == "transition")
        .order_by(CaseEvent.id)
    )
    return {e.transition: e for e in rows if e.transition}


def procedure_complete(session: Session, case: Case, payload: dict[str, Any]) -> list[str]:
    """Both letters sent with dates (or a returned-mail record).

    The gemeente's visit report is the `parket.file_complete` guard's to check: it knows what the
    report must hold, and one missing item is named once."""
    fired = _fired(session, case)
    missing: list[str] = []
    if RETURNED_MAIL not in fired:
        for name, label in LETTER_STEPS:
            if name not in fired:
                missing.append(f"{label} or a returned-mail record")
    return missing


def age_beyond_margin(session: Session, case: Case, payload: dict[str, Any]) -> list[str]:
    """Compulsory-school age must last beyond the parket margin, or the parket cannot act in time."""
    margin = get_workflow().parket_margin_days
    if case.compulsory_ends_on is None:
        return ["the end date of compulsory-school age (birth date unknown)"]
    left = (case.compulsory_ends_on - clock.now().date()).days
    if left <= margin:
        # No date or day count: the end date is the eve of the 18th birthday, and this message
        # reaches logs, bulk-action and job results (the case view shows compulsory_ends_on).
        return [f"compulsory-school age lasting beyond the {margin}-day margin (it ends within it)"]
    return []
