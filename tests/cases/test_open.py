"""Opening cases from a run: one case per child and year, linked across years, owned by a community."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service.cases import service as cases
from service.cases.models import Case
from service.ingest.models import Enrolment, SourceBatch
from service.ingest.service import get_or_create_school_year
from tests.cases.conftest import SYSTEM, add_register, add_run, walk


def _count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Case)) or 0


def test_rerunning_a_run_opens_no_duplicate(session: Session, clock_at) -> None:  # type: ignore[no-untyped-def]
    people = add_register(session, "2025-2026", [{"nn_hash": f"k{i}"} for i in range(4)])
    run = add_run(session, "2025-2026", people, statuses={people[3].id: "enrolled"})
    first = cases.open_cases_for_run(session, run.id, SYSTEM)
    assert first["opened"] == 3 and first["residual"] == 3
    again = cases.open_cases_for_run(session, run.id, SYSTEM)
    assert again["opened"] == 0 and again["already_has_case_this_year"] == 3
    # a new run on a corrected register (new rows, same children) opens nothing either
    corrected = add_register(session, "2025-2026", [{"nn_hash": f"k{i}"} for i in range(4)])
    rerun = add_run(session, "2025-2026", corrected)
    report = cases.open_cases_for_run(session, rerun.id, SYSTEM)
    assert report["opened"] == 1 and report["already_has_case_this_year"] == 3  # only k3 is new
    assert _count(session) == 4


def test_a_closed_case_of_an_earlier_year_links_the_new_one(session: Session, make_cases, clock_at) -> None:  # type: ignore[no-untyped-def]
    [earlier] = make_cases(1, school_year="2024-2025", nn_hash="same-child", admin_language=None)
    walk(session, earlier, [("close", SYSTEM, {"reason": "moved_abroad"})])
    [still_open] = make_cases(1, school_year="2024-2025", nn_hash="open-child")
    people = add_register(
        session, "2025-2026", [{"nn_hash": "same-child", "admin_language": None}, {"nn_hash": "open-child"}]
    )
    report = cases.open_cases_for_run(session, add_run(session, "2025-2026", people).id, SYSTEM)
    assert report["opened"] == 1 and report["linked_to_previous_case"] == 1
    assert report["open_case_in_other_year"] == 1  # the open 2024-2025 case carries on, no second one
    new = session.scalars(select(Case).where(Case.child_key == "same-child", Case.id != earlier.id)).one()
    assert new.previous_case_id == earlier.id and new.person_id == people[0].id
    assert new.owner_community == earlier.owner_community  # last known community: the earlier case
    assert still_open.closed_at is None


def test_ownership_rule(session: Session, clock_at) -> None:  # type: ignore[no-untyped-def]
    """Administrative language, else the last enrolment's community, else balanced."""
    people = add_register(
        session,
        "2025-2026",
        [
            {"nn_hash": "lang-fr", "admin_language": "fr"},
            {"nn_hash": "lang-nl", "admin_language": "nl"},
            {"nn_hash": "was-fr-pupil", "admin_language": None},
            *({"nn_hash": f"unknown-{i}", "admin_language": None} for i in range(4)),
        ],
    )
    # an enrolment in an earlier year's French-language list, which ended before this year
    old_year = get_or_create_school_year(session, "2023-2024")
    batch = SourceBatch(
        school_year_id=old_year.id,
        kind="enrolment_fr",
        source="siel",
        profile="siel_export",
        file_name="siel.csv",
        sha256="old",
        received_at=clock_at.now(),
    )
    session.add(batch)
    session.flush()
    session.add(
        Enrolment(
            batch_id=batch.id,
            row_number=1,
            nn_hash="was-fr-pupil",
            nn_status="valid",
            community="fr",
            enrolled_from=date(2023, 9, 1),
            enrolled_until=date(2024, 6, 30),
        )
    )
    session.flush()
    report = cases.open_cases_for_run(session, add_run(session, "2025-2026", people).id, SYSTEM)
    owners = dict(session.execute(select(Case.child_key, Case.owner_community)).all())
    assert owners["lang-fr"] == "fr" and owners["lang-nl"] == "nl" and owners["was-fr-pupil"] == "fr"
    balanced = [owners[f"unknown-{i}"] for i in range(4)]
    # after 1 nl + 2 fr, balancing gives nl first, then alternates
    assert sorted(balanced) == ["fr", "fr", "nl", "nl"] and balanced[0] == "nl"
    assert report["owner_fr_by_last_known_community"] == 1 and report["owner_nl_by_admin_language"] == 1


def test_opening_is_an_event(session: Session, make_cases, clock_at) -> None:  # type: ignore[no-untyped-def]
    [case] = make_cases(1)
    [opened] = cases.timeline(session, case.id)
    assert (
        opened.kind == "opened" and opened.to_state == "residual" and opened.payload["run_id"] == case.run_id
    )
    assert case.version == 1 and case.due_at == clock_at.now()  # the cross-check starts at the next tick


def test_unknown_run(session: Session) -> None:
    import pytest

    with pytest.raises(cases.NotFound):
        cases.open_cases_for_run(session, 12345, SYSTEM)


def test_only_a_finished_run_opens_cases(session: Session, clock_at) -> None:  # type: ignore[no-untyped-def]
    import pytest

    people = add_register(session, "2025-2026", [{"nn_hash": "r1"}])
    run = add_run(session, "2025-2026", people)
    run.status = "running"
    with pytest.raises(cases.TandemError, match="not done"):
        cases.open_cases_for_run(session, run.id, SYSTEM)
    assert _count(session) == 0
