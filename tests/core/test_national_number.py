from datetime import date

import pytest

from service.core import national_number as nn


def test_example_pre_2000_number_is_valid_and_decoded() -> None:
    # 85.07.30-033.28: a textbook example, born 30 July 1985, sequence 033 (odd: male).
    parsed = nn.parse("85.07.30-033.28")
    assert isinstance(parsed, nn.ParsedNN)
    assert parsed.birth_date() == date(1985, 7, 30)
    assert parsed.sex == "M"
    assert parsed.kind == nn.NNKind.REGULAR


def test_births_from_2000_use_the_2_prefix_for_the_check() -> None:
    number = nn.make(date(2012, 3, 4), 2)
    base = int(number[:9])
    assert int(number[9:]) == 97 - ((2_000_000_000 + base) % 97)
    assert int(number[9:]) != 97 - (base % 97)  # the pre-2000 rule would not accept it
    parsed = nn.parse(number)
    assert isinstance(parsed, nn.ParsedNN)
    assert parsed.birth_date() == date(2012, 3, 4)
    assert parsed.century == 2000
    assert parsed.sex == "F"


@pytest.mark.parametrize("sex_known, expected_sex", [(True, "M"), (False, None)])
def test_bis_numbers_shift_the_month(sex_known: bool, expected_sex: str | None) -> None:
    number = nn.make(date(2015, 11, 20), 17, bis=True, sex_known=sex_known)
    assert int(number[2:4]) == 11 + (40 if sex_known else 20)
    parsed = nn.parse(number)
    assert isinstance(parsed, nn.ParsedNN)
    assert parsed.kind == nn.NNKind.BIS
    assert parsed.birth_date() == date(2015, 11, 20)
    assert parsed.sex == expected_sex


def test_problems_are_named() -> None:
    good = nn.make(date(2010, 1, 2), 5)
    bad_check = good[:9] + f"{(int(good[9:]) + 1) % 100:02d}"
    assert nn.parse(bad_check) == nn.NNProblem.CHECKSUM
    assert nn.parse("1234") == nn.NNProblem.LENGTH
    assert nn.parse("abcdefghijk") == nn.NNProblem.LENGTH


def test_unknown_birth_day_is_allowed() -> None:
    base = "150400123"
    number = base + f"{97 - ((2_000_000_000 + int(base)) % 97):02d}"
    parsed = nn.parse(number)
    assert isinstance(parsed, nn.ParsedNN)
    assert parsed.birth_day == 0
    assert parsed.birth_date() is None


def test_consistency_with_row_birth_date_and_sex() -> None:
    parsed = nn.parse(nn.make(date(2013, 5, 6), 11))
    assert isinstance(parsed, nn.ParsedNN)
    assert nn.consistency_problems(parsed, date(2013, 5, 6), "M") == []
    assert nn.consistency_problems(parsed, date(2013, 6, 5), "M") == [
        "birth month differs from the national number"
    ]
    assert nn.consistency_problems(parsed, date(2013, 5, 6), "F") == ["sex differs from the national number"]
