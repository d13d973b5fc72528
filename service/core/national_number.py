"""The Belgian national number (rijksregisternummer / numero de registre national).

`YYMMDDSSSCC`: birth date, a sequence number (odd for males, even for females), and a check number
`97 - (YYMMDDSSS mod 97)`, computed on `2YYMMDDSSS` for births from 2000. Bis numbers (people not in
the national register) add 20 (sex unknown) or 40 (sex known) to the month. Month or day may be 00
when the birth date is unknown.

Nothing here logs or raises with the number itself: callers report the row and the reason only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

_NON_DIGITS = re.compile(r"[\s.\-/]")


class NNKind(StrEnum):
    REGULAR = "regular"
    BIS = "bis"


class NNProblem(StrEnum):
    LENGTH = "not 11 digits"
    CHECKSUM = "check number does not match"
    MONTH = "month part out of range"
    DAY = "day part out of range"


@dataclass(frozen=True)
class ParsedNN:
    digits: str
    kind: NNKind
    century: int  # 1900 or 2000
    birth_year: int
    birth_month: int  # 0 when unknown
    birth_day: int  # 0 when unknown
    sex: str | None  # "M", "F", or None when a bis number does not encode it

    def birth_date(self) -> date | None:
        if not self.birth_month or not self.birth_day:
            return None
        try:
            return date(self.birth_year, self.birth_month, self.birth_day)
        except ValueError:
            return None


def clean(raw: str) -> str:
    """Strip the usual punctuation (`85.07.30-033.28`)."""
    return _NON_DIGITS.sub("", raw)


def parse(raw: str) -> ParsedNN | NNProblem:
    """Validate and decode a national number; returns the problem when it is not valid."""
    digits = clean(raw)
    if len(digits) != 11 or not digits.isdigit():
        return NNProblem.LENGTH
    base, check = int(digits[:9]), int(digits[9:])
    if 97 - (base % 97) == check:
        century = 1900
    elif 97 - ((2_000_000_000 + base) % 97) == check:
        century = 2000
    else:
        return NNProblem.CHECKSUM
    yy, mm, dd, seq = int(digits[0:2]), int(digits[2:4]), int(digits[4:6]), int(digits[6:9])
    kind = NNKind.REGULAR
    sex: str | None = "M" if seq % 2 else "F"
    if 20 <= mm <= 32:
        kind, mm, sex = NNKind.BIS, mm - 20, None
    elif 40 <= mm <= 52:
        kind, mm = NNKind.BIS, mm - 40
    if mm > 12:
        return NNProblem.MONTH
    if dd > 31:
        return NNProblem.DAY
    return ParsedNN(digits, kind, century, century + yy, mm, dd, sex)


def make(birth: date, seq: int, *, bis: bool = False, sex_known: bool = True) -> str:
    """Build a valid number (used by the synthetic data generator and tests)."""
    month = birth.month + ((40 if sex_known else 20) if bis else 0)
    base = f"{birth.year % 100:02d}{month:02d}{birth.day:02d}{seq:03d}"
    n = int(base) + (2_000_000_000 if birth.year >= 2000 else 0)
    return f"{base}{97 - (n % 97):02d}"


def consistency_problems(nn: ParsedNN, birth: date | None, sex: str | None) -> list[str]:
    """Reasons why a valid number does not agree with the row's own birth date or sex."""
    problems: list[str] = []
    if birth is not None:
        if nn.birth_year != birth.year:
            problems.append("birth year differs from the national number")
        elif nn.birth_month and nn.birth_month != birth.month:
            problems.append("birth month differs from the national number")
        elif nn.birth_day and nn.birth_day != birth.day:
            problems.append("birth day differs from the national number")
    if sex in ("M", "F") and nn.sex is not None and nn.sex != sex:
        problems.append("sex differs from the national number")
    return problems
