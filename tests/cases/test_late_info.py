"""Late information clears a case at any stage: real files ingested, the hook re-links, cases close."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.auth.service import Actor
from service.cases import service as cases
from service.cases.models import Case
from service.cases.workflow import get_workflow
from service.ingest.models import RegisterPerson, SourceKind
from service.ingest.service import IngestReport, ingest_file
from service.linkage.service import run_linkage
from tests.cases.conftest import walk_to
from tests.factories import FIRST_NAMES, LAST_NAMES, child, enrolment, write_source

YEAR = "2025-2026"
UPLOADER = Actor.system("operator-upload")


def _year(session: Session, tmp_path: Path, n: int) -> tuple[list[dict], dict[str, Case]]:
    """`n` register children, none on any list, plus one enrolled pupil; cases opened from the run."""
    kids = [
        child(
            2 * i + 1,
            date(2011, 2, 3) + timedelta(days=53 * i),
            first_names=FIRST_NAMES[i],
            last_name=LAST_NAMES[i],
            house_number=str(10 + i),
        )
        for i in range(n + 1)
    ]
    ingest_file(
        session,
        SourceKind.REGISTER,
        write_source(tmp_path / "register.csv", "rijksregister_extract", kids),
        YEAR,
        UPLOADER,
    )
    pupil = kids[-1]
    listed = [
        enrolment(pupil["national_number"], pupil["last_name"], pupil["first_names"], pupil["birth_date"])
    ]
    ingest_file(
        session,
        SourceKind.ENROLMENT_NL,
        write_source(tmp_path / "discimus.csv", "discimus_export", listed),
        YEAR,
        UPLOADER,
    )
    run = run_linkage(session, YEAR, date(2025, 10, 1), UPLOADER)
    report = cases.open_cases_for_run(session, run.id, UPLOADER)
    session.commit()
    assert report["opened"] == n
    by_name = {
        p.first_names: c
        for c, p in session.execute(
            select(Case, RegisterPerson).join(RegisterPerson, RegisterPerson.id == Case.person_id)
        )
    }
    return kids[:n], by_name


def _late_list(
    session: Session, tmp_path: Path, kids: list[dict], source: str, year: str = YEAR, **extra: Any
) -> IngestReport:
    """A school's enrolment list, received late, naming `kids` as the register knows them."""
    rows = [
        enrolment(k["national_number"], k["last_name"], k["first_names"], k["birth_date"], **extra)
        for k in kids
    ]
    path = write_source(tmp_path / f"{source}.csv", "discimus_export", rows)
    return ingest_file(session, SourceKind.ENROLMENT_NL, path, year, UPLOADER, source=source)


def test_a_late_list_clears_a_case_at_every_stage(session: Session, tmp_path: Path, clock_at) -> None:  # type: ignore[no-untyped-def]
    states = get_workflow().open_states
    kids, by_name = _year(session, tmp_path, len(states) + 1)  # the last child is not on the late list
    for kid, state in zip(kids, states, strict=False):
        walk_to(session, by_name[kid["first_names"]], state)
    clock_at.advance(days=2)
    report = _late_list(
        session,
        tmp_path,
        kids[: len(states)],
        "late-de-linde",
        school_id="998877",
        school_name="Vrije Basisschool De Linde",
        enrolled_from=date(2025, 9, 15),
    )
    session.expire_all()
    for kid, state in zip(kids, states, strict=False):
        case = session.get(Case, by_name[kid["first_names"]].id)
        assert case.closure_reason == "enrolled_late_list", f"case at stage {state}: {case.state}"
        evidence = case.closure["evidence"]
        assert evidence["batch_id"] == report.batch_id and evidence["record_id"]
        assert evidence["school_name"] == "Vrije Basisschool De Linde" and evidence["community"] == "nl"
        last = cases.timeline(session, case.id)[-1]
        assert last.transition == "late_list_match" and last.from_state == state and last.actor == "late-list"
        assert "late-de-linde" in last.reason
    untouched = session.get(Case, by_name[kids[-1]["first_names"]].id)
    assert untouched.closed_at is None and untouched.state == "residual"


