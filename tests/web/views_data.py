"""Cases of the browser tests' year walked to the gemeente step or the parket, for the gemeente,
parket and auditor views (each test walks cases of its own)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.auth.models import Role
from service.auth.service import Actor
from service.cases import service as cases
from service.cases.models import Case
from service.core import clock
from service.core.errors import TandemError
from service.gemeenten.models import Assignment
from service.parket.models import Referral
from tests.web.data import WebYear, pointed_at

SYSTEM = Actor.system("views-tests")
TO_GEMEENTE = (
    "start_cross_check",
    "cross_check_expired",
    "late_info_expired",
    "send_letter_1",
    "letter_1_expired",
    "send_letter_2",
    "letter_2_expired",
)


def walk_to_gemeente(session: Session, nis_code: str, n: int = 1) -> list[int]:
    """`n` residual cases of gemeente `nis_code` taken to its register check; their assignment ids."""
    found = session.scalars(
        select(Case).where(Case.state == "residual", Case.nis_code == nis_code).order_by(Case.id).limit(n)
    ).all()
    assert len(found) == n, f"the test year has fewer than {n} residual cases in {nis_code}"
    for case in found:
        for name in TO_GEMEENTE:
            cases.fire(
                session, case.id, name, SYSTEM, {"channel": "post"} if name.startswith("send") else None
            )
    session.commit()
    return [
        session.scalar(select(Assignment.id).where(Assignment.case_id == c.id, Assignment.status == "open"))
        for c in found
    ]


def walk_to_parket(session: Session, year: WebYear, n: int = 1) -> list[int]:
    """`n` cases taken through the gemeente's answers and referred; their referral ids. The case
    files are written where the year's server reads them."""
    with pointed_at(year.url, year.folder / "output"):
        return _referred(session, n)


def _referred(session: Session, n: int) -> list[int]:
    referred: list[int] = []
    for case in session.scalars(select(Case).where(Case.state == "residual").order_by(Case.id.desc())):
        if len(referred) == n:
            break
        officer = Actor(
            f"officer-{case.nis_code}", Role.GEMEENTE_USER, None, case.nis_code, None, case.nis_code
        )
        cell = Actor(
            "cell-views",
            Role.CELL_OPERATOR,
            None,
            "AGODI" if case.owner_community == "nl" else "SCOS",
            case.owner_community,
        )
        visit = {
            "visited_on": clock.now().date().isoformat(),
            "visitor_kind": "municipal_staff",
            "family_found": True,
            "parents_said": "no_education",
        }
        try:
            with session.begin_nested():
                for name in TO_GEMEENTE:
                    cases.fire(
                        session,
                        case.id,
                        name,
                        SYSTEM,
                        {"channel": "post"} if name.startswith("send") else None,
                    )
                cases.fire(session, case.id, "register_check_still_registered", officer)
                cases.fire(session, case.id, "record_visit", officer, visit)
                cases.fire(session, case.id, "refer_to_parket", cell)
        except TandemError:
            continue  # a file the parket could not take (age, missing guardian): the next case
        referred.append(session.scalar(select(Referral.id).where(Referral.case_id == case.id)))
    session.commit()
    assert len(referred) == n, "the test year has too few cases that can be referred"
    return referred
