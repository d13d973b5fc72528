"""Print batches: prepared then posted, whole or not at all, never twice for the same step."""

from __future__ import annotations

import csv
import hashlib
from datetime import date, timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from service.auth.models import Role
from service.cases import service as cases
from service.cases.models import Case, CaseEvent
from service.cases.workflow import get_workflow
from service.letters import rendering
from service.letters import service as letters
from service.letters.models import Letter, LetterBatch
from tests.letters.conftest import SYSTEM, MakeDue, pdftotext, words


def _count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def _events(session: Session, kind: str) -> int:
    return session.scalar(select(func.count()).select_from(CaseEvent).where(CaseEvent.kind == kind)) or 0


def test_prepare_then_post_moves_every_due_case_once(
    session: Session, due_cases: MakeDue, tmp_path: Path, clock_at
) -> None:  # type: ignore[no-untyped-def]
    found = due_cases()
    batch = letters.prepare_batch(session, "letter_1", SYSTEM, output_dir=tmp_path)
    session.commit()
    assert batch is not None
    # child 1: guardians apart (2 envelopes); child 2: together (1, both names); child 3: one abroad
    assert batch.letter_count == 4 and batch.case_count == 3
    assert {c.state for c in session.scalars(select(Case))} == {"letter_1_due"}  # not posted yet
    stored = list(session.scalars(select(Letter).order_by(Letter.id)))
    assert [x.status for x in stored] == ["prepared"] * 4
    for x in stored:
        assert hashlib.sha256(Path(x.path).read_bytes()).hexdigest() == x.sha256
        assert x.reply_by == date(2025, 10, 27)  # 6 October + the workflow's 21 days
    print_file = Path(batch.print_file)
    assert hashlib.sha256(print_file.read_bytes()).hexdigest() == batch.print_sha256
    # duplex: every letter starts on a new sheet; the manifest gives each letter's first page
    rows = list(
        csv.DictReader((Path(batch.directory) / "manifest.csv").open(encoding="utf-8"), delimiter=";")
    )
    assert len(rows) == 4 and len(PdfReader(str(print_file)).pages) == batch.page_count
    assert all(int(r["first_page"]) % 2 == 1 for r in rows)
    assert "Dağlı" not in (Path(batch.directory) / "manifest.csv").read_text(encoding="utf-8")
    merged = words(pdftotext(print_file))
    assert merged.count("Formulaire de réponse") == 4 and "Zoë Noëlle Ğüneş-Ibáñez" in merged

    report = letters.post_batch(session, batch.id, SYSTEM)
    session.commit()
    assert report.posted_letters == 4 and sorted(report.moved_cases) == sorted(c.id for c in found)
    assert {c.state for c in session.scalars(select(Case))} == {"letter_1_sent"}
    event = session.scalars(select(CaseEvent).where(CaseEvent.transition == "send_letter_1")).first()
    assert (
        event is not None and event.payload["channel"] == "post" and event.payload["reply_by"] == "2025-10-27"
    )
    assert session.get(LetterBatch, batch.id).status == "posted"

    # a repeated batch finds nothing to send, and the same batch cannot be posted twice
    assert letters.prepare_batch(session, "letter_1", SYSTEM, output_dir=tmp_path) is None
    with pytest.raises(Exception, match="already posted"):
        letters.post_batch(session, batch.id, SYSTEM)
    session.rollback()
    assert _count(session, Letter) == 4


def test_a_prepared_letter_is_not_prepared_again(
    session: Session, due_cases: MakeDue, tmp_path: Path
) -> None:
    due_cases()
    first = letters.prepare_batch(session, "letter_1", SYSTEM, output_dir=tmp_path)
    session.commit()
    assert first is not None
    assert letters.prepare_batch(session, "letter_1", SYSTEM, output_dir=tmp_path) is None
    # and the database refuses a second live letter for the same case, step and envelope
    original = session.scalars(select(Letter)).first()
    again = Letter(**{c.name: getattr(original, c.name) for c in Letter.__table__.columns if c.name != "id"})
    session.add(again)
    with pytest.raises(IntegrityError):  # the partial unique index
        session.flush()
    session.rollback()


