"""Small, readable source files for tests, written in a shipped profile's layout."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path
from typing import Any

from service.core import national_number as nn
from service.ingest.profiles import all_profiles

# Distinct names for test children (index them; the lists never repeat a name).
FIRST_NAMES = (
    "Lotte", "Noah", "Emma", "Adam", "Nina", "Rayan", "Lina", "Milan", "Sofia", "Amir",
    "Hanne", "Tuur", "Zoë", "Ilias", "Julie", "Mats", "Aya", "Wout", "Elif", "Vic",
)  # fmt: skip
LAST_NAMES = (
    "Claes", "Wuyts", "Lambert", "Gilson", "Moreau", "Aerts", "Demir", "Kaya", "Nowak", "Popescu",
    "Costa", "Leroy", "Hermans", "Bakkali", "Sahin", "Dumont", "Jacobs", "Ferreira", "Mertens", "Yilmaz",
)  # fmt: skip


def write_source(
    path: Path,
    profile: str,
    rows: list[dict[str, Any]],
    *,
    encoding: str | None = None,
    delimiter: str = ";",
    date_format: str = "%Y-%m-%d",
) -> Path:
    """Write `rows` (canonical field -> value) with the profile's headers."""
    prof = all_profiles()[profile]
    fields = list(prof.columns)
    if path.suffix == ".xlsx":
        from openpyxl import Workbook

        wb = Workbook()
        ws = wb.active
        ws.append([prof.columns[f] for f in fields])
        for row in rows:
            ws.append([row.get(f, "") for f in fields])
        wb.save(path)
        return path
    with path.open("w", encoding=encoding or prof.encodings[0], newline="") as fh:
        writer = csv.writer(fh, delimiter=delimiter)
        writer.writerow([prof.columns[f] for f in fields])
        for row in rows:
            writer.writerow([_text(row.get(f, ""), date_format) for f in fields])
    return path


def _text(value: Any, date_format: str) -> str:
    if isinstance(value, date):
        return value.strftime(date_format)
    return "" if value is None else str(value)


def child(seq: int, birth: date, sex: str = "M", **extra: Any) -> dict[str, Any]:
    """A register row for one child living in Brussel (21004) with one parent."""
    row = {
        "national_number": nn.make(birth, seq if (seq % 2 == 1) == (sex == "M") else seq + 1),
        "last_name": "Peeters",
        "first_names": "Jan",
        "birth_date": birth,
        "sex": "M" if sex == "M" else "V",
        "nis_code": "21004",
        "postcode": "1000",
        "street": "Wetstraat",
        "house_number": "16",
        "admin_language": "N",
        "guardian1_last_name": "Peeters",
        "guardian1_first_names": "Anna",
        "guardian1_relation": "moeder",
        "guardian1_street": "Wetstraat",
        "guardian1_house_number": "16",
        "guardian1_postcode": "1000",
        "guardian1_municipality": "Brussel",
        "guardian1_national_number": nn.make(date(1985, 7, 30), 34),
    }
    row.update(extra)
    return row


def enrolment(national_number: str, last: str, first: str, birth: date, **extra: Any) -> dict[str, Any]:
    row = {
        "national_number": national_number,
        "last_name": last,
        "first_names": first,
        "birth_date": birth,
        "sex": "M",
        "postcode": "1000",
        "school_id": "123456",
        "school_name": "Sint-Jozefscollege",
        "campus_id": "1",
        "level": "lager",
        "grade": "3",
        "enrolled_from": date(2025, 9, 1),
    }
    row.update(extra)
    return row
