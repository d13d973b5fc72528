"""Lists in a real browser: a file with a bad row is refused with its report; a late list lands."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sqlalchemy import select

from service.ingest.models import SourceBatch

pytestmark = pytest.mark.browser


def _upload(page, path: Path, kind: str, year: str, source: str) -> None:  # type: ignore[no-untyped-def]
    page.goto("/lists")
    page.select_option("#f-kind", kind)
    page.fill("#f-school-year", year)
    page.fill("#f-source", source)
    page.set_input_files("#f-file", str(path))
    with page.expect_navigation():
        page.locator("form[enctype='multipart/form-data'] button").click()
    page.wait_for_selector("#ingest-report", timeout=60_000)


def _bad_exemptions(web_year, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    rows = list(csv.reader((web_year.folder / "lists" / "exemptions.csv").open(encoding="utf-8")))
    rows[2][3] = "31/02/2019"  # data row 2 (line 3): a date that does not exist
    bad = tmp_path / "exemptions-bad.csv"
    with bad.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return bad


def test_upload_with_a_bad_row_shows_the_report(signed_in, screens, web_year, web_db, tmp_path) -> None:  # type: ignore[no-untyped-def]
    page = signed_in("operator-agodi")
    page.goto("/lists")
    assert page.locator("#batch-table tbody tr").count() >= 5
    screens(page, "lists")
    before = web_db.scalar(select(SourceBatch.id).order_by(SourceBatch.id.desc()).limit(1))
    _upload(page, _bad_exemptions(web_year, tmp_path), "exemption", web_year.school_year, "web-test")
    assert "geweigerd" in page.locator("#report-title").inner_text()
    cells = [c.inner_text() for c in page.locator("#rejections tbody tr").first.locator("td").all()]
    assert cells[:3] == ["2", "3", "date_naissance_geboortedatum"] and cells[3]
    screens(page, "lists-report")
    web_db.expire_all()
    assert (
        web_db.scalar(select(SourceBatch.id).order_by(SourceBatch.id.desc()).limit(1)) == before
    )  # nothing landed


def test_a_late_list_lands_with_its_history(signed_in, screens, web_year) -> None:  # type: ignore[no-untyped-def]
    page = signed_in("operateur-scos")
    late = web_year.folder / "lists" / "late_private_school.xlsx"
    _upload(page, late, "exemption", web_year.school_year, "late-private-school")
    assert "accepté" in page.locator("#report-title").inner_text()
    page.goto("/lists")
    with page.expect_navigation():
        page.locator("#batch-table tbody tr td a").last.click()
    assert page.locator("h1").inner_text().startswith("Fichier")
    screens(page, "lists-batch")
