"""The column-wise fast path agrees with the row validator on every row it passes as clean."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

import numpy as np
import pytest

from service.core import national_number as nn
from service.ingest.columns import ColumnChecker, guardian_tuple
from service.ingest.profiles import all_profiles
from service.ingest.validate import RowValidator
from tests.factories import child, enrolment

# Values a field may take instead of the usual one: good variants and bad ones.
VARIANTS: dict[str, list[Any]] = {
    "birth_date": [
        "2014-02-29",
        "2016-02-29",
        "29/02/2016",
        "2014-13-01",
        "1/2/2014",
        "",
        " 2014-03-04 ",
        "x",
    ],
    "sex": ["m", "F", "v", "X", "1", "2", "h", "?", ""],
    "postcode": ["1000", "1210", "2000", "NL-1234 AB", "12", "", "1080"],
    "national_number": ["", "123", "85.07.30-033.28", "٨٥٠٧٣٠٠٣٣٢٨", None],
    "nis_code": ["21004", "21001", "99999", ""],
    "admin_language": ["N", "F", "fr", "DE", ""],
    "street": ["", "Rue Haute"],
    "last_name": ["", "  Janssens  "],
    "guardian1_national_number": ["", "123", None],
    "guardian1_last_name": [""],
    "guardian1_relation": ["vader", "", "voogd", "oom"],
    "guardian2_last_name": ["Dupont"],
    "school_id": ["", "42"],
    "enrolled_from": ["2025-09-01", "01/09/2025", "", "2025-02-30"],
    "enrolled_until": ["", "2025-08-01", "2026-06-30", "bad"],
}


def _text(value: Any, fmt: str) -> str:
    return value.strftime(fmt) if isinstance(value, date) else str(value)


def _rows(profile_name: str, n: int, seed: int) -> tuple[list[str], list[list[str]]]:
    rng = random.Random(seed)
    profile = all_profiles()[profile_name]
    fields = list(profile.columns)
    rows = []
    for i in range(n):
        birth = date(2008, 1, 1) + timedelta(days=rng.randrange(6000))
        if profile.kind.value == "register":
            row = child((2 * i + 1) % 997, birth, sex=rng.choice("MF"))
        else:
            seq = rng.randrange(1, 998)
            number = nn.make(birth, seq, bis=rng.random() < 0.05, sex_known=rng.random() < 0.5)
            row = enrolment(number, "Dubois", "Léa", birth, sex=rng.choice(["M" if seq % 2 else "V", ""]))
            odd = rng.random() < 0.1
            start = rng.choice(["", "2025-02-30", "01/09/2025"]) if odd else "2025-09-01"
            reason = rng.choice(["disability", "Private School", "bogus", ""]) if odd else "prive"
            until = rng.choice(["", "2026-06-30", "2025-01-01"]) if odd else ""
            row |= {"reason": reason, "valid_from": start, "registered_from": start, "valid_until": until}
        fmt = rng.choice(["%Y-%m-%d", "%d/%m/%Y"])
        for name, options in VARIANTS.items():
            if name in row or name in profile.columns:
                if rng.random() < 0.08:
                    choice = rng.choice(options)
                    row[name] = row.get("national_number", "")[::-1] if choice is None else choice
        rows.append([_text(row.get(f, ""), fmt) for f in fields])
    return [profile.columns[f] for f in fields], rows


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


@pytest.mark.parametrize(
    "profile_name",
    ["rijksregister_extract", "discimus_export", "siel_export", "exemptions_joint", "domicile_fr"],
)
def test_rows_passed_as_clean_have_the_row_validators_values(profile_name: str) -> None:
    profile = all_profiles()[profile_name]
    headers, rows = _rows(profile_name, 3000, seed=len(profile_name))
    checker = ColumnChecker(profile, headers, {})
    fast = checker.check(rows, list(range(1, len(rows) + 1)), np.zeros(len(rows), bool))
    validator = RowValidator(profile, headers)
    by_row: dict[int, list] = {}
    for g, number in zip(fast.guardians, fast.guardian_nns, strict=True):
        by_row.setdefault(g[0], []).append((g, number))
    clean = 0
    for j, i in enumerate(fast.positions):
        result = validator.validate(int(i) + 1, rows[i])
        assert not result.errors and not result.warnings, (i, result.errors, result.warnings)
        for name, column in fast.values.items():
            assert column[j] == _plain(result.values.get(name)), (i, name)
        assert fast.nns[j] == result.nn
        if profile.kind.value == "register":
            number = int(i) + 1
            expected = [(guardian_tuple(number, g), g["nn"]) for g in result.values["guardians"]]
            assert sorted(by_row.get(number, []), key=lambda x: x[0][1]) == expected, i
    for i in fast.slow:
        result = validator.validate(i + 1, rows[i])
        clean += not result.errors and not result.warnings
    # the fast path takes nearly every clean row (what it leaves, the row validator must redo)
    assert len(fast.positions) > 0.5 * len(rows) and clean <= 0.05 * len(fast.positions) + 5
