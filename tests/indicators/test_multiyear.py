"""Two school years side by side: children followed from one residual into the next, and the
early-school-leaving reading of the oldest group."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from sqlalchemy.orm import Session

from service.indicators import multiyear
from tests.indicators.helpers import two_years


def test_years_side_by_side(session: Session, tmp_path: Path) -> None:
    known = two_years(session, tmp_path)
    table = multiyear.years_table(session).set_index("school_year")
    assert list(table.index) == ["2024-2025", "2025-2026"]
    first, second = table.loc["2024-2025"], table.loc["2025-2026"]
    assert first["start"] == known["followed"] and second["start"] == known["followed"]
    assert pd.isna(first["in_previous_residual"])  # no year before the first
    assert second["in_previous_residual"] == known["followed"]
    assert second["cases_linked_to_last_year"] == known["followed"]
    assert first["age_ended"] == known["followed"]  # last year's cases closed: age ended
    assert first["esl_enrolled_oldest"] == known["oldest"] and first["esl_no_list_next"] == known["leavers"]
    assert first["esl_share"] == 75.0
    assert pd.isna(second["esl_no_list_next"])  # no lists of 2026-2027 in the database
    published = multiyear.publish_years(table.reset_index(), 5).set_index("school_year")
    assert published.loc["2025-2026", "start"] is None and published.loc["2025-2026", "share_start"] is None
    assert published.loc["2025-2026", "population"] == second["population"]
