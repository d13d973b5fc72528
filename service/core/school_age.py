"""Compulsory-school age (leerplicht / obligation scolaire): a pure function of dates.

Start: 1 September of the calendar year in which the child turns the start age, which is a
per-school-year rule (6 until 2019-2020, 5 from 2020-2021). End: the 18th birthday when it falls
before 1 July, otherwise 30 June of the year the young person turns 18. A secondary-education
diploma ends it earlier.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta


def school_year_start(label: str) -> date:
    """`2025-2026` -> 1 September 2025."""
    match = re.fullmatch(r"(\d{4})-(\d{4})", label)
    if match is None or int(match[2]) != int(match[1]) + 1:
        raise ValueError(f"school year '{label}' must be two consecutive years, like 2025-2026")
    return date(int(match[1]), 9, 1)


def school_year_label(day: date) -> str:
    """The school year a day falls in (a school year runs 1 September - 31 August)."""
    start = day.year if day.month >= 9 else day.year - 1
    return f"{start}-{start + 1}"


def start_age_for(school_year: str) -> int:
    """6 until 2019-2020, 5 from 2020-2021 (decree/law lowering the start of compulsory education)."""
    return 5 if school_year_start(school_year).year >= 2020 else 6


def _birthday(birth: date, age: int) -> date:
    try:
        return birth.replace(year=birth.year + age)
    except ValueError:  # 29 February in a non-leap year: the birthday is 1 March
        return date(birth.year + age, 3, 1)


@dataclass(frozen=True)
class CompulsoryPeriod:
    start: date  # first day of compulsory-school age
    end: date  # last day of compulsory-school age (inclusive)

    def covers(self, day: date) -> bool:
        return self.start <= day <= self.end

    def days_left(self, day: date) -> int:
        return (self.end - day).days


def compulsory_period(birth: date, start_age: int, diploma_on: date | None = None) -> CompulsoryPeriod:
    """The period during which a child born on `birth` is of compulsory-school age."""
    start = date(birth.year + start_age, 9, 1)
    eighteenth = _birthday(birth, 18)
    if eighteenth < date(eighteenth.year, 7, 1):
        end = eighteenth - timedelta(days=1)  # it ends on the birthday: the last day is the eve
    else:
        end = date(eighteenth.year, 6, 30)
    if diploma_on is not None and diploma_on <= end:
        end = diploma_on - timedelta(days=1)
    return CompulsoryPeriod(start, end)


def is_compulsory(
    birth: date, on: date, school_year: str | None = None, diploma_on: date | None = None
) -> bool:
    """Whether the child is of compulsory-school age on `on` (start age from the school year)."""
    start_age = start_age_for(school_year or school_year_label(on))
    return compulsory_period(birth, start_age, diploma_on).covers(on)
