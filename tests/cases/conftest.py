"""Case fixtures: residual children of a run, built directly (ingest and linkage are tested elsewhere)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from sqlalchemy.orm import Session

from service.auth.models import Role
from service.auth.service import Actor
from service.cases import service as cases
from service.cases.models import Case
from service.core import clock
from service.ingest.models import Guardian, RegisterPerson, SourceBatch
from service.ingest.service import get_or_create_school_year
from service.linkage.models import ChildStatus, Run

SYSTEM = Actor.system("test")


def cell(community: str = "nl", role: Role = Role.CELL_OPERATOR) -> Actor:
    org = "AGODI" if community == "nl" else "SCOS"
    return Actor(f"{role.value}-{org.lower()}", role, None, org, community, None)


def gemeente(nis_code: str = "21004") -> Actor:
    return Actor(f"gemeente-{nis_code}", Role.GEMEENTE_USER, None, nis_code, None, nis_code)


def parket() -> Actor:
    return Actor("parket", Role.PARKET_USER, None, "PARKET", None, None)


def auditor() -> Actor:
    return Actor("auditor", Role.AUDITOR, None, "AGODI", "nl", None)


def add_batch(session: Session, school_year: str, sha256: str, rows: int) -> SourceBatch:
    """A register batch to hang register rows on (`sha256` tells batches apart)."""
    year = get_or_create_school_year(session, school_year)
    batch = SourceBatch(
        school_year_id=year.id,
        kind="register",
        source="test",
        profile="rijksregister_extract",
        file_name="register.csv",
        sha256=sha256,
        received_at=clock.now(),
        rows_total=rows,
    )
    session.add(batch)
    session.flush()
    return batch


def add_register(session: Session, school_year: str, children: list[dict[str, Any]]) -> list[RegisterPerson]:
    """Register rows (one batch) for the given children: keys birth_date, nis_code, admin_language, nn_hash."""
    batch = add_batch(session, school_year, f"{school_year}-{id(children)}-{len(children)}", len(children))
    people = []
    for i, c in enumerate(children, 1):
        p = RegisterPerson(
            batch_id=batch.id,
            row_number=i,
            nn_hash=c.get("nn_hash", f"h{i:04d}"),
            nn_status="valid",
            last_name="Peeters",
            first_names="Jan",
            birth_date=c.get("birth_date", date(2014, 3, 1)),
            sex="M",
            postcode="1000",
            nis_code=c.get("nis_code", "21004"),
            street="Wetstraat",
            house_number=str(i),
            admin_language=c.get("admin_language", "nl"),
            guardians=[
                Guardian(
                    rank=1,
                    relation="moeder",
                    last_name="Peeters",
                    first_names="Anna",
                    street="Wetstraat",
                    house_number=str(i),
                    postcode="1000",
                    municipality="Brussel",
                )
            ],
        )
        session.add(p)
        people.append(p)
    session.flush()
    return people


def add_run(
    session: Session,
    school_year: str,
    people: list[RegisterPerson],
    statuses: dict[int, str] | None = None,
    reference_date: date = date(2025, 10, 1),
) -> Run:
    """A finished run in which every person is residual unless `statuses` says otherwise."""
    year = get_or_create_school_year(session, school_year)
    run = Run(school_year_id=year.id, reference_date=reference_date, status="done", created_at=clock.now())
    session.add(run)
    session.flush()
    for p in people:
        status = (statuses or {}).get(p.id, "residual")
        session.add(
            ChildStatus(
                run_id=run.id,
                person_id=p.id,
                status=status,
                record_kind=None if status == "residual" else "enrolment",
                record_id=None if status == "residual" else 1,
                community=None if status == "residual" else "nl",
            )
        )
    session.flush()
    return run


MakeCases = Callable[..., list[Case]]


@pytest.fixture
def make_cases(session: Session) -> MakeCases:
    """Open `n` cases (residual children of one run) and return them, fresh from the database."""

    def make(n: int = 1, school_year: str = "2025-2026", **child: Any) -> list[Case]:
        people = add_register(
            session,
            school_year,
            [{**child, "nn_hash": child.get("nn_hash", f"{school_year}-h{i}")} for i in range(n)]
            if "nn_hash" not in child
            else [child],
        )
        run = add_run(session, school_year, people)
        cases.open_cases_for_run(session, run.id, SYSTEM)
        session.commit()
        ids = {p.id for p in people}
        return sorted((c for c in session.query(Case).filter(Case.person_id.in_(ids))), key=lambda c: c.id)

    return make


NL, FR = cell("nl"), cell("fr")
G = gemeente("21004")
VISIT = {"visited_on": "2025-10-06", "visited_by": "wijkagent", "family_found": False}  # the day cases open

# The steps that bring a new case (owner nl, gemeente 21004) to each open state of the procedure.
_TO_LETTER_1_SENT = [
    ("start_cross_check", NL, {}),
    ("cross_check_not_found", FR, {}),
    ("start_letters", NL, {}),
    ("send_letter_1", NL, {}),
]
_TO_LETTER_2_SENT = [
    *_TO_LETTER_1_SENT,
    ("letter_1_expired", SYSTEM, {}),
    ("send_letter_2", NL, {}),
]
_TO_REGISTER_CHECK = [*_TO_LETTER_2_SENT, ("letter_2_expired", SYSTEM, {})]
_TO_HOME_VISIT = [*_TO_REGISTER_CHECK, ("register_check_still_registered", G, {})]
_TO_PARKET_REVIEW = [*_TO_HOME_VISIT, ("record_visit", G, VISIT)]
REACH: dict[str, list[tuple[str, Actor, dict[str, Any]]]] = {
    "residual": [],
    "cross_check": _TO_LETTER_1_SENT[:1],
    "late_info_check": _TO_LETTER_1_SENT[:2],
    "letter_1_due": _TO_LETTER_1_SENT[:3],
    "letter_1_sent": _TO_LETTER_1_SENT,
    "reply_1_received": [*_TO_LETTER_1_SENT, ("record_reply", NL, {"answer": "other", "text": "?"})],
    "letter_2_due": _TO_LETTER_2_SENT[:5],
    "letter_2_sent": _TO_LETTER_2_SENT,
    "reply_2_received": [*_TO_LETTER_2_SENT, ("record_reply", FR, {"answer": "other"})],
    "gemeente_register_check": _TO_REGISTER_CHECK,
    "gemeente_home_visit": _TO_HOME_VISIT,
    "gemeente_returned": [*_TO_REGISTER_CHECK, ("send_back", G, {"reason": "address unknown"})],
    "parket_review": _TO_PARKET_REVIEW,
    "referred_to_parket": [*_TO_PARKET_REVIEW, ("refer_to_parket", NL, {})],
}


def walk(session: Session, case: Case, steps: list[tuple[str, Actor, dict[str, Any]]]) -> Case:
    """Fire the steps in order, committing each (as separate requests would)."""
    for transition, actor, payload in steps:
        cases.fire(session, case.id, transition, actor, payload)
        session.commit()
    return case


def walk_to(session: Session, case: Case, state: str) -> Case:
    walk(session, case, REACH[state])
    assert case.state == state
    return case
