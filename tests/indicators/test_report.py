"""The yearly report: rendered on a simulated year, its pages converted to PNG under
test-output/indicators/ for a person to look at; every count in it is published safely."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from service.indicators import report
from tests.indicators.helpers import SCHOOL_YEAR, SYSTEM, generated_year

TEST_OUTPUT = Path(__file__).resolve().parents[2] / "test-output" / "indicators"


def _counts_safe(rows: list[dict], columns: tuple[str, ...]) -> None:
    for row in rows:
        for c in columns:
            value = row[c].replace(".", "")
            assert value == "x" or int(value) == 0 or int(value) >= 5, (row["name"], c, value)


def test_the_yearly_report(session: Session, engine: Engine, tmp_path: Path) -> None:
    if shutil.which("pdftoppm") is None:
        pytest.fail("pdftoppm is missing: run scripts/system-deps (poppler-utils)")
    end = generated_year(session, engine, tmp_path, children=600, weeks=14, seed=14)
    context = report.report_context(session, SCHOOL_YEAR, None, 5)
    _counts_safe(context["by_gemeente"], ("population", "start", "end"))
    _counts_safe(context["honest"], ("count",))
    _counts_safe(context["gemeenten"], ("made", "answered", "open", "overdue"))
    path = report.render_report(session, SYSTEM, school_year=SCHOOL_YEAR, out_dir=tmp_path / "report", at=end)
    text = " ".join(page.extract_text() for page in PdfReader(str(path)).pages)
    for words in ("De eerlijke telling", "Le décompte honnête", "Tijdigheid", "Délais", "Methode", "Méthode",
                  "drempel 5", "seuil 5", "01/10/2025", "Sint-Jans-Molenbeek / Molenbeek-Saint-Jean"):  # fmt: skip
        assert words in text, words
    TEST_OUTPUT.mkdir(parents=True, exist_ok=True)
    for old in TEST_OUTPUT.glob("report-*.png"):
        old.unlink()
    shutil.copy(path, TEST_OUTPUT / "report.pdf")
    subprocess.run(["pdftoppm", "-png", "-r", "70", str(path), str(TEST_OUTPUT / "report")], check=True)
    pages = sorted(TEST_OUTPUT.glob("report-*.png"))
    assert len(pages) == len(PdfReader(str(path)).pages) >= 4
