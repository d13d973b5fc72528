"""Table-driven boundaries of compulsory-school age."""

from datetime import date

import pytest

from service.core.school_age import (
    compulsory_period,
    is_compulsory,
    school_year_label,
    school_year_start,
    start_age_for,
)


@pytest.mark.parametrize(
    "school_year, start_age",
    [("2018-2019", 6), ("2019-2020", 6), ("2020-2021", 5), ("2025-2026", 5)],
)
def test_start_age_changes_in_2020_2021(school_year: str, start_age: int) -> None:
    assert start_age_for(school_year) == start_age


@pytest.mark.parametrize(
    "birth, on, school_year, expected",
    [
        # start: 1 September of the calendar year the child turns the start age
        (date(2020, 12, 31), date(2025, 9, 1), "2025-2026", True),  # turns 5 on 31 Dec 2025
        (date(2021, 1, 1), date(2025, 9, 1), "2025-2026", False),  # turns 5 in 2026: next year
        (date(2020, 1, 1), date(2025, 8, 31), "2024-2025", False),  # the day before the start
        # the 2020-2021 change: born 2015 starts at 5 in 2020, under the old rule at 6 in 2021
        (date(2015, 10, 1), date(2020, 9, 1), "2020-2021", True),
        (date(2014, 10, 1), date(2019, 9, 1), "2019-2020", False),
        (date(2013, 10, 1), date(2019, 9, 1), "2019-2020", True),
        # end: the 18th birthday before 1 July ends it on that day
        (date(2008, 6, 30), date(2026, 6, 29), "2025-2026", True),
        (date(2008, 6, 30), date(2026, 6, 30), "2025-2026", False),
        # turning 18 on or after 1 July: it ends on 30 June of that year (inclusive)
        (date(2008, 7, 1), date(2026, 6, 30), "2025-2026", True),
        (date(2008, 7, 1), date(2026, 7, 1), "2026-2027", False),
        (date(2007, 12, 31), date(2025, 6, 30), "2024-2025", True),
        (date(2007, 12, 31), date(2025, 7, 1), "2025-2026", False),
        # 29 February: the 18th birthday falls on 1 March in a non-leap year
        (date(2008, 2, 29), date(2026, 2, 28), "2025-2026", True),
        (date(2008, 2, 29), date(2026, 3, 1), "2025-2026", False),
    ],
)
def test_boundaries(birth: date, on: date, school_year: str, expected: bool) -> None:
    assert is_compulsory(birth, on, school_year) is expected


def test_diploma_ends_compulsory_age() -> None:
    period = compulsory_period(date(2008, 9, 15), 5, diploma_on=date(2026, 6, 25))
    assert period.end == date(2026, 6, 24)
    assert not period.covers(date(2026, 6, 25))


def test_school_year_label() -> None:
    assert school_year_label(date(2025, 9, 1)) == "2025-2026"
    assert school_year_label(date(2026, 8, 31)) == "2025-2026"


def test_bad_school_year_label() -> None:
    with pytest.raises(ValueError):
        start_age_for("2025-2027")


@pytest.mark.parametrize("label", ["2025", "2025/2026", "25-26", "abcd-efgh", "2025-2026-2027", ""])
def test_malformed_school_year_says_what_is_expected(label: str) -> None:
    """`--school-year 2025` used to fail with "not enough values to unpack (expected 2, got 1)"."""
    with pytest.raises(ValueError, match="like 2025-2026"):
        school_year_start(label)