def test_home_education_and_exemption_lists(session: Session, tmp_path: Path, clock_at) -> None:  # type: ignore[no-untyped-def]
    kids, by_name = _year(session, tmp_path, 2)
    home, exempt = kids
    for kid in kids:
        walk_to(session, by_name[kid["first_names"]], "letter_1_sent")
    rows = [
        {
            "national_number": home["national_number"],
            "last_name": home["last_name"],
            "first_names": home["first_names"],
            "birth_date": home["birth_date"],
            "sex": "M",
            "registered_from": date(2025, 9, 1),
        }
    ]
    ingest_file(
        session,
        SourceKind.HOME_EDUCATION,
        write_source(tmp_path / "he.csv", "huisonderwijs_nl", rows),
        YEAR,
        UPLOADER,
        source="huisonderwijs-late",
    )
    rows = [
        {
            "national_number": exempt["national_number"],
            "last_name": exempt["last_name"],
            "first_names": exempt["first_names"],
            "birth_date": exempt["birth_date"],
            "sex": "M",
            "reason": "prive",
            "school_name": "École Privée du Parc",
            "valid_from": date(2025, 9, 1),
        }
    ]
    ingest_file(
        session,
        SourceKind.EXEMPTION,
        write_source(tmp_path / "ex.csv", "exemptions_joint", rows, date_format="%d/%m/%Y"),
        YEAR,
        UPLOADER,
        source="late-private-school",
    )
    session.expire_all()
    home_case = session.get(Case, by_name[home["first_names"]].id)
    exempt_case = session.get(Case, by_name[exempt["first_names"]].id)
    assert home_case.closure_reason == "home_education"
    assert exempt_case.closure_reason == "exemption"
    assert exempt_case.closure["evidence"]["exemption_reason"] == "private_school"


def test_a_list_of_another_year_touches_nothing(session: Session, tmp_path: Path, clock_at) -> None:  # type: ignore[no-untyped-def]
    kids, by_name = _year(session, tmp_path, 1)
    _late_list(session, tmp_path, kids, "late-other-year", year="2024-2025")
    session.expire_all()
    assert session.get(Case, by_name[kids[0]["first_names"]].id).closed_at is None


def test_relink_command_repeats_a_relink(session: Session, tmp_path: Path, clock_at, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A re-link that did not happen at ingest (here: the hook switched off) can be run by hand."""
    from typer.testing import CliRunner

    from service.cli.main import app
    from service.ingest import hooks

    kids, by_name = _year(session, tmp_path, 1)
    monkeypatch.setattr(hooks, "_after_batch", [])
    report = _late_list(session, tmp_path, kids, "late-school")
    case_id = by_name[kids[0]["first_names"]].id
    session.expire_all()
    assert session.get(Case, case_id).closed_at is None
    result = CliRunner().invoke(app, ["cases", "relink", "--batch", str(report.batch_id)])
    assert result.exit_code == 0 and "1 of 1 open cases closed" in result.output, result.output
    session.expire_all()
    assert session.get(Case, case_id).closure_reason == "enrolled_late_list"


def test_a_corrected_register_does_not_hide_the_case_from_a_late_list(
    session: Session, tmp_path: Path, clock_at
) -> None:  # type: ignore[no-untyped-def]
    """The register was re-sent after the run (new rows, new ids): the late list still finds the case."""
    kids, by_name = _year(session, tmp_path, 1)
    corrected = [{**k, "house_number": "99"} for k in kids]
    ingest_file(
        session,
        SourceKind.REGISTER,
        write_source(tmp_path / "register2.csv", "rijksregister_extract", corrected),
        YEAR,
        UPLOADER,
        confirm_shrink=True,  # the corrected extract holds fewer children than the first
    )
    _late_list(session, tmp_path, kids, "late-school")
    session.expire_all()
    case = session.get(Case, by_name[kids[0]["first_names"]].id)
    assert case.closure_reason == "enrolled_late_list"


def test_a_late_list_that_arrives_after_the_last_school_day_still_clears(
    session: Session, tmp_path: Path, clock_at
) -> None:  # type: ignore[no-untyped-def]
    """Lists run to 30 June. The re-link used to look at today kept inside 1 September - 31 August,
    so a late list ingested in the summer or in a later school year (late lists come months late)
    matched no record that was still valid, and closed nothing."""
    kids, by_name = _year(session, tmp_path, 2)
    summer, next_year = kids
    for when, kid in (
        (datetime(2026, 7, 20, 9, tzinfo=UTC), summer),
        (datetime(2026, 11, 28, 9, tzinfo=UTC), next_year),
    ):
        clock_at.set(when)
        _late_list(
            session,
            tmp_path,
            [kid],
            f"late-de-linde-{when:%m}",
            school_name="Vrije Basisschool De Linde",
            enrolled_from=date(2025, 9, 15),
            enrolled_until=date(2026, 6, 30),
        )
        session.expire_all()
        case = session.get(Case, by_name[kid["first_names"]].id)
        assert case.closure_reason == "enrolled_late_list", f"late list of {when:%Y-%m-%d}: {case.state}"
