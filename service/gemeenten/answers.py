"""A gemeente answers an open assignment: the register check, the visit report, or sending it back.
The one path the API routes and the web pages share; each answer fires the case transition it
stands for, so the workflow's payload rules and guards decide what is refused, in both."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from service.audit import service as audit
from service.auth.service import Actor
from service.cases import service as cases
from service.core.errors import Conflict
from service.gemeenten.models import Assignment, AssignmentStatus, RegisterAnswer, Step
from service.gemeenten.reading import get_assignment
from service.gemeenten.steps import REGISTER_TRANSITIONS, default_visitor


def answer_assignment(
    session: Session,
    actor: Actor,
    assignment_id: int,
    *,
    step: str | None,
    transition: str,
    payload: dict[str, Any],
    reason: str = "",
    expected_version: int | None = None,
) -> Assignment:
    """Fire `transition` on the case of an open assignment of the actor's gemeente; audited."""
    a = get_assignment(session, actor, assignment_id)
    if a.status != AssignmentStatus.OPEN or (step is not None and a.step != step):
        raise Conflict(f"assignment {a.id} is {a.status} ({a.step}); it cannot take this answer")
    cases.fire(
        session, a.case_id, transition, actor, payload, expected_version=expected_version, reason=reason
    )
    session.flush()
    session.refresh(a)
    audit.record(session, actor, "change", "assignment", [a.id], transition)
    return a


def register_check(
    session: Session,
    actor: Actor,
    assignment_id: int,
    answer: RegisterAnswer,
    *,
    new_nis_code: str | None = None,
    new_address: dict[str, Any] | None = None,
    remarks: str = "",
    expected_version: int | None = None,
) -> Assignment:
    """Still registered, moved within Brussels (with the gemeente and the address there), moved out
    of the region, left for abroad, deceased."""
    payload: dict[str, Any] = {"answer": answer.value}
    if answer == RegisterAnswer.MOVED_WITHIN_BRUSSELS:
        payload["new_nis_code"] = new_nis_code
        payload["new_address"] = new_address
    if remarks:
        payload["remarks"] = remarks
    return answer_assignment(
        session,
        actor,
        assignment_id,
        step=Step.REGISTER_CHECK,
        transition=REGISTER_TRANSITIONS[answer],
        payload=payload,
        reason=remarks,
        expected_version=expected_version,
    )


def record_visit(
    session: Session,
    actor: Actor,
    assignment_id: int,
    report: dict[str, Any],
    expected_version: int | None = None,
) -> Assignment:
    """The home-visit report (the gemeente's chosen visitor when the report names none)."""
    payload = dict(report)
    if not payload.get("visitor_kind"):
        payload["visitor_kind"] = default_visitor(
            session, get_assignment(session, actor, assignment_id).nis_code
        )
    return answer_assignment(
        session,
        actor,
        assignment_id,
        step=Step.HOME_VISIT,
        transition="record_visit",
        payload=payload,
        expected_version=expected_version,
    )


def send_back(
    session: Session,
    actor: Actor,
    assignment_id: int,
    reason_code: str,
    reason: str,
    expected_version: int | None = None,
) -> Assignment:
    """Return the case to the cell with a reason (wrong gemeente, address unknown, other)."""
    return answer_assignment(
        session,
        actor,
        assignment_id,
        step=None,
        transition="send_back",
        payload={"reason": reason, "reason_code": reason_code},
        reason=reason,
        expected_version=expected_version,
    )