def test_a_batch_failing_halfway_records_nothing(
    session: Session, due_cases: MakeDue, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    due_cases()
    real = letters.render_letter
    calls = {"n": 0}

    def flaky(kind, context):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("printer on fire")
        return real(kind, context)

    monkeypatch.setattr(rendering, "render_letter", flaky)  # where batches render
    with pytest.raises(RuntimeError):
        letters.run_batch(session, "letter_1", SYSTEM, output_dir=tmp_path)
    session.rollback()
    assert calls["n"] == 3
    assert _count(session, Letter) == 0 and _count(session, LetterBatch) == 0
    assert _events(session, "letter_prepared") == 0
    assert {c.state for c in session.scalars(select(Case))} == {"letter_1_due"}
    assert not any((tmp_path / "letters").rglob("*.pdf"))

    # the next batch goes through
    monkeypatch.setattr(rendering, "render_letter", real)
    batch, report = letters.run_batch(session, "letter_1", SYSTEM, output_dir=tmp_path)
    session.commit()
    assert batch is not None and report is not None and report.posted_letters == 4


def test_posting_failing_halfway_marks_no_case_as_sent(
    session: Session, due_cases: MakeDue, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    due_cases()
    batch = letters.prepare_batch(session, "letter_1", SYSTEM, output_dir=tmp_path)
    session.commit()
    assert batch is not None
    real = cases.fire
    calls = {"n": 0}

    def flaky(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("connection lost")
        return real(*args, **kwargs)

    monkeypatch.setattr(cases, "fire", flaky)
    with pytest.raises(RuntimeError):
        letters.post_batch(session, batch.id, SYSTEM)
    session.rollback()
    assert {c.state for c in session.scalars(select(Case))} == {"letter_1_due"}
    assert {x.status for x in session.scalars(select(Letter))} == {"prepared"}
    assert session.get(LetterBatch, batch.id).status == "prepared"
    assert _events(session, "transition") == 3 * 3  # only the three moves each case made to letter_1_due
    monkeypatch.setattr(cases, "fire", real)
    assert letters.post_batch(session, batch.id, SYSTEM).posted_letters == 4


def test_late_list_cancels_a_prepared_letter_and_posting_pulls_it(
    session: Session, due_cases: MakeDue, tmp_path: Path
) -> None:
    found = due_cases()
    batch = letters.prepare_batch(session, "letter_1", SYSTEM, output_dir=tmp_path)
    session.commit()
    assert batch is not None
    cleared = found[0]  # two envelopes
    event_case = cases.fire(
        session,
        cleared,
        "late_list_match",
        SYSTEM,
        {"record_kind": "enrolment", "record_id": 1, "batch_id": 1},
    )
    session.commit()
    assert event_case.closure_reason == "enrolled_late_list"
    withdrawn = session.scalars(select(Letter).where(Letter.case_id == cleared.id)).all()
    assert [x.status for x in withdrawn] == ["cancelled", "cancelled"]
    assert {x.cancel_reason for x in withdrawn} == {"late_list_match"}
    late = session.scalars(select(CaseEvent).where(CaseEvent.transition == "late_list_match")).one()
    assert sorted(late.payload["letters_cancelled"]) == sorted(x.id for x in withdrawn)

    report = letters.post_batch(session, batch.id, SYSTEM)
    session.commit()
    assert report.posted_letters == 2 and cleared.id not in report.moved_cases
    assert sorted(p["reference"] for p in report.pulled) == sorted(x.reference for x in withdrawn)
    assert session.get(Case, cleared.id).state == "closed"


def test_letter_2_after_letter_1_went_unanswered(
    session: Session, due_cases: MakeDue, tmp_path: Path, clock_at
) -> None:  # type: ignore[no-untyped-def]
    found = due_cases()
    letters.run_batch(session, "letter_1", SYSTEM, output_dir=tmp_path)
    session.commit()
    wf = get_workflow()
    waited = wf.timer_delay(wf.states["letter_1_sent"].timer).days + 1
    clock_at.advance(days=waited)
    cases.tick(session)
    session.commit()
    assert {c.state for c in session.scalars(select(Case))} == {"letter_2_due"}
    batch, report = letters.run_batch(session, "letter_2", SYSTEM, output_dir=tmp_path)
    session.commit()
    assert batch is not None and report is not None
    assert batch.channel == "registered_post" and report.posted_letters == 4
    assert {c.state for c in session.scalars(select(Case))} == {"letter_2_sent"}
    x = session.scalars(select(Letter).where(Letter.kind == "letter_2", Letter.case_id == found[1].id)).one()
    text = words(pdftotext(Path(x.path)))
    letter_2_date = date(2025, 10, 6) + timedelta(days=waited)
    assert "Op 6 oktober 2025 stuurden wij u een brief" in text
    assert "Le 6 octobre 2025, nous vous avons adressé un courrier" in text
    assert "AANGETEKEND – RECOMMANDÉ" in text
    deadline = letter_2_date + timedelta(days=21)
    assert (
        f"{deadline.day} november {deadline.year}" in text
        and f"{deadline.day} novembre {deadline.year}" in text
    )


def test_an_operator_batches_only_their_own_community(
    session: Session, due_cases: MakeDue, tmp_path: Path
) -> None:
    from tests.cases.conftest import cell

    found = due_cases()
    batch = letters.prepare_batch(session, "letter_1", cell("nl"), output_dir=tmp_path)
    session.commit()
    nl_cases = {c.id for c in found if c.owner_community == "nl"}
    assert batch is not None and batch.owner_community == "nl"
    assert {x.case_id for x in session.scalars(select(Letter))} == nl_cases
    report = letters.post_batch(session, batch.id, cell("nl"))
    assert set(report.moved_cases) == nl_cases


def test_a_case_whose_letter_cannot_be_filled_is_skipped_and_named(
    session: Session, due_cases: MakeDue, tmp_path: Path
) -> None:
    from tests.letters.conftest import DIFFICULT, Child

    no_birth_date = Child("Kim", "Nguyễn", None, "X", guardians=[])  # type: ignore[arg-type]
    found = due_cases([DIFFICULT[1], no_birth_date])
    batch, report = letters.run_batch(session, "letter_1", SYSTEM, output_dir=tmp_path)
    session.commit()
    assert batch is not None and report is not None
    assert batch.skipped == [
        {"case_id": found[1].id, "reason": "letter letter_1: variable 'child.birth_date' is empty"}
    ]
    assert "Nguyễn" not in str(batch.skipped)  # ids and variable names only
    assert session.get(Case, found[1].id).state == "letter_1_due" and report.moved_cases == [found[0].id]


def test_rendering_a_batch_is_audited_as_an_export(
    session: Session, due_cases: MakeDue, tmp_path: Path, clock_at
) -> None:  # type: ignore[no-untyped-def]
    """The batch writes every child's and guardian's name and address into PDFs: who did it is audited."""
    from service.audit.models import AuditEvent

    due_cases()
    batch = letters.prepare_batch(session, "letter_1", SYSTEM, output_dir=tmp_path)
    session.commit()
    assert batch is not None
    events = list(session.scalars(select(AuditEvent).where(AuditEvent.entity == "letter")))
    letter_ids = sorted(session.scalars(select(Letter.id)))
    assert [(e.action, e.actor, sorted(e.entity_ids)) for e in events] == [
        ("export", SYSTEM.name, letter_ids)
    ]


def test_letters_for_a_school_year_that_is_over_need_an_override(
    session: Session, due_cases: MakeDue, tmp_path: Path
) -> None:
    due_cases()
    late = date(2026, 12, 3)  # school year 2025-2026 ended on 31 August 2026
    with pytest.raises(letters.SchoolYearOver) as refused:
        letters.prepare_batch(session, "letter_1", SYSTEM, output_dir=tmp_path, letter_date=late)
    assert "2025-2026 (ended 31/08/2026" in str(refused.value) and refused.value.status == 409
    assert _count(session, LetterBatch) == 0

    warned: list[str] = []
    batch = letters.prepare_batch(
        session,
        "letter_1",
        SYSTEM,
        output_dir=tmp_path,
        letter_date=late,
        allow_past_school_year=True,
        warn=warned.append,
    )
    assert batch is not None and batch.letter_date == late
    assert warned and all("school year 2025-2026" in w for w in warned)


def test_the_api_refuses_a_batch_for_a_school_year_that_is_over(
    client, make_user, session: Session, due_cases: MakeDue, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    from service.core.settings import reset_settings_cache

    monkeypatch.setenv("TANDEM_OUTPUT_DIR", str(tmp_path / "out"))
    reset_settings_cache()
    due_cases()
    _, nl = make_user(Role.CELL_OPERATOR, "AGODI")
    body = {"kind": "letter_1", "letter_date": "2026-12-03", "wait": True}
    refused = client.post("/api/letters/batches", headers=nl, json=body)
    assert refused.status_code == 409 and "school year that is over" in refused.json()["detail"]
    job = client.post(
        "/api/letters/batches", headers=nl, json={**body, "allow_past_school_year": True}
    ).json()
    assert job["status"] == "done", job
    assert job["result"]["batch"]["letter_date"] == "2026-12-03"
    assert any("2025-2026" in w for w in job["result"]["warnings"])
    reset_settings_cache()
