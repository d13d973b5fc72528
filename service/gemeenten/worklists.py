"""Oversight of the gemeenten: who is behind (the cell's overview), and each gemeente's work list
of addresses to check or visit, as rows, CSV (for a spreadsheet) and a bilingual PDF."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service.auth.scope import ensure_gemeente, gemeente_filter
from service.auth.service import Actor
from service.cases import service as cases
from service.core import clock, labels, pdf
from service.core.case_reference import case_reference
from service.core.labels import fmt_date
from service.gemeenten.models import Assignment, AssignmentStatus, Gemeente, ReportedAddress
from service.gemeenten.reading import address_line, gemeente, guardian_line, reported_here
from service.ingest import service as ingest

TEMPLATES = Path(__file__).with_name("templates")


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


def _open_with_address(
    session: Session, nis_code: str, overdue_only: bool, now: datetime
) -> list[tuple[Assignment, ReportedAddress | None]]:
    """The gemeente's open assignments, each with the address reported for it after a move."""
    latest_reported = (
        select(func.max(ReportedAddress.id))
        .where(reported_here(Assignment.case_id, Assignment.nis_code, Assignment.id))
        .correlate(Assignment)
        .scalar_subquery()
    )
    query = (
        select(Assignment, ReportedAddress)
        .outerjoin(ReportedAddress, ReportedAddress.id == latest_reported)
        .where(Assignment.nis_code == nis_code, Assignment.status == AssignmentStatus.OPEN)
        .order_by(Assignment.due_at, Assignment.id)
    )
    if overdue_only:
        query = query.where(Assignment.due_at < now)
    return [(a, reported) for a, reported in session.execute(query).all()]


def handed_over_origins(session: Session, found: list[Assignment]) -> dict[int, str]:
    """The gemeente each handed-over assignment came from, by the earlier assignment's id."""
    ids = [a.handed_over_from_id for a in found if a.handed_over_from_id]
    if not ids:
        return {}
    return dict(
        session.execute(select(Assignment.id, Assignment.nis_code).where(Assignment.id.in_(ids))).all()
    )


def worklist_rows(session: Session, actor: Actor, nis_code: str, *, overdue_only: bool = False) -> list[dict]:
    """The open assignments of one gemeente with the addresses to check or visit."""
    ensure_gemeente(actor, nis_code, "work list")
    gemeente(session, nis_code)
    now = clock.now()
    found = _open_with_address(session, nis_code, overdue_only, now)
    by_id = cases.cases_by_id(session, (a.case_id for a, _ in found))
    people = ingest.register_persons(session, (c.person_id for c in by_id.values()))
    years = {
        y.id: y.label
        for y in ingest.school_years_by_id(session, (c.school_year_id for c in by_id.values())).values()
    }
    names = {g.nis_code: g.name for g in session.scalars(select(Gemeente))}
    previous = handed_over_origins(session, [a for a, _ in found])
    rows = []
    for a, reported in found:
        case = by_id[a.case_id]
        person = people[case.person_id]
        late = a.due_at is not None and a.due_at < now
        if reported is None:
            source = labels.both("address_register")
        else:
            source = f"{labels.both('address_reported')} ({fmt_date(reported.reported_at)})"
        rows.append(
            {
                "assignment_id": a.id,
                "case_id": case.id,
                "reference": case_reference(years[case.school_year_id], case.id),
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
                "address": address_line(reported or person, names.get((reported or person).nis_code, "")),
                "address_source": source,
                "address_reported": reported is not None,
                "guardians": [guardian_line(g, person if reported else None) for g in person.guardians],
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
    g = gemeente(session, nis_code)
    return pdf.render_pdf(
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
