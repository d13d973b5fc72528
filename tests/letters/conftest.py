"""Letter fixtures: register children with hard names and addresses, and their cases due a letter."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session

from service.auth.service import Actor
from service.cases import service as cases
from service.cases.models import Case
from service.core import clock
from service.ingest.models import Guardian, RegisterPerson
from tests.cases.conftest import add_batch, add_run

YEAR = "2025-2026"
SYSTEM = Actor.system("test-letters")
TEST_OUTPUT = Path(__file__).resolve().parents[2] / "test-output" / "letters"


@dataclass
class G:
    """A guardian; no street means living with the child."""

    first: str
    last: str
    street: str = ""
    number: str = ""
    box: str = ""
    postcode: str = ""
    municipality: str = ""
    country: str = "BE"
    relation: str = "mother"


@dataclass
class Child:
    first: str
    last: str
    birth: date
    sex: str = "F"
    nis_code: str = "21012"
    postcode: str = "1080"
    street: str = "Chaussée de Gand"
    number: str = "1234"
    box: str = ""
    admin_language: str | None = "fr"
    guardians: list[G] = field(default_factory=list)


# Names and addresses the register can hold: every diacritic the brief names, compound names far
# wider than the address window, guardians together and apart, one abroad.
DIFFICULT: list[Child] = [
    Child(
        "Çağla Ayşe-Łucja",
        "Van den Heuvel-Vermeersch de Saint-Exupéry y Muñoz",
        date(2013, 3, 1),
        "F",
        "21012",
        "1080",
        "Chaussée de Gand",
        "1234",
        "12",
        "fr",
        [
            G("Ştefan Ionuţ-Mărgărit", "Van den Heuvel-Vermeersch de Saint-Exupéry", relation="father"),
            G("Zoë Noëlle", "Ğüneş-Ibáñez", "Boulevard Adolphe Max", "7", "", "1000", "Bruxelles"),
        ],
    ),
    Child(
        "Anaïs",
        "Dağlı",
        date(2012, 11, 30),
        "F",
        "21015",
        "1030",
        "Haachtsesteenweg",
        "55",
        "3",
        "nl",
        [G("Ewa", "Wałęsa-Krzyżanowska"), G("Mehmet Şükrü", "Dağlı", relation="father")],
    ),
    Child(
        "François-Xavier Ñuño",
        "Lefèbvre",
        date(2010, 1, 1),
        "M",
        "21004",
        "1000",
        "Wetstraat",
        "16",
        "",
        None,
        [G("Marie-Thérèse", "Lefèbvre", "Grand-Rue", "10", "", "1234", "Luxembourg", "LU")],
    ),
]


def person_of(child: Child, seq: int | None = None, **columns: Any) -> RegisterPerson:
    """The register row of a test child with its guardians, ranked in order. `seq` gives the ids a
    rendering test needs without a database; `columns` the rest of a stored row."""
    person = RegisterPerson(
        id=seq,
        first_names=child.first,
        last_name=child.last,
        birth_date=child.birth,
        sex=child.sex,
        nis_code=child.nis_code,
        postcode=child.postcode,
        street=child.street,
        house_number=child.number,
        box=child.box,
        admin_language=child.admin_language,
        **columns,
    )
    person.guardians = [
        Guardian(
            id=None if seq is None else seq * 10 + rank,
            rank=rank,
            relation=g.relation,
            first_names=g.first,
            last_name=g.last,
            street=g.street,
            house_number=g.number,
            box=g.box,
            postcode=g.postcode,
            municipality=g.municipality,
            country=g.country,
        )
        for rank, g in enumerate(child.guardians, 1)
    ]
    return person


def add_child(session: Session, child: Child, seq: int) -> RegisterPerson:
    batch = add_batch(session, YEAR, f"letters-{seq}-{id(child)}", 1)
    person = person_of(
        child, batch_id=batch.id, row_number=1, nn_hash=f"letters-h{seq}-{id(child)}", nn_status="valid"
    )
    session.add(person)
    session.flush()
    return person


def to_letter_1_due(session: Session, case: Case) -> Case:
    for name in ("start_cross_check", "cross_check_expired", "late_info_expired"):
        cases.fire(session, case, name, SYSTEM)
    return case


MakeDue = Callable[..., list[Case]]


@pytest.fixture
def due_cases(session: Session, clock_at: clock.FrozenClock) -> MakeDue:
    """Open a case for each child and bring it to letter_1_due; returns the cases (committed)."""

    def make(children: list[Child] | None = None) -> list[Case]:
        people = [add_child(session, c, i) for i, c in enumerate(children or DIFFICULT)]
        run = add_run(session, YEAR, people)
        cases.open_cases_for_run(session, run.id, SYSTEM)
        found = sorted(
            session.query(Case).filter(Case.person_id.in_([p.id for p in people])), key=lambda c: c.id
        )
        by_person = {c.person_id: c for c in found}
        ordered = [by_person[p.id] for p in people]
        for case in ordered:
            to_letter_1_due(session, case)
        session.commit()
        return ordered

    return make


def pdftotext(path: Path, *args: str) -> str:
    """Text of a PDF with poppler (installed by scripts/system-deps)."""
    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext is missing: run scripts/system-deps (poppler-utils)")
    return subprocess.run(
        ["pdftotext", "-enc", "UTF-8", *args, str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


def words(text: str) -> str:
    """Text with line breaks and runs of spaces folded, so a wrapped name reads as one."""
    return " ".join(text.replace("\u00ad", "").split())


def fields_of(child: Child, **extra: Any) -> dict[str, Any]:
    return {"first": child.first, "last": child.last, **extra}
