"""The workflow's side of the gemeente step: create, answer, hand over, send back, withdraw, remind.

The engine calls these through `effects.py` in the transition's transaction: an assignment and its
notification exist exactly when the transition that made them does.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from service.auth import service as auth
from service.auth.scope import ensure_gemeente
from service.auth.service import Actor
from service.cases import service as cases
from service.core import clock, labels
from service.core.errors import NotFound, Problem, TandemError, joined
from service.core.labels import BRUSSELS, fmt_date
from service.gemeenten.checks import address_problems, as_date, clean_address, visit_problems
from service.gemeenten.models import (
    Assignment,
    AssignmentStatus,
    HomeVisit,
    RegisterAnswer,
    ReportedAddress,
    Step,
    VisitorKind,
)
from service.gemeenten.reading import case_reference, gemeente, open_assignment
from service.gemeenten.settings import check_email
from service.ingest import service as ingest
from service.notifications import service as notifications

Case = cases.Case

# The workflow state in which the gemeente carries out each step.
STATE_STEP = {"gemeente_register_check": Step.REGISTER_CHECK, "gemeente_home_visit": Step.HOME_VISIT}
# The transition a register-check answer fires.
REGISTER_TRANSITIONS = {
    RegisterAnswer.STILL_REGISTERED: "register_check_still_registered",
    RegisterAnswer.MOVED_WITHIN_BRUSSELS: "register_check_moved_within_brussels",
    RegisterAnswer.MOVED_OUT: "register_check_moved_out",
    RegisterAnswer.MOVED_ABROAD: "register_check_moved_abroad",
    RegisterAnswer.DECEASED: "register_check_deceased",
}
ANSWER_OF_TRANSITION = {t: a for a, t in REGISTER_TRANSITIONS.items()}
SEND_BACK_REASONS = ("wrong_gemeente", "address_unknown", "other")
# Why an assignment (or a referral) is withdrawn, by the transition that closed the case.
WITHDRAWAL_REASONS = {
    "late_list_match": "enrolled_late_list",
    "linkage_match": "enrolled_linkage",
    "age_ended": "compulsory_age_ended",
}


def _due_at(case: Case) -> Any:
    """The step's deadline is the one the engine computed from the workflow file's timers."""
    return case.due_at


def _notify_texts(session: Session, case: Case, a: Assignment) -> dict[str, Any]:
    g = gemeente(session, a.nis_code)
    due = fmt_date(a.due_at)
    return {
        "reference": case_reference(session, case),
        "step_nl": labels.nl(a.step),
        "step_fr": labels.fr(a.step),
        "gemeente_nl": g.name_nl,
        "gemeente_fr": g.name_fr,
        "due_on": due,
    }


def create_assignment(session: Session, case: Case, actor: Actor) -> Assignment | None:
    """Give the case's current gemeente step to the gemeente of the domicile (idempotent).

    An open assignment for the same step and gemeente is kept as it is. An open assignment for
    another gemeente (the family moved within Brussels) is closed as handed over, and both
    gemeenten are told.
    """
    step = STATE_STEP.get(case.state)
    if step is None:
        return None
    now = clock.now()
    current = open_assignment(session, case.id)
    if current is not None and current.step == step and current.nis_code == case.nis_code:
        if current.due_at != case.due_at and case.due_at is not None:
            current.due_at = case.due_at
        return current
    handed_over_from: Assignment | None = None
    if current is not None:
        if current.nis_code != case.nis_code:
            current.status = AssignmentStatus.HANDED_OVER
            current.answer = current.answer or RegisterAnswer.MOVED_WITHIN_BRUSSELS
            current.new_nis_code = case.nis_code
            handed_over_from = current
        else:  # the previous step was answered by the transition that brought us here
            current.status = AssignmentStatus.ANSWERED
            current.answered_at = current.answered_at or now
        current.closed_at, current.closed_by = now, actor.name
    assignment = Assignment(
        case_id=case.id,
        nis_code=case.nis_code,
        step=step,
        status=AssignmentStatus.OPEN,
        assigned_at=now,
        due_at=_due_at(case),
        handed_over_from_id=handed_over_from.id if handed_over_from else None,
    )
    session.add(assignment)
    session.flush()
    texts = _notify_texts(session, case, assignment)
    if handed_over_from is None:
        notifications.notify(session, case.nis_code, "assignment_created", case.id, **texts)
    else:
        old = gemeente(session, handed_over_from.nis_code)
        new = gemeente(session, case.nis_code)
        notifications.notify(
            session,
            case.nis_code,
            "assignment_handed_over_in",
            case.id,
            from_gemeente_nl=old.name_nl,
            from_gemeente_fr=old.name_fr,
            **texts,
        )
        notifications.notify(
            session,
            old.nis_code,
            "assignment_handed_over_out",
            case.id,
            reference=texts["reference"],
            to_gemeente_nl=new.name_nl,
            to_gemeente_fr=new.name_fr,
        )
    return assignment


def answer_register_check(
    session: Session, case: Case, transition: str, payload: dict[str, Any], actor: Actor
) -> Assignment | None:
    """Record the register-check answer on the open assignment (the transition carries it)."""
    answer = ANSWER_OF_TRANSITION.get(transition)
    current = open_assignment(session, case.id)
    if answer is None or current is None or current.step != Step.REGISTER_CHECK:
        return current
    now = clock.now()
    current.answer = answer
    current.answered_at = now
    if answer == RegisterAnswer.MOVED_WITHIN_BRUSSELS:
        new_nis = str(payload.get("new_nis_code") or "")
        problems = address_problems(payload.get("new_address"), new_nis)
        if problems:  # the workflow's guard refuses this first; never hand over without an address
            raise TandemError(
                joined(
                    problems,
                    head=Problem(
                        "the new address is incomplete: ",
                        nl="Het nieuwe adres is onvolledig: ",
                        fr="La nouvelle adresse est incomplète : ",
                    ),
                )
            )
        current.new_nis_code = new_nis
        session.add(
            ReportedAddress(
                case_id=case.id,
                assignment_id=current.id,
                nis_code=new_nis,
                **clean_address(payload["new_address"]),
                reported_at=now,
                reported_by=actor.name,
            )
        )
        return current  # closed as handed over when the new gemeente's assignment is created
    if answer != RegisterAnswer.STILL_REGISTERED:  # the case closes (moved out, abroad, deceased)
        current.status = AssignmentStatus.ANSWERED
        current.closed_at, current.closed_by = now, actor.name
    return current


def visit_bounds(session: Session, case: Case) -> dict[str, date | None]:
    """The earliest a visit can have happened: the case's opening day and the child's birth."""
    person = ingest.register_persons(session, [case.person_id]).get(case.person_id)
    return {
        "opened_on": case.opened_at.astimezone(BRUSSELS).date() if case.opened_at else None,
        "born_on": person.birth_date if person is not None else None,
    }


def case_visit_problems(session: Session, case: Case, payload: dict[str, Any]) -> list[str]:
    """What a visit report for this case lacks or gets wrong, its dates checked against the case."""
    return visit_problems(payload, **visit_bounds(session, case))


def record_visit(session: Session, case: Case, payload: dict[str, Any], actor: Actor) -> HomeVisit:
    """Store the visit report carried by `record_visit` and close the home-visit assignment."""
    problems = case_visit_problems(session, case, payload)
    if problems:
        raise TandemError(
            joined(
                problems,
                head=Problem(
                    "the visit report is incomplete: ",
                    nl="Het verslag van het huisbezoek is onvolledig: ",
                    fr="Le rapport de visite est incomplet : ",
                ),
            )
        )
    now = clock.now()
    current = open_assignment(session, case.id)
    visit = HomeVisit(
        case_id=case.id,
        assignment_id=current.id if current is not None and current.step == Step.HOME_VISIT else None,
        nis_code=case.nis_code,
        visited_on=as_date(payload["visited_on"]),
        visitor_kind=payload.get("visitor_kind") or default_visitor(session, case.nis_code),
        family_found=bool(payload["family_found"]),
        parents_said=payload.get("parents_said") or None,
        school_name=(payload.get("school_name") or None),
        remarks=payload.get("remarks") or "",
        recorded_at=now,
        recorded_by=actor.name,
    )
    session.add(visit)
    if visit.assignment_id is not None and current is not None:
        current.status = AssignmentStatus.ANSWERED
        current.answer = "visited"
        current.answered_at = now
        current.closed_at, current.closed_by = now, actor.name
    session.flush()
    return visit


def default_visitor(session: Session, nis_code: str) -> str:
    """Who visits for this gemeente unless the report says otherwise (the gemeente's own choice)."""
    try:
        value = auth.organisation_by_code(session, nis_code).default_visitor
    except NotFound:
        value = None
    return value or VisitorKind.NEIGHBOURHOOD_POLICE.value


def update_settings(
    session: Session, actor: Actor, nis_code: str, visitor: str | None, email: str | None
) -> dict[str, Any]:
    ensure_gemeente(actor, nis_code, "gemeente")
    if visitor is not None and visitor not in {v.value for v in VisitorKind}:
        raise TandemError(f"visitor must be one of {', '.join(v.value for v in VisitorKind)}")
    check_email(email)
    try:
        org = auth.set_organisation_contact(session, nis_code, default_visitor=visitor, email=email)
    except NotFound:
        raise NotFound("gemeente not found") from None
    return {"nis_code": nis_code, "default_visitor": org.default_visitor, "email": org.email}


def return_assignment(
    session: Session, case: Case, reason: str, payload: dict[str, Any], actor: Actor
) -> Assignment | None:
    """The gemeente sent the case back (wrong gemeente, address unknown): tell the owning community."""
    current = open_assignment(session, case.id)
    if current is None:
        return None
    now = clock.now()
    code = payload.get("reason_code") or "other"
    current.status = AssignmentStatus.RETURNED
    current.answer = code
    current.reason = (reason or payload.get("reason") or "")[:500]
    current.closed_at, current.closed_by = now, actor.name
    g = gemeente(session, current.nis_code)
    notifications.notify(
        session,
        owner_org(case),
        "assignment_returned",
        case.id,
        reference=case_reference(session, case),
        gemeente_nl=g.name_nl,
        gemeente_fr=g.name_fr,
        reason_nl=labels.nl(code),
        reason_fr=labels.fr(code),
    )
    return current


def owner_org(case: Case) -> str:
    return "AGODI" if case.owner_community == "nl" else "SCOS"


def withdraw_assignment(session: Session, case: Case, why: str, actor: Actor) -> Assignment | None:
    """The case left the gemeente step without the gemeente's answer: withdraw and tell the gemeente."""
    current = open_assignment(session, case.id)
    if current is None:
        return None
    now = clock.now()
    current.status = AssignmentStatus.WITHDRAWN
    current.reason = why
    current.closed_at, current.closed_by = now, actor.name
    texts = _notify_texts(session, case, current)
    notifications.notify(
        session,
        current.nis_code,
        "assignment_withdrawn",
        case.id,
        why_nl=labels.nl(why),
        why_fr=labels.fr(why),
        **texts,
    )
    return current


def send_reminder(session: Session, case: Case, actor: Actor) -> Assignment | None:
    """Remind the gemeente once before the deadline (the tick calls this from the workflow timer)."""
    current = open_assignment(session, case.id)
    if current is None or current.reminder_sent_at is not None:
        return None
    current.reminder_sent_at = clock.now()
    notifications.notify(
        session, current.nis_code, "reminder", case.id, **_notify_texts(session, case, current)
    )
    return current
