"""The Brussels-scale no-postcode year of `_varied.py` (220,000 children, 1.8 million pupils living
outside Brussels, lists without postcode or sex) stored in a database, so that the speed bench times
the whole `tandem run` path on it: the SQL pre-filter, the reads, the engine and the writes.

The rows go straight into the tables (not through ingest: its bench is its own), with the frames'
stand-in hashes as keyed hashes. PostgreSQL gets them by COPY, SQLite by executemany.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Table
from sqlalchemy.orm import Session

from service.core import clock
from service.ingest.models import Enrolment, RegisterPerson, SourceBatch
from service.ingest.service import get_or_create_school_year

SCHOOL_YEAR = "2025-2026"
REFERENCE_DATE = date(2025, 10, 1)


def _batch(session: Session, year_id: int, kind: str, rows: int) -> int:
    batch = SourceBatch(
        school_year_id=year_id,
        kind=kind,
        source="bench-varied",
        profile="bench",
        file_name=f"{kind}.csv",
        sha256="bench",
        received_at=clock.now(),
        rows_total=rows,
    )
    session.add(batch)
    session.flush()
    return batch.id


def _iso(values: pd.Series) -> list[Any]:
    parsed = pd.to_datetime(values, errors="coerce")
    return [d.date() if not pd.isna(d) else None for d in parsed]


def _copy(session: Session, table: Table, frame: pd.DataFrame) -> None:
    conn = session.connection()
    columns = list(frame.columns)
    rows = frame.astype(object).where(frame.notna(), None).itertuples(index=False, name=None)
    if conn.dialect.name == "postgresql":
        raw = conn.connection.driver_connection
        with raw.cursor() as cur, cur.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    else:
        raw = conn.connection.driver_connection
        marks = ", ".join("?" for _ in columns)
        raw.executemany(f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({marks})", rows)


def _person_columns(frame: pd.DataFrame, batch_id: int) -> dict[str, Any]:
    """The columns register and list rows share."""
    return {
        "batch_id": batch_id,
        "row_number": np.arange(1, len(frame) + 1),
        "nn_hash": frame["nn_hash"].to_numpy(),
        "nn_status": frame["nn_status"].to_numpy() if "nn_status" in frame else "valid",
        "nn_bis": frame["nn_bis"].to_numpy(dtype=bool) if "nn_bis" in frame else False,
        "last_name": frame["last_name"].fillna("").to_numpy(),
        "first_names": frame["first_names"].fillna("").to_numpy(),
        "birth_date": _iso(frame["birth_date"]),
        "sex": frame["sex"].to_numpy(),
        "postcode": frame["postcode"].to_numpy(),
    }


def store(session: Session, people: pd.DataFrame, records: pd.DataFrame) -> None:
    """One register batch and one French-language enrolment batch of the frames."""
    year = get_or_create_school_year(session, SCHOOL_YEAR)
    register = _batch(session, year.id, "register", len(people))
    lists = _batch(session, year.id, "enrolment_fr", len(records))
    address = {c: people[c].to_numpy() for c in ("nis_code", "street", "house_number")}
    _copy(
        session,
        RegisterPerson.__table__,
        pd.DataFrame({**_person_columns(people, register), **address, "box": ""}),
    )
    school = {"community": "fr", "school_id": "S1", "school_name": "Bench school", "campus_id": ""}
    _copy(
        session,
        Enrolment.__table__,
        pd.DataFrame(
            {
                **_person_columns(records, lists),
                **school,
                "level": "",
                "grade": "",
                "enrolled_from": date(2025, 9, 1),
            }
        ),
    )
    session.commit()
