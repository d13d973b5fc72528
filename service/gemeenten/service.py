"""Gemeente assignments: created by the workflow, answered by the gemeente, never silently forgotten.

An assignment is the gemeente's view of one workflow step of a case (population-register check,
home visit). The workflow engine creates and closes them through the effects in `effects.py`; the
gemeente answers by firing the case's transitions (through `views.py` or the case API); the cell
watches the overview of which gemeenten are behind. Every open assignment has a due date from the
workflow file, a reminder before it, and appears on the gemeente's overdue list after it.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Select, and_, func, select
from sqlalchemy.orm import Session

from service.auth.scope import ensure_gemeente, gemeente_filter
from service.auth.service import Actor
from service.cases.models import Case
from service.core import clock, reference
from service.core.errors import NotFound, TandemError
from service.gemeenten import labels
from service.gemeenten.models import (
    Assignment,
    AssignmentStatus,
    Gemeente,
    HomeVisit,
    ParentsSaid,
    RegisterAnswer,
    ReportedAddress,
    Step,
    VisitorKind,
)
from service.gemeenten.pdf import fmt_date
from service.ingest.models import RegisterPerson, SchoolYear
from service.letters.context import case_reference as reference_for
from service.notifications import service as notifications

TEMPLATES = Path(__file__).with_name("templates")

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


# -- reading -------------------------------------------------------------------------------------


def _reference(session: Session, model: type[Any], key: Any) -> Any:
    """Reference rows (gemeenten, school years) held for the session: the identity map keeps objects
    only while something refers to them, and a tick looks them up for thousands of cases."""
    held = session.info.setdefault("handover_reference_rows", {})
    if (model, key) not in held:
        held[(model, key)] = session.get(model, key)
    return held[(model, key)]


def gemeente(session: Session, nis_code: str) -> Gemeente:
    found = _reference(session, Gemeente, nis_code)
    if found is None:
        raise NotFound(f"unknown gemeente '{nis_code}'")
    return found


def case_reference(session: Session, case: Case) -> str:
    """The reference printed on letters, work lists and case files (the letters part's format)."""
    year = _reference(session, SchoolYear, case.school_year_id)
    assert year is not None
    return reference_for(year.label, case.id)


def open_assignment(session: Session, case_id: int) -> Assignment | None:
    return session.scalar(
        select(Assignment)
        .where(Assignment.case_id == case_id, Assignment.status == AssignmentStatus.OPEN)
        .order_by(Assignment.id.desc())
        .limit(1)
    )


def get_assignment(session: Session, actor: Actor, assignment_id: int) -> Assignment:
    """An assignment the actor may see; another gemeente's is reported as not found."""
    found = session.get(Assignment, assignment_id)
    if found is None:
        raise NotFound("assignment not found")
    ensure_gemeente(actor, found.nis_code, "assignment")
    return found


def assignments_query(
    actor: Actor,
    *,
    nis_code: str | None = None,
    status: str | None = None,
    step: str | None = None,
    overdue: bool | None = None,
    case_id: int | None = None,
) -> Select[tuple[Assignment]]:
    query = select(Assignment).where(gemeente_filter(actor, Assignment.nis_code))
    if nis_code:
        query = query.where(Assignment.nis_code == nis_code)
    if status:
        query = query.where(Assignment.status == status)
    if step:
        query = query.where(Assignment.step == step)
    if case_id:
        query = query.where(Assignment.case_id == case_id)
    if overdue is not None:
        late = and_(Assignment.status == AssignmentStatus.OPEN, Assignment.due_at < clock.now())
        query = query.where(late if overdue else ~late)
    return query.order_by(Assignment.due_at, Assignment.id)


def visit_for(session: Session, case_id: int) -> HomeVisit | None:
    return session.scalar(
        select(HomeVisit).where(HomeVisit.case_id == case_id).order_by(HomeVisit.id.desc()).limit(1)
    )


def is_overdue(a: Assignment, now: datetime | None = None) -> bool:
    return a.status == AssignmentStatus.OPEN and a.due_at is not None and a.due_at < (now or clock.now())


def _reported_here(case_id: Any, nis_code: Any, assignment_id: Any) -> Any:
    """Which reported addresses an assignment's gemeente must use: those reported for the same case,
    lying in that gemeente, by an earlier step (the latest wins). One rule for a single assignment and
    for a whole work list (there as a correlated subquery)."""
    return and_(
        ReportedAddress.case_id == case_id,
        ReportedAddress.nis_code == nis_code,
        ReportedAddress.assignment_id < assignment_id,
    )


def address_to_visit(session: Session, a: Assignment) -> ReportedAddress | None:
    """The address a gemeente reported for this assignment's gemeente (a move within Brussels), which
    overrides the register extract's; None: the register's address stands."""
    return session.scalar(
        select(ReportedAddress)
        .where(_reported_here(a.case_id, a.nis_code, a.id))
        .order_by(ReportedAddress.id.desc())
        .limit(1)
    )


def reported_addresses(session: Session, case_id: int) -> list[dict[str, Any]]:
    """Every address reported for a case, oldest first, each with who reported it and when (for the
    parket's case file, next to the register's address)."""
    found = session.scalars(
        select(ReportedAddress).where(ReportedAddress.case_id == case_id).order_by(ReportedAddress.id)
    )
    return [
        {
            **_address_parts(r, gemeente(session, r.nis_code).name),
            "nis_code": r.nis_code,
            "reported_at": r.reported_at.isoformat(),
            "reported_by": r.reported_by,
            "assignment_id": r.assignment_id,
        }
        for r in found
    ]


def _address_parts(r: ReportedAddress, municipality: str) -> dict[str, str]:
    return {
        "street": r.street,
        "house_number": r.house_number,
        "box": r.box,
        "postcode": r.postcode,
        "municipality": municipality,
    }


def assignment_dict(session: Session, a: Assignment, *, with_person: bool = True) -> dict[str, Any]:
    case = session.get(Case, a.case_id)
    assert case is not None
    out: dict[str, Any] = {
        "id": a.id,
        "case_id": a.case_id,
        "reference": case_reference(session, case),
        "nis_code": a.nis_code,
        "step": a.step,
        "step_nl": labels.nl(a.step),
        "step_fr": labels.fr(a.step),
        "status": a.status,
        "assigned_at": a.assigned_at,
        "due_at": a.due_at,
        "overdue": is_overdue(a),
        "reminder_sent_at": a.reminder_sent_at,
        "answered_at": a.answered_at,
        "closed_at": a.closed_at,
        "answer": a.answer,
        "new_nis_code": a.new_nis_code,
        "reason": a.reason,
        "handed_over_from_id": a.handed_over_from_id,
    }
    # A withdrawn assignment (late list, age, closure) keeps its reference and reason, not the child:
    # the gemeente no longer has a task that needs the identity (data minimisation).
    if with_person and a.status != AssignmentStatus.WITHDRAWN:
        person = session.get(RegisterPerson, case.person_id)
        assert person is not None
        org = session.get(Gemeente, a.nis_code)
        reported = address_to_visit(session, a)
        home = session.get(Gemeente, reported.nis_code if reported else person.nis_code)
        out["child"] = {
            "last_name": person.last_name,
            "first_names": person.first_names,
            "birth_date": person.birth_date,
            "address": _address(reported or person, home.name if home else ""),  # the one to visit
            "address_source": "reported" if reported else "register",
            "address_reported_at": reported.reported_at if reported else None,
            "guardians": [_guardian_line(g, person if reported else None) for g in person.guardians],
        }
        given = session.scalar(select(ReportedAddress).where(ReportedAddress.assignment_id == a.id))
        # the answer "moved within Brussels" of this assignment: the address its gemeente reported
        out["new_address"] = _address_parts(given, gemeente(session, given.nis_code).name) if given else None
        out["gemeente"] = {"name_nl": org.name_nl, "name_fr": org.name_fr} if org else None
        visit = session.scalar(select(HomeVisit).where(HomeVisit.assignment_id == a.id))
        out["visit"] = visit_dict(visit) if visit else None
    return out


def visit_dict(v: HomeVisit) -> dict[str, Any]:
    return {
        "visited_on": v.visited_on.isoformat(),
        "nis_code": v.nis_code,
        "visitor_kind": v.visitor_kind,
        "family_found": v.family_found,
        "parents_said": v.parents_said,
        "school_name": v.school_name,
        "remarks": v.remarks,
        "recorded_at": v.recorded_at.isoformat(),
        "recorded_by": v.recorded_by,
    }


def _address(p: RegisterPerson | ReportedAddress, municipality: str = "") -> str:
    box = f" bus/bte {p.box}" if p.box else ""
    return f"{p.street} {p.house_number}{box}, {p.postcode or ''} {municipality}".strip().rstrip(",")


def _same_place(a: Any, b: Any) -> bool:
    def key(x: Any) -> tuple[str, ...]:
        return tuple(
            str(getattr(x, f) or "").strip().casefold() for f in ("street", "house_number", "box", "postcode")
        )

    return key(a) == key(b)


def _guardian_line(g: Any, moved: RegisterPerson | None = None) -> str:
    """A guardian with their address. `moved`: the child moved away from its register address, so a
    guardian registered at that same address is shown without it (the family moved; the old address
    is no one's to visit)."""
    line = f"{g.last_name}, {g.first_names} ({labels.both(g.relation)})"
    if g.street and not (moved is not None and _same_place(g, moved)):
        box = f" bus/bte {g.box}" if g.box else ""
        line += f" - {g.street} {g.house_number}{box}, {g.postcode} {g.municipality}"
    return line


# -- the workflow's side: create, close, remind ---------------------------------------------------


def _due_at(case: Case) -> datetime | None:
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
            raise TandemError("the new address is incomplete: " + "; ".join(problems))
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


ADDRESS_FIELDS = ("street", "house_number", "box", "postcode")
_ADDRESS_MAX = {"street": 160, "house_number": 20, "box": 20}


def _text(value: Any) -> str | None:
    """A field as stripped text (a JSON payload may carry a house number as a number); None: not text."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    return str(value).strip()


def address_problems(address: Any, nis_code: str | None) -> list[str]:
    """What the new address of a move within Brussels lacks or gets wrong, for gemeente `nis_code`
    (names of fields and the gemeente's own postcodes, never the values given)."""
    if not isinstance(address, dict):
        return ["new_address must be an object with street, house_number, box and postcode"]
    problems: list[str] = []
    if set(address) - set(ADDRESS_FIELDS):
        problems.append("new_address takes only street, house_number, box and postcode")
    for field in ADDRESS_FIELDS:
        value = address.get(field)
        text = _text(value)
        if value is not None and text is None:
            problems.append(f"new_address.{field} must be text")
        elif not text and field != "box":
            problems.append(f"new_address.{field} is required")
        elif text and field in _ADDRESS_MAX and len(text) > _ADDRESS_MAX[field]:
            problems.append(f"new_address.{field} is longer than {_ADDRESS_MAX[field]} characters")
    postcode = _text(address.get("postcode"))
    ref = reference.gemeenten().get(nis_code or "")
    if postcode and not (len(postcode) == 4 and postcode.isdigit()):
        problems.append("new_address.postcode must be a Belgian postcode of 4 digits")
    elif postcode and ref is not None and postcode not in ref.postcodes:
        problems.append(
            f"new_address.postcode is not a postcode of new_nis_code {ref.nis_code} "
            f"({ref.name}: {', '.join(ref.postcodes)})"
        )
    return problems


def clean_address(address: dict[str, Any]) -> dict[str, str]:
    """The four fields of a valid new address as stored (stripped text; no box is "")."""
    return {field: _text(address.get(field)) or "" for field in ADDRESS_FIELDS}


def record_visit(session: Session, case: Case, payload: dict[str, Any], actor: Actor) -> HomeVisit:
    """Store the visit report carried by `record_visit` and close the home-visit assignment."""
    problems = visit_problems(payload)
    if problems:
        raise TandemError("the visit report is incomplete: " + "; ".join(problems))
    now = clock.now()
    current = open_assignment(session, case.id)
    visit = HomeVisit(
        case_id=case.id,
        assignment_id=current.id if current is not None and current.step == Step.HOME_VISIT else None,
        nis_code=case.nis_code,
        visited_on=_as_date(payload["visited_on"]),
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


def visit_problems(payload: dict[str, Any]) -> list[str]:
    """What a visit report lacks or gets wrong (names of fields, never their values)."""
    problems: list[str] = []
    visited_on = payload.get("visited_on")
    if not visited_on:
        problems.append("visited_on (date of the visit) is required")
    else:
        try:
            day = _as_date(visited_on)
            if day > clock.now().date():
                problems.append("visited_on lies in the future")
        except ValueError:
            problems.append("visited_on is not a date (YYYY-MM-DD)")
    kind = payload.get("visitor_kind")
    if kind is not None and kind not in {v.value for v in VisitorKind}:
        problems.append(f"visitor_kind must be one of {', '.join(v.value for v in VisitorKind)}")
    if not isinstance(payload.get("family_found"), bool):
        problems.append("family_found (true or false) is required")
    said = payload.get("parents_said")
    if payload.get("family_found") is True:
        if said not in {p.value for p in ParentsSaid}:
            problems.append(f"parents_said must be one of {', '.join(p.value for p in ParentsSaid)}")
        elif said == ParentsSaid.ENROLLED and not payload.get("school_name"):
            problems.append("school_name is required when the parents say the child is enrolled")
        elif said == ParentsSaid.OTHER and not payload.get("remarks"):
            problems.append("remarks are required when the parents' answer is 'other'")
    elif said is not None and said not in {p.value for p in ParentsSaid}:
        problems.append(f"parents_said must be one of {', '.join(p.value for p in ParentsSaid)}")
    return problems


def _as_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def default_visitor(session: Session, nis_code: str) -> str:
    from service.auth.models import Organisation

    value = session.scalar(select(Organisation.default_visitor).where(Organisation.code == nis_code))
    return value or VisitorKind.NEIGHBOURHOOD_POLICE.value


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


def update_settings(
    session: Session, actor: Actor, nis_code: str, visitor: str | None, email: str | None
) -> dict[str, Any]:
    from service.auth.models import Organisation

    ensure_gemeente(actor, nis_code, "gemeente")
    org = session.scalar(select(Organisation).where(Organisation.code == nis_code))
    if org is None:
        raise NotFound("gemeente not found")
    if visitor is not None:
        if visitor not in {v.value for v in VisitorKind}:
            raise TandemError(f"visitor must be one of {', '.join(v.value for v in VisitorKind)}")
        org.default_visitor = visitor
    if email is not None:
        org.email = email.strip() or None
    return {"nis_code": nis_code, "default_visitor": org.default_visitor, "email": org.email}


# -- oversight: who is behind, overdue lists, work lists ------------------------------------------


@dataclass
class GemeenteLoad:
    nis_code: str
    name_nl: str
    name_fr: str
    open: int = 0
    overdue: int = 0
    reminded: int = 0
    oldest_open_days: int = 0
    mean_open_days: float = 0.0
    most_overdue_days: int = 0
    answered: int = 0
    returned: int = 0
    withdrawn: int = 0
    handed_over: int = 0

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def overview(session: Session, actor: Actor) -> list[GemeenteLoad]:
    """Per gemeente: open assignments, how many are overdue, and how old they are (for the cell)."""
    now = clock.now()
    loads = {
        g.nis_code: GemeenteLoad(g.nis_code, g.name_nl, g.name_fr)
        for g in session.scalars(
            select(Gemeente).where(gemeente_filter(actor, Gemeente.nis_code)).order_by(Gemeente.nis_code)
        )
    }
    for nis, status, count in session.execute(
        select(Assignment.nis_code, Assignment.status, func.count())
        .where(gemeente_filter(actor, Assignment.nis_code), Assignment.status != AssignmentStatus.OPEN)
        .group_by(Assignment.nis_code, Assignment.status)
    ):
        if nis in loads and status in ("answered", "returned", "withdrawn", "handed_over"):
            setattr(loads[nis], status, count)
    ages: dict[str, list[float]] = defaultdict(list)
    for nis, assigned_at, due_at, reminded in session.execute(
        select(
            Assignment.nis_code, Assignment.assigned_at, Assignment.due_at, Assignment.reminder_sent_at
        ).where(gemeente_filter(actor, Assignment.nis_code), Assignment.status == AssignmentStatus.OPEN)
    ):
        load = loads[nis]
        load.open += 1
        ages[nis].append((now - assigned_at).total_seconds() / 86400)
        if reminded is not None:
            load.reminded += 1
        if due_at is not None and due_at < now:
            load.overdue += 1
            load.most_overdue_days = max(load.most_overdue_days, (now - due_at).days)
    for nis, values in ages.items():
        loads[nis].oldest_open_days = int(max(values))
        loads[nis].mean_open_days = round(sum(values) / len(values), 1)
    return sorted(loads.values(), key=lambda x: (-x.overdue, -x.open, x.nis_code))


def worklist_rows(session: Session, actor: Actor, nis_code: str, *, overdue_only: bool = False) -> list[dict]:
    """The open assignments of one gemeente with the addresses to check or visit."""
    ensure_gemeente(actor, nis_code, "work list")
    gemeente(session, nis_code)
    now = clock.now()
    latest_reported = (
        select(func.max(ReportedAddress.id))
        .where(_reported_here(Assignment.case_id, Assignment.nis_code, Assignment.id))
        .correlate(Assignment)
        .scalar_subquery()
    )
    query = (
        select(Assignment, Case, RegisterPerson, ReportedAddress)
        .join(Case, Case.id == Assignment.case_id)
        .join(RegisterPerson, RegisterPerson.id == Case.person_id)
        .outerjoin(ReportedAddress, ReportedAddress.id == latest_reported)
        .where(Assignment.nis_code == nis_code, Assignment.status == AssignmentStatus.OPEN)
        .order_by(Assignment.due_at, Assignment.id)
    )
    if overdue_only:
        query = query.where(Assignment.due_at < now)
    names = {g.nis_code: g.name for g in session.scalars(select(Gemeente))}
    rows = []
    labels_by_year = dict(session.execute(select(SchoolYear.id, SchoolYear.label)).all())
    found = session.execute(query).all()
    previous: dict[int, str] = {}
    handed_ids = [a.handed_over_from_id for a, _, _, _ in found if a.handed_over_from_id]
    if handed_ids:
        previous = dict(
            session.execute(
                select(Assignment.id, Assignment.nis_code).where(Assignment.id.in_(handed_ids))
            ).all()
        )
    for a, case, person, reported in found:
        late = a.due_at is not None and a.due_at < now
        if reported is None:
            source = labels.both("address_register")
        else:
            source = f"{labels.both('address_reported')} ({fmt_date(reported.reported_at)})"
        rows.append(
            {
                "assignment_id": a.id,
                "case_id": case.id,
                "reference": reference_for(labels_by_year[case.school_year_id], case.id),
                "step": a.step,
                "assigned_at": a.assigned_at,
                "due_at": a.due_at,
                "overdue": late,
                "days_overdue": (now - a.due_at).days if late and a.due_at else 0,
                "reminder_sent_at": a.reminder_sent_at,
                "person_id": person.id,
                "last_name": person.last_name,
                "first_names": person.first_names,
                "birth_date": person.birth_date,
                # the address to check or visit: the one a gemeente reported after a move, else the register's
                "address": _address(reported or person, names.get((reported or person).nis_code, "")),
                "address_source": source,
                "address_reported": reported is not None,
                "guardians": [_guardian_line(g, person if reported else None) for g in person.guardians],
                "handed_over_from": names.get(previous.get(a.handed_over_from_id or 0, ""), None),
            }
        )
    return rows


CSV_COLUMNS = [
    ("reference", "dossier / dossier"),
    ("assignment_id", "opdracht / mission"),
    ("step", "stap / étape"),
    ("last_name", "naam / nom"),
    ("first_names", "voornamen / prénoms"),
    ("birth_date", "geboortedatum / date de naissance"),
    ("address", "adres / adresse"),
    ("guardians", "ouders / parents"),
    ("assigned_at", "toegewezen / attribuée"),
    ("due_at", "uiterlijk / échéance"),
    ("overdue", "achterstallig / en retard"),
    ("days_overdue", "dagen achterstallig / jours de retard"),
    ("address_source", "herkomst adres / origine de l'adresse"),
]


def _as_text(cell: str) -> str:
    """A cell a spreadsheet would take for a formula (=, +, -, @) is prefixed with ' to stay text."""
    return "'" + cell if cell[:1] in ("=", "+", "-", "@", "\t", "\r") else cell


def worklist_csv(rows: list[dict]) -> bytes:
    """Semicolon-separated UTF-8 with BOM (what spreadsheet software in Belgium opens cleanly)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow([header for _, header in CSV_COLUMNS])
    for r in rows:
        values = []
        for key, _ in CSV_COLUMNS:
            v = r[key]
            if key == "step":
                v = labels.both(v)
            elif key == "guardians":
                v = " | ".join(v)
            elif key == "overdue":
                v = "ja / oui" if v else "nee / non"
            elif isinstance(v, datetime):
                v = v.date().isoformat()
            elif isinstance(v, date):
                v = v.isoformat()
            values.append(_as_text("" if v is None else str(v)))
        writer.writerow(values)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def worklist_pdf(session: Session, nis_code: str, rows: list[dict]) -> bytes:
    from service.gemeenten.pdf import render_pdf

    g = gemeente(session, nis_code)
    return render_pdf(
        TEMPLATES,
        "worklist.html",
        {
            "gemeente": {"nis_code": g.nis_code, "name_nl": g.name_nl, "name_fr": g.name_fr},
            "rows": rows,
            "overdue": sum(1 for r in rows if r["overdue"]),
            "generated_at": clock.now(),
        },
    )


def worklist_file(session: Session, nis_code: str, rows: list[dict], fmt: str) -> tuple[str, bytes]:
    """The work list as a named file, `fmt` "csv" or "pdf": the same name whether the CLI writes it
    or the API sends it."""
    data = worklist_csv(rows) if fmt == "csv" else worklist_pdf(session, nis_code, rows)
    return f"worklist-{nis_code}-{clock.now():%Y%m%d}.{fmt}", data


def assignments_for_case(session: Session, case_id: int) -> list[Assignment]:
    return list(
        session.scalars(select(Assignment).where(Assignment.case_id == case_id).order_by(Assignment.id))
    )


# Reads for other domains ---------------------------------------------------------------------

# An assignment a gemeente still holds: its task, open or answered (withdrawn, sent back or handed
# over, the case is no longer the gemeente's to see).
HELD = (AssignmentStatus.OPEN.value, AssignmentStatus.ANSWERED.value)


def assigned_case_ids(*, nis_code: str) -> Select[Any]:
    """The ids of the cases currently assigned to a gemeente, as a sub-query (case scoping)."""
    return select(Assignment.case_id).where(Assignment.nis_code == nis_code, Assignment.status.in_(HELD))


def assignment_ids_for_cases(session: Session, *, case_ids: Iterable[int]) -> set[int]:
    return set(session.scalars(select(Assignment.id).where(Assignment.case_id.in_(list(case_ids)))))
