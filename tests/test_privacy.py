"""The whole yearly procedure keeps national numbers out of the database and personal data out of logs.

Runs the demo's steps (ingest, linkage, cases, letters, gemeenten, parket over simulated weeks) on a
small generated year, then searches a dump of every table and everything logged or printed for the
values the generator put in the source files.
"""

from __future__ import annotations

import csv
import logging
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from service.models import Base
from sim import demo
from sim.generate.brussels import GeneratorConfig, generate_year


def _register_values(data_dir: Path) -> tuple[set[str], set[str], set[str]]:
    """National numbers (children and guardians), full names and street addresses in the register."""
    numbers, names, addresses = set(), set(), set()
    with (data_dir / "register.csv").open(encoding="utf-8-sig") as fh:
        for row in csv.DictReader(fh, delimiter=";"):
            numbers.add(row["rijksregisternummer"])
            names.add(f"{row['voornamen']} {row['naam']}")
            addresses.add(f"{row['straat']} {row['huisnummer']}")
            for g in ("ouder1", "ouder2"):
                if row[f"{g}_rijksregisternummer"]:
                    numbers.add(row[f"{g}_rijksregisternummer"])
                if row[f"{g}_naam"]:
                    names.add(f"{row[f'{g}_voornamen']} {row[f'{g}_naam']}")
    return numbers, names, addresses


def _dump(engine: Engine) -> str:
    parts: list[str] = []
    with engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            for row in conn.execute(text(f'SELECT * FROM "{table.name}"')):
                for value in row:
                    if isinstance(value, bytes | memoryview):
                        value = bytes(value).decode("latin-1")
                    parts.append(str(value))
    return "\n".join(parts)


def test_no_clear_number_in_the_database_and_no_personal_data_in_logs(
    engine: Engine, tmp_path: Path, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    data_dir = tmp_path / "year"
    generate_year(data_dir, GeneratorConfig(children=400, seed=11, list_scale=0.1, workers=1))
    caplog.set_level(logging.DEBUG)
    ctx = demo.DemoContext(
        children=400,
        seed=11,
        school_year="2025-2026",
        reference_date=date(2025, 10, 1),
        data_dir=data_dir,
        output_dir=tmp_path / "out",
    )
    for step in demo.STEPS:
        step(ctx)
    printed = capsys.readouterr()

    numbers, names, addresses = _register_values(data_dir)
    dump = _dump(engine)
    # the procedure really ran: letters went out and cases reached the gemeenten
    assert "send_letter_1" in dump and "gemeente_register_check" in dump and len(dump) > 100_000
    leaked_numbers = [n for n in numbers if n in dump]
    assert leaked_numbers == [], f"{len(leaked_numbers)} clear national numbers in the database"

    logged = caplog.text
    assert "ingest accepted" in logged  # the logs were captured
    for what, values in (("national number", numbers), ("name", names), ("address", addresses)):
        leaked = [v for v in values if v in logged]
        assert leaked == [], f"{len(leaked)} values of kind {what} in the logs"
    # what the operator's terminal shows is counts and ids, never a child's number
    assert [n for n in numbers if n in printed.out + printed.err] == []
