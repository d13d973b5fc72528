"""A home visit happens while the case exists: a date before the case was opened, or before the
child was born, is refused like a date in the future, naming the field."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from service.cases.service import TransitionRefused, fire
from service.core import clock
from tests.gemeenten.helpers import children, officer, open_case, to_gemeente, visit


@pytest.mark.parametrize(
    ("visited_on", "named"),
    [
        ("1990-01-01", "visited_on lies before the child's birth date"),
        ("2025-09-30", "visited_on lies before the case was opened (01/10/2025)"),
        ("2025-10-02", "visited_on lies in the future"),
    ],
)
def test_a_visit_dated_outside_the_case_is_refused(
    session: Session, tmp_path: Path, visited_on: str, named: str
) -> None:
    case = open_case(session, children(session, tmp_path, 1)[0])  # opened 1 October 2025
    to_gemeente(session, case)
    gemeente = officer(case.nis_code)
    fire(session, case, "register_check_still_registered", gemeente)
    session.commit()
    with pytest.raises(TransitionRefused) as refused:
        fire(session, case, "record_visit", gemeente, visit(visited_on=visited_on))
    assert named in refused.value.missing
    session.rollback()
    assert case.state == "gemeente_home_visit"

    fire(session, case, "record_visit", gemeente, visit(visited_on=clock.now().date().isoformat()))
    assert case.state == "parket_review"
