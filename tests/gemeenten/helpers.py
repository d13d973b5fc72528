"""Cases walked through the real workflow up to the hand-overs, for the gemeenten and parket tests."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from service.auth.models import Role
from service.auth.service import Actor
from service.cases.models import Case, CaseEvent
from service.cases.service import fire
from service.core import clock
from service.core.school_age import compulsory_period
from service.ingest.models import RegisterPerson, SchoolYear, SourceKind
from service.ingest.service import ingest_file
from service.linkage.models import ChildStatus, Run
from tests.factories import child, write_source

START = datetime(2025, 10, 1, 9, 0, tzinfo=UTC)
SYSTEM = Actor.system("test")
CELL_NL = Actor("operator-nl", Role.CELL_OPERATOR, None, "AGODI", "nl")
PARKET = Actor("parket-1", Role.PARKET_USER, None, "PARKET")


@pytest.fixture(autouse=True, name="clock")
def frozen_clock() -> Iterator[clock.FrozenClock]:
    """Every hand-over test runs on a frozen clock that a test can move forward (imported by the
    gemeenten and parket conftests)."""
    with clock.frozen(START) as c:
        yield c


def officer(nis_code: str) -> Actor:
    return Actor(f"officer-{nis_code}", Role.GEMEENTE_USER, None, nis_code, None, nis_code)


def register(session: Session, tmp_path: Path, rows: list[dict[str, Any]]) -> list[int]:
    """Ingest register rows (tests.factories.child); returns the person ids in row order."""
    path = write_source(tmp_path / "register.csv", "rijksregister_extract", rows)
    ingest_file(session, SourceKind.REGISTER, path, "2025-2026", SYSTEM)
    session.commit()
    return list(session.scalars(select(RegisterPerson.id).order_by(RegisterPerson.row_number)))


def children(session: Session, tmp_path: Path, n: int = 2, **extra: Any) -> list[int]:
    """`n` children of 11 in Brussel (21004) with a parent each; compulsory age lasts until 2032."""
    rows = [
        child(
            2 * i + 1, date(2014, 3, 1 + i), last_name=f"Achternaam{i}", first_names=f"Voornaam{i}", **extra
        )
        for i in range(n)
    ]
    return register(session, tmp_path, rows)


def open_case(
    session: Session, person_id: int, state: str = "letter_1_due", owner: str = "nl", with_run: bool = True
) -> Case:
    """A case as the engine opens it, placed in `state` (the timeline says so)."""
    person = session.get(RegisterPerson, person_id)
    assert person is not None
    year = session.scalar(select(SchoolYear).where(SchoolYear.label == "2025-2026"))
    assert year is not None
    run_id = None
    if with_run:
        run = Run(
            school_year_id=year.id,
            reference_date=date(2025, 10, 1),
            status="done",
            created_at=clock.now(),
            created_by="test",
            batch_ids=[person.batch_id],
            model={},
            counts={},
        )
        session.add(run)
        session.flush()
        session.add(ChildStatus(run_id=run.id, person_id=person.id, status="residual"))
        run_id = run.id
    now = clock.now()
    ends = compulsory_period(person.birth_date, year.start_age).end if person.birth_date else None
    case = Case(
        school_year_id=year.id,
        person_id=person.id,
        child_key=person.nn_hash or f"p:{person.id}",
        run_id=run_id,
        state=state,
        owner_community=owner,
        nis_code=person.nis_code,
        opened_at=now,
        state_entered_at=now,
        compulsory_ends_on=ends,
        version=1,
    )
    session.add(case)
    session.flush()
    session.add(
        CaseEvent(
            case_id=case.id,
            at=now,
            actor="test",
            actor_org="SYSTEM",
            kind="opened",
            to_state=state,
            reason="test case",
            payload={},
        )
    )
    session.commit()
    return case


def to_gemeente(session: Session, case: Case, letters_dir: Path | None = None) -> Case:
    """letter 1 sent, unanswered, letter 2 sent, unanswered: the case reaches the gemeente.

    With `letters_dir` the letters are really rendered and posted by the letters part (slower);
    otherwise the send transitions are fired directly.
    """
    for name in ("send_letter_1", "letter_1_expired", "send_letter_2", "letter_2_expired"):
        if letters_dir is not None and name.startswith("send"):
            from service.letters.service import run_batch

            run_batch(session, name.removeprefix("send_"), SYSTEM, output_dir=letters_dir, case_ids=[case.id])
        else:
            fire(session, case, name, SYSTEM, {"channel": "post"} if name.startswith("send") else None)
    session.commit()
    assert case.state == "gemeente_register_check"
    return case


VISIT = {
    "visitor_kind": "neighbourhood_police",
    "family_found": True,
    "parents_said": "no_education",
    "remarks": "Moeder verklaart dat het kind thuis blijft / La mère déclare que l'enfant reste à la maison",
}


def visit(**changes: Any) -> dict[str, Any]:
    """A complete visit report, made today."""
    return {"visited_on": clock.now().date().isoformat(), **VISIT, **changes}


def to_parket_review(session: Session, case: Case, letters_dir: Path | None = None) -> Case:
    """The gemeente finds the family still registered and visits it."""
    to_gemeente(session, case, letters_dir)
    gemeente = officer(case.nis_code)
    fire(session, case, "register_check_still_registered", gemeente)
    fire(session, case, "record_visit", gemeente, visit())
    session.commit()
    assert case.state == "parket_review"
    return case
