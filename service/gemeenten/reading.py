"""Reading the gemeenten's work: assignments (scoped to the actor's gemeente), the address to
visit after a move, visit reports, and an assignment as the gemeente sees it.

Cases and register rows come from their own domains' services; this module reads only the
gemeenten's tables.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, select
from sqlalchemy.orm import Session

from service.auth.scope import ensure_gemeente, gemeente_filter
from service.auth.service import Actor
from service.cases import service as cases
from service.core import clock, labels
from service.core.case_reference import case_reference as reference_for
from service.core.errors import NotFound
from service.gemeenten.models import Assignment, AssignmentStatus, Gemeente, HomeVisit, ReportedAddress
from service.gemeenten.schemas import AddressOut, AssignmentOut, ChildOut, NamesOut, VisitOut
from service.ingest import service as ingest


def _held(session: Session, key: tuple[str, Any], load: Any) -> Any:
    """Reference rows (gemeenten, school years) held for the session: the identity map keeps objects
    only while something refers to them, and a tick looks them up for thousands of cases."""
    held = session.info.setdefault("handover_reference_rows", {})
    if key not in held:
        held[key] = load()
    return held[key]


def gemeente(session: Session, nis_code: str) -> Gemeente:
    found = _held(session, ("gemeente", nis_code), lambda: session.get(Gemeente, nis_code))
    if found is None:
        raise NotFound(f"unknown gemeente '{nis_code}'")
    return found


def list_gemeenten(session: Session) -> list[Gemeente]:
    """The 19 gemeenten (reference data), by NIS code."""
    return list(session.scalars(select(Gemeente).order_by(Gemeente.nis_code)))


def school_year_label(session: Session, school_year_id: int) -> str:
    def load() -> str:
        return ingest.school_years_by_id(session, [school_year_id])[school_year_id].label

    return _held(session, ("school_year", school_year_id), load)


def case_reference(session: Session, case: cases.Case) -> str:
    """The reference printed on letters, work lists and case files."""
    return reference_for(school_year_label(session, case.school_year_id), case.id)


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


def assignments_for_case(session: Session, case_id: int) -> list[Assignment]:
    return list(
        session.scalars(select(Assignment).where(Assignment.case_id == case_id).order_by(Assignment.id))
    )


def visit_for(session: Session, case_id: int) -> HomeVisit | None:
    return session.scalar(
        select(HomeVisit).where(HomeVisit.case_id == case_id).order_by(HomeVisit.id.desc()).limit(1)
    )


def is_overdue(a: Assignment, now: datetime | None = None) -> bool:
    return a.status == AssignmentStatus.OPEN and a.due_at is not None and a.due_at < (now or clock.now())


def reported_here(case_id: Any, nis_code: Any, assignment_id: Any) -> Any:
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
        .where(reported_here(a.case_id, a.nis_code, a.id))
        .order_by(ReportedAddress.id.desc())
        .limit(1)
    )


def address_parts(r: ReportedAddress, municipality: str) -> dict[str, str]:
    return {
        "street": r.street,
        "house_number": r.house_number,
        "box": r.box,
        "postcode": r.postcode,
        "municipality": municipality,
    }


def reported_addresses(session: Session, case_id: int) -> list[dict[str, Any]]:
    """Every address reported for a case, oldest first, each with who reported it and when (for the
    parket's case file, next to the register's address)."""
    found = session.scalars(
        select(ReportedAddress).where(ReportedAddress.case_id == case_id).order_by(ReportedAddress.id)
    )
    return [
        {
            **address_parts(r, gemeente(session, r.nis_code).name),
            "nis_code": r.nis_code,
            "reported_at": r.reported_at.isoformat(),
            "reported_by": r.reported_by,
            "assignment_id": r.assignment_id,
        }
        for r in found
    ]


def address_line(p: Any, municipality: str = "") -> str:
    """`Wetstraat 16 bus/bte 2, 1000 Brussel / Bruxelles` of a register row or a reported address."""
    box = f" bus/bte {p.box}" if p.box else ""
    return f"{p.street} {p.house_number}{box}, {p.postcode or ''} {municipality}".strip().rstrip(",")


def _same_place(a: Any, b: Any) -> bool:
    def key(x: Any) -> tuple[str, ...]:
        return tuple(
            str(getattr(x, f) or "").strip().casefold() for f in ("street", "house_number", "box", "postcode")
        )

    return key(a) == key(b)


def guardian_line(g: Any, moved: Any | None = None) -> str:
    """A guardian with their address. `moved`: the child moved away from its register address, so a
    guardian registered at that same address is shown without it (the family moved; the old address
    is no one's to visit)."""
    line = f"{g.last_name}, {g.first_names} ({labels.both(g.relation)})"
    if g.street and not (moved is not None and _same_place(g, moved)):
        box = f" bus/bte {g.box}" if g.box else ""
        line += f" - {g.street} {g.house_number}{box}, {g.postcode} {g.municipality}"
    return line


def assignment_view(session: Session, a: Assignment, *, with_person: bool = True) -> AssignmentOut:
    """An assignment as its gemeente sees it. A withdrawn assignment (late list, age, closure) keeps
    its reference and reason, not the child: the gemeente no longer has a task that needs the
    identity (data minimisation)."""
    case = cases.case_by_id(session, a.case_id)
    out = AssignmentOut(
        id=a.id,
        case_id=a.case_id,
        reference=case_reference(session, case),
        nis_code=a.nis_code,
        step=a.step,
        step_nl=labels.nl(a.step),
        step_fr=labels.fr(a.step),
        status=a.status,
        assigned_at=a.assigned_at,
        due_at=a.due_at,
        overdue=is_overdue(a),
        reminder_sent_at=a.reminder_sent_at,
        answered_at=a.answered_at,
        closed_at=a.closed_at,
        answer=a.answer,
        new_nis_code=a.new_nis_code,
        reason=a.reason,
        handed_over_from_id=a.handed_over_from_id,
    )
    if with_person and a.status != AssignmentStatus.WITHDRAWN:
        _add_person(session, a, case, out)
    return out


def _add_person(session: Session, a: Assignment, case: cases.Case, out: AssignmentOut) -> None:
    person = ingest.register_persons(session, [case.person_id])[case.person_id]
    org = session.get(Gemeente, a.nis_code)
    reported = address_to_visit(session, a)
    home = session.get(Gemeente, reported.nis_code if reported else person.nis_code)
    out.child = ChildOut(
        last_name=person.last_name,
        first_names=person.first_names,
        birth_date=person.birth_date,
        address=address_line(reported or person, home.name if home else ""),
        address_source="reported" if reported else "register",
        address_reported_at=reported.reported_at if reported else None,
        guardians=[guardian_line(g, person if reported else None) for g in person.guardians],
    )
    given = session.scalar(select(ReportedAddress).where(ReportedAddress.assignment_id == a.id))
    # the answer "moved within Brussels" of this assignment: the address its gemeente reported
    out.new_address = (
        AddressOut(**address_parts(given, gemeente(session, given.nis_code).name)) if given else None
    )
    out.gemeente = NamesOut(name_nl=org.name_nl, name_fr=org.name_fr) if org else None
    visit = session.scalar(select(HomeVisit).where(HomeVisit.assignment_id == a.id))
    out.visit = VisitOut.model_validate(visit) if visit else None
