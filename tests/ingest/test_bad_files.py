"""Files that used to lose or garble data without an error (issue 12, items 1 to 4)."""

from __future__ import annotations

import re
import zipfile
from datetime import date
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service.auth.service import Actor
from service.core import national_number as nn
from service.core.settings import reset_settings_cache
from service.ingest.models import Enrolment, Exemption, RegisterPerson, SourceBatch, SourceKind
from service.ingest.service import IngestRejected, current_batches, ingest_file
from tests.factories import child, enrolment, write_source

YEAR = "2025-2026"


def _register(path: Path, n: int, first: int = 0) -> Path:
    rows = [child(2 * i + 1, date(2014, 1 + i % 12, 1 + i % 27)) for i in range(first, first + n)]
    return write_source(path, "rijksregister_extract", rows)


def _rejected(session: Session, kind: SourceKind, path: Path, actor: Actor, **kw) -> dict:  # type: ignore[no-untyped-def]
    with pytest.raises(IngestRejected) as info:
        ingest_file(session, kind, path, YEAR, actor, **kw)
    return info.value.report.as_dict()


def test_a_short_last_row_is_an_error_naming_the_line_and_the_missing_columns(
    session: Session, tmp_path: Path, system_actor: Actor
) -> None:
    path = _register(tmp_path / "register.csv", 4)
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    lines[-1] = ";".join(lines[-1].split(";")[:27])  # the extract was cut at 27 of 32 fields
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = _rejected(session, SourceKind.REGISTER, path, system_actor)
    assert "register.csv" in report["message"] and report["errors_total"] == 1
    error = report["errors"][0]
    assert (error["row"], error["line"], error["column"]) == (4, 5, "ouder2_huisnummer")
    assert "27 of 32 fields" in error["reason"] and "ouder2_land" in error["reason"]
    assert session.scalar(select(func.count()).select_from(RegisterPerson)) == 0


def test_a_much_smaller_register_is_held_until_confirmed(
    session: Session, tmp_path: Path, system_actor: Actor
) -> None:
    full = ingest_file(session, SourceKind.REGISTER, _register(tmp_path / "full.csv", 10), YEAR, system_actor)
    cut = _register(tmp_path / "cut.csv", 5)
    report = _rejected(session, SourceKind.REGISTER, cut, system_actor)
    assert report["outcome"] == "held" and "--confirm-shrink" in report["message"]
    assert [b.id for b in current_batches(session, YEAR, [SourceKind.REGISTER])] == [full.batch_id]
    assert session.scalar(select(func.count()).select_from(RegisterPerson)) == 10
    confirmed = ingest_file(session, SourceKind.REGISTER, cut, YEAR, system_actor, confirm_shrink=True)
    assert confirmed.outcome == "accepted" and confirmed.superseded_batch_id == full.batch_id
    # 9 of 10 is above the threshold: no confirmation needed
    nine = _register(tmp_path / "nine.csv", 9, first=20)
    assert ingest_file(session, SourceKind.REGISTER, nine, YEAR, system_actor).outcome == "accepted"


def test_a_superseded_file_sent_again_can_be_restored(
    session: Session, tmp_path: Path, system_actor: Actor
) -> None:
    good = _register(tmp_path / "good.csv", 5)
    first = ingest_file(session, SourceKind.REGISTER, good, YEAR, system_actor)
    second = ingest_file(
        session, SourceKind.REGISTER, _register(tmp_path / "b.csv", 5, 9), YEAR, system_actor
    )
    again = ingest_file(session, SourceKind.REGISTER, good, YEAR, system_actor)
    assert again.outcome == "unchanged" and "--restore" in again.message
    restored = ingest_file(session, SourceKind.REGISTER, good, YEAR, system_actor, restore=True)
    assert restored.outcome == "restored" and restored.superseded_batch_id == second.batch_id
    assert [b.id for b in current_batches(session, YEAR, [SourceKind.REGISTER])] == [first.batch_id]
    later = session.get(SourceBatch, second.batch_id)
    session.refresh(later)
    assert later.status == "superseded" and later.superseded_by_id == first.batch_id


def _nl_rows(n: int) -> list[dict]:
    return [
        enrolment(nn.make(date(2015, 2, 3), 11 + 2 * i), "Müller", "Élodie", date(2015, 2, 3))
        for i in range(n)
    ]


