"""Ingest lands whole or not at all, is idempotent, versioned, and never keeps a clear number."""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from service.auth.service import Actor
from service.ingest.models import Enrolment, Exemption, Guardian, RegisterPerson, SourceBatch, SourceKind
from service.ingest.service import IngestRejected, current_batches, ingest_file
from tests.factories import child, enrolment, write_source

YEAR = "2025-2026"


def _count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def _register(tmp_path: Path, n: int = 3, name: str = "register.csv", **kw) -> tuple[Path, list[dict]]:  # type: ignore[no-untyped-def]
    rows = [child(2 * i + 1, date(2014, 1 + i % 12, 1 + i % 27), first_names=f"Kind{i}") for i in range(n)]
    return write_source(tmp_path / name, "rijksregister_extract", rows, **kw), rows


def test_register_lands_with_guardians_and_protected_numbers(
    session: Session, tmp_path: Path, system_actor: Actor
) -> None:
    path, rows = _register(tmp_path, 5)
    report = ingest_file(session, SourceKind.REGISTER, path, YEAR, system_actor)
    assert report.outcome == "accepted" and report.rows_total == 5
    people = session.scalars(select(RegisterPerson).order_by(RegisterPerson.row_number)).all()
    assert [p.first_names for p in people] == [f"Kind{i}" for i in range(5)]
    assert all(p.nn_hash and len(p.nn_hash) == 64 and p.nn_key_id == "test-h1" for p in people)
    assert people[0].admin_language == "nl" and people[0].sex == "M"
    assert _count(session, Guardian) == 5
    from service.core.crypto import cached_keyring

    assert cached_keyring().decrypt_nn(people[2].nn_cipher) == rows[2]["national_number"]


def test_csv_variants_and_xlsx_are_read(session: Session, tmp_path: Path, system_actor: Actor) -> None:
    from service.core import national_number as nn

    def rows(k: int) -> list[dict]:
        return [
            enrolment(
                nn.make(date(2015, 2, 3), 11 + 2 * i),
                "Dubois",
                "Élodie",
                date(2015, 2, 3),
                sex="M",
                school_id=str(k),
            )
            for i in range(3)
        ]

    nl = write_source(tmp_path / "nl.csv", "discimus_export", rows(1))  # UTF-8 with BOM, ISO dates
    fr = write_source(
        tmp_path / "fr.csv", "siel_export", rows(2), encoding="cp1252", delimiter=",", date_format="%d/%m/%Y"
    )
    late = write_source(
        tmp_path / "late.xlsx",
        "exemptions_joint",
        [
            {
                "national_number": nn.make(date(2016, 4, 5), 21),
                "last_name": "Çelik",
                "first_names": "Ayşe",
                "birth_date": "05/04/2016",
                "sex": "F",
                "reason": "prive",
                "valid_from": "01/09/2025",
            }
        ],
    )
    assert ingest_file(session, SourceKind.ENROLMENT_NL, nl, YEAR, system_actor).encoding == "utf-8-sig"
    fr_report = ingest_file(session, SourceKind.ENROLMENT_FR, fr, YEAR, system_actor)
    assert (fr_report.encoding, fr_report.delimiter) == ("cp1252", ",")
    ingest_file(session, SourceKind.EXEMPTION, late, YEAR, system_actor, source="private-school-x")
    names = {(e.community, e.first_names) for e in session.scalars(select(Enrolment))}
    assert names == {("nl", "Élodie"), ("fr", "Élodie")}
    exemption = session.scalars(select(Exemption)).one()
    assert (exemption.reason, exemption.first_names, exemption.birth_date) == (
        "private_school",
        "Ayşe",
        date(2016, 4, 5),
    )


def test_bad_row_rejects_whole_file_and_report_names_row_column_reason(
    session: Session, tmp_path: Path, system_actor: Actor, caplog: pytest.LogCaptureFixture
) -> None:
    path, rows = _register(tmp_path, 4)
    bad_number = rows[2]["national_number"][:-1] + str((int(rows[2]["national_number"][-1]) + 1) % 10)
    rows[2]["national_number"] = bad_number
    rows[3]["birth_date"] = "2014-13-45"
    write_source(path, "rijksregister_extract", rows)
    before = {m: _count(session, m) for m in (SourceBatch, RegisterPerson, Guardian)}
    caplog.set_level(logging.DEBUG)
    with pytest.raises(IngestRejected) as info:
        ingest_file(session, SourceKind.REGISTER, path, YEAR, system_actor)
    report = info.value.report
    assert report.outcome == "rejected" and report.errors_total == 2
    by_row = {e["row"]: e for e in report.errors}
    assert by_row[3]["column"] == "rijksregisternummer" and "check number" in by_row[3]["reason"]
    assert by_row[3]["line"] == 4  # the header is line 1: where a spreadsheet shows the row
    assert by_row[4]["column"] == "geboortedatum" and by_row[4]["value_kind"] == "date"
    assert "register.csv" in report.message
    assert {m: _count(session, m) for m in before} == before  # nothing written
    # no personal value in the report or the logs
    blob = repr(report.as_dict()) + caplog.text
    for value in (bad_number, "2014-13-45", "Peeters", "Kind2", rows[0]["national_number"]):
        assert value not in blob


def test_resubmitting_the_same_file_changes_nothing(
    session: Session, tmp_path: Path, system_actor: Actor
) -> None:
    path, _ = _register(tmp_path, 3)
    first = ingest_file(session, SourceKind.REGISTER, path, YEAR, system_actor)
    second = ingest_file(session, SourceKind.REGISTER, path, YEAR, system_actor)
    assert second.outcome == "unchanged" and second.batch_id == first.batch_id
    assert _count(session, SourceBatch) == 1 and _count(session, RegisterPerson) == 3


