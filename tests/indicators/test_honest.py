"""The honest count: every child of the start reading lands in exactly one end category, on
random frames of many sizes and on generated years taken through the whole procedure."""

from __future__ import annotations

import random
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from service.cases import service as cases
from service.cases.models import Case
from service.core import clock
from service.gemeenten import service as gemeenten
from service.indicators import honest, reading, timeliness
from service.indicators.frames import load_year
from tests.indicators.helpers import SCHOOL_YEAR, START, SYSTEM, generated_year, synthetic_year

CATEGORY_KEYS = {c.key for c in honest.CATEGORIES}


def _check_partition(data, at=None) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    children = honest.honest_children(data, at)
    residual = data.residual
    assert len(children) == len(residual)
    assert sorted(children["person_id"]) == sorted(residual["person_id"])  # each child exactly once
    assert set(children["category"]) <= CATEGORY_KEYS and children["detail"].notna().all()
    table = honest.honest_table(children)
    assert table["count"].sum() == len(residual)
    assert all(sum(d.values()) == n for d, n in zip(table["details"], table["count"], strict=True))
    return children


@pytest.mark.parametrize("size", [0, 1, 7, 60, 400, 2500])
def test_every_residual_child_is_in_exactly_one_category_on_random_years(size: int) -> None:
    rng = random.Random(size)
    data = synthetic_year(rng, size)
    children = _check_partition(data)
    for by in reading.DIMENSION:
        table = reading.indicator_table(data, by)  # type: ignore[arg-type]
        assert table["start"].sum() == len(data.residual)
        assert table["end"].sum() == int((~children["accounted"]).sum())
        assert (table["end"] <= table["start"]).all() and (table["start"] <= table["population"]).all()
    for days in (-1, 3, 90, 400):  # the end reading on chosen dates: still a partition
        _check_partition(data, START + timedelta(days=days))


def test_every_closure_reason_of_the_workflow_has_a_category() -> None:
    unmapped = set(cases.get_workflow().closure_reasons) - set(honest.CLOSURE_CATEGORY)
    assert unmapped == set()


def test_a_reason_nobody_mapped_is_still_counted() -> None:
    data = synthetic_year(random.Random(4), 3000)
    children = honest.honest_children(data)
    others = children[children["category"] == "closed_other"]
    assert len(others) > 0 and set(others["detail"]) == {"a_reason_nobody_mapped"}
    assert not others["accounted"].any()


def test_before_any_case_opened_everyone_is_without_a_case() -> None:
    data = synthetic_year(random.Random(5), 300)
    children = honest.honest_children(data, START - timedelta(days=1))
    assert set(children["category"]) == {"no_case"}


@pytest.mark.parametrize(("children", "weeks", "seed"), [(300, 2, 11), (600, 8, 12), (800, 20, 13)])
def test_generated_years_add_up(
    session: Session, engine: Engine, tmp_path: Path, children: int, weeks: int, seed: int
) -> None:
    end = generated_year(session, engine, tmp_path, children=children, weeks=weeks, seed=seed)
    data = load_year(session, SCHOOL_YEAR)
    result = _check_partition(data)
    # the categories agree with the cases themselves: closure reasons and open states
    year_cases = list(session.scalars(select(Case)))
    by_reason = Counter(c.closure_reason for c in year_cases if c.closure_reason)
    by_state = Counter(c.state for c in year_cases if c.closed_at is None)
    details = Counter(result["detail"])
    assert {k: details[k] for k in by_reason} == dict(by_reason)
    assert {k: details[k] for k in by_state} == dict(by_state)
    assert (result["category"] == "no_case").sum() == len(data.residual) - len(year_cases)
    # on the first day of the procedure nothing is settled yet
    first = honest.honest_children(data, START)
    assert set(first["category"]) <= {"open_cell", "no_case"}
    assert honest.honest_children(data, end).equals(result)
    funnel = cases.funnel(session, SYSTEM, SCHOOL_YEAR)
    assert funnel["total"] == len(year_cases)
    _check_timeliness(session, data, end, len(year_cases))


def _check_timeliness(session: Session, data, now, n_cases: int) -> None:  # type: ignore[no-untyped-def]
    """The workload agrees with the gemeenten' own overview and the referrals held."""
    with clock.frozen(now):
        overview = {g.nis_code: g for g in gemeenten.overview(session, SYSTEM)}
    stages = timeliness.stage_table(data, now).set_index("stage")
    assert stages.loc["residual", "entered"] == n_cases
    work = timeliness.gemeente_workload(data, now).set_index("nis_code")
    for nis, row in work.iterrows():
        g = overview[nis]
        assert (row["open"], row["overdue"], row["answered"]) == (g.open, g.overdue, g.answered)
    assert timeliness.parket_workload(data, now)["referrals"] == len(data.referrals)
    due = timeliness.forecast(data, now)["gemeente_assignments_falling_due"].iloc[0]
    assert due == sum(g.overdue for g in overview.values())