def test_a_utf8_file_with_one_windows_1252_line_is_refused_naming_the_line(
    session: Session, tmp_path: Path, system_actor: Actor
) -> None:
    path = write_source(tmp_path / "nl.csv", "discimus_export", _nl_rows(4), encoding="utf-8")
    lines = path.read_bytes().split(b"\r\n")
    lines[3] = lines[3].decode("utf-8").encode("cp1252")  # line 4 (row 3) saved by another program
    path.write_bytes(b"\r\n".join(lines))
    report = _rejected(session, SourceKind.ENROLMENT_NL, path, system_actor)
    assert (
        "line 4 is not UTF-8 (Windows-1252)" in report["message"] and "mixes encodings" in report["message"]
    )
    assert session.scalar(select(func.count()).select_from(Enrolment)) == 0
    # the same rows all in Windows-1252 are fine, and read as such
    whole = write_source(tmp_path / "nl-1252.csv", "discimus_export", _nl_rows(4), encoding="cp1252")
    assert ingest_file(session, SourceKind.ENROLMENT_NL, whole, YEAR, system_actor).encoding == "cp1252"
    assert set(session.scalars(select(Enrolment.last_name))) == {"Müller"}


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le"])
def test_a_utf16_file_is_refused_naming_the_encoding(
    session: Session, tmp_path: Path, system_actor: Actor, encoding: str
) -> None:
    path = write_source(tmp_path / "nl.csv", "discimus_export", _nl_rows(2), encoding=encoding)
    report = _rejected(session, SourceKind.ENROLMENT_NL, path, system_actor)
    assert "UTF-16" in report["message"] and "line 1" in report["message"]


def _exemption_book(path: Path, rows: list[list[object]]) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.append(["niss_rrn", "nom_naam", "prenom_voornaam", "date_naissance_geboortedatum", "sexe_geslacht",
               "motif_reden", "etablissement_instelling", "valable_du_geldig_vanaf"])  # fmt: skip
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def _row(i: int, **over: object) -> list[object]:
    values = {"nn": nn.make(date(2016, 4, 5), 22 + 2 * i), "last": "Çelik", "school": "École X"} | over
    return [
        values["nn"],
        values["last"],
        f"Ayşe{i}",
        "05/04/2016",
        "F",
        "prive",
        values["school"],
        "01/09/2025",
    ]


def test_a_workbook_is_read_whole_whatever_its_dimension_says(
    session: Session, tmp_path: Path, system_actor: Actor
) -> None:
    book = _exemption_book(tmp_path / "late.xlsx", [_row(i) for i in range(7)])
    lied = tmp_path / "lied.xlsx"
    with zipfile.ZipFile(book) as src, zipfile.ZipFile(lied, "w", zipfile.ZIP_DEFLATED) as out:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data, n = re.subn(rb'<dimension ref="[^"]+"', b'<dimension ref="A1:H3"', data)
                assert n == 1
            out.writestr(item, data)
    report = ingest_file(session, SourceKind.EXEMPTION, lied, YEAR, system_actor)
    assert report.rows_total == 7 and session.scalar(select(func.count()).select_from(Exemption)) == 7


def test_a_formula_without_a_value_is_an_error_where_required_and_a_warning_elsewhere(
    session: Session, tmp_path: Path, system_actor: Actor
) -> None:
    bad = _exemption_book(tmp_path / "bad.xlsx", [_row(0), _row(1, last='=UPPER("x")')])
    report = _rejected(session, SourceKind.EXEMPTION, bad, system_actor)
    error = report["errors"][0]
    assert (error["row"], error["column"]) == (2, "nom_naam") and "formula" in error["reason"]
    flagged = _exemption_book(tmp_path / "ok.xlsx", [_row(0), _row(1, school='=CONCAT("a","b")')])
    report = ingest_file(session, SourceKind.EXEMPTION, flagged, YEAR, system_actor)
    assert report.rows_with_warnings == 1, report.warnings_by_reason
    assert any("formula" in reason for reason in report.warnings_by_reason)
    warned = session.scalars(select(Exemption).where(Exemption.warnings.is_not(None))).one()
    assert warned.school_name == "" and "formula" in (warned.warnings or "")


def test_an_xlsx_bomb_is_refused_before_it_is_parsed(
    session: Session, tmp_path: Path, system_actor: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as out:
        out.writestr("[Content_Types].xml", "<Types/>")
        out.writestr("xl/worksheets/sheet1.xml", b"<row>" + b" " * (40 << 20) + b"</row>")
    assert bomb.stat().st_size < 200_000
    report = _rejected(session, SourceKind.EXEMPTION, bomb, system_actor)
    assert "zip bomb" in report["message"] and "TANDEM_XLSX_MAX_RATIO" in report["message"]
    monkeypatch.setenv("TANDEM_XLSX_MAX_UNCOMPRESSED_MB", "1")
    reset_settings_cache()
    big = _exemption_book(tmp_path / "big.xlsx", [_row(i, school="x" * 200) for i in range(3000)])
    report = _rejected(session, SourceKind.EXEMPTION, big, system_actor)
    assert "above the limit of 1 MB" in report["message"]
    reset_settings_cache()