def test_corrected_file_supersedes_and_keeps_history(
    session: Session, tmp_path: Path, system_actor: Actor
) -> None:
    path, _ = _register(tmp_path, 3)
    first = ingest_file(session, SourceKind.REGISTER, path, YEAR, system_actor)
    corrected, _ = _register(tmp_path, 4, name="register-v2.csv")
    second = ingest_file(session, SourceKind.REGISTER, corrected, YEAR, system_actor)
    assert second.superseded_batch_id == first.batch_id
    old = session.get(SourceBatch, first.batch_id)
    session.refresh(old)
    assert old.status == "superseded" and old.superseded_by_id == second.batch_id
    assert _count(session, RegisterPerson) == 7  # history kept
    assert [b.id for b in current_batches(session, YEAR, [SourceKind.REGISTER])] == [second.batch_id]
    # the old file again: nothing changes, and the answer must not suggest the old batch is in force
    again = ingest_file(session, SourceKind.REGISTER, path, YEAR, system_actor)
    assert again.outcome == "unchanged" and again.batch_id == first.batch_id
    assert f"superseded by batch {second.batch_id}" in again.message


def test_late_list_from_another_source_adds_to_the_year(
    session: Session, tmp_path: Path, system_actor: Actor
) -> None:
    from service.core import national_number as nn

    main = write_source(
        tmp_path / "exemptions.csv",
        "exemptions_joint",
        [
            {
                "national_number": nn.make(date(2014, 1, 1), 1),
                "last_name": "A",
                "first_names": "B",
                "birth_date": "01/01/2014",
                "sex": "M",
                "reason": "europeen",
                "valid_from": "01/09/2025",
            }
        ],
        delimiter=",",
    )
    late = write_source(
        tmp_path / "late.csv",
        "exemptions_joint",
        [
            {
                "national_number": nn.make(date(2014, 1, 2), 1),
                "last_name": "C",
                "first_names": "D",
                "birth_date": "02/01/2014",
                "sex": "M",
                "reason": "prive",
                "valid_from": "01/03/2026",
            }
        ],
        delimiter=",",
    )
    ingest_file(session, SourceKind.EXEMPTION, main, YEAR, system_actor)
    ingest_file(session, SourceKind.EXEMPTION, late, YEAR, system_actor, source="private-school-x")
    assert len(current_batches(session, YEAR, [SourceKind.EXEMPTION])) == 2


def test_flawed_list_rows_are_kept_as_warnings(session: Session, tmp_path: Path, system_actor: Actor) -> None:
    from service.core import national_number as nn

    good = nn.make(date(2015, 2, 3), 11)
    rows = [
        enrolment(good, "Benali", "Youssef", date(2015, 2, 3)),
        enrolment("", "Benali", "Yousef", date(2015, 2, 3)),  # missing number
        enrolment(
            good[:-2] + "00" if good[-2:] != "00" else good[:-2] + "01", "Benali", "Youssef", date(2015, 2, 3)
        ),  # bad checksum
        enrolment(good, "Benali", "Youssef", date(2015, 3, 2)),  # disagrees with the birth date
    ]
    path = write_source(tmp_path / "nl.csv", "discimus_export", rows)
    report = ingest_file(session, SourceKind.ENROLMENT_NL, path, YEAR, system_actor)
    assert report.outcome == "accepted" and report.rows_with_warnings == 3
    statuses = [e.nn_status for e in session.scalars(select(Enrolment).order_by(Enrolment.row_number))]
    assert statuses == ["valid", "missing", "invalid", "inconsistent"]


def test_wrong_header_names_the_closest_profile(
    session: Session, tmp_path: Path, system_actor: Actor
) -> None:
    path = tmp_path / "weird.csv"
    path.write_text("a;b;c\n1;2;3\n", encoding="utf-8")
    with pytest.raises(IngestRejected) as info:
        ingest_file(session, SourceKind.ENROLMENT_FR, path, YEAR, system_actor)
    assert "siel_export" in info.value.report.message and "NISS" in info.value.report.message


def test_no_clear_national_number_or_name_in_logs_and_no_clear_number_in_database(
    session: Session, tmp_path: Path, system_actor: Actor, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    path, rows = _register(tmp_path, 5)
    ingest_file(session, SourceKind.REGISTER, path, YEAR, system_actor)
    numbers = [r["national_number"] for r in rows] + [r["guardian1_national_number"] for r in rows]
    dump = _dump(session)
    for number in numbers:
        assert number not in dump
    for r in rows:
        assert r["national_number"] not in caplog.text and r["first_names"] not in caplog.text


def _dump(session: Session) -> str:
    """Every value of every table as text (including bytes decoded leniently)."""
    from service.models import Base

    parts = []
    for table in Base.metadata.sorted_tables:
        for row in session.execute(text(f'SELECT * FROM "{table.name}"')):
            for value in row:
                parts.append(
                    value.decode("latin-1")
                    if isinstance(value, bytes | memoryview) and not isinstance(value, memoryview)
                    else bytes(value).decode("latin-1")
                    if isinstance(value, memoryview)
                    else str(value)
                )
    return "\n".join(parts)


def test_the_report_of_a_rejected_file_does_not_say_rows_were_kept(capsys) -> None:  # type: ignore[no-untyped-def]
    from service.ingest.cli import print_report
    from service.ingest.service import IngestReport

    report = IngestReport(
        file="x.csv",
        kind="exemption",
        school_year=YEAR,
        outcome="rejected",
        warnings_by_reason={"niss_rrn: missing": 1},
        message="x.csv: rejected, 1 problem(s) in 57 rows; nothing was written",
    )
    print_report(report)
    out = capsys.readouterr().out
    assert "niss_rrn: missing" in out and "kept" not in out
