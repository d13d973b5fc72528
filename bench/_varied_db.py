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


def store(session: Session, people: pd.DataFrame, records: pd.DataFrame) -> None:
    """One register batch and one French-language enrolment batch of the frames."""
    year = get_or_create_school_year(session, SCHOOL_YEAR)
    register = _batch(session, year.id, "register", len(people))
    lists = _batch(session, year.id, "enrolment_fr", len(records))
    n, m = len(people), len(records)
    _copy(
        session,
        RegisterPerson.__table__,
        pd.DataFrame(
            {
                "batch_id": register,
                "row_number": np.arange(1, n + 1),
                "nn_hash": people["nn_hash"].to_numpy(),
                "nn_status": "valid",
                "nn_bis": False,
                "last_name": people["last_name"].to_numpy(),
                "first_names": people["first_names"].to_numpy(),
                "birth_date": _iso(people["birth_date"]),
                "sex": people["sex"].to_numpy(),
                "postcode": people["postcode"].to_numpy(),
                "nis_code": people["nis_code"].to_numpy(),
                "street": people["street"].to_numpy(),
                "house_number": people["house_number"].to_numpy(),
                "box": "",
            }
        ),
    )
    _copy(
        session,
        Enrolment.__table__,
        pd.DataFrame(
            {
                "batch_id": lists,
                "row_number": np.arange(1, m + 1),
                "nn_hash": records["nn_hash"].to_numpy(),
                "nn_status": records["nn_status"].to_numpy(),
                "nn_bis": records["nn_bis"].to_numpy(dtype=bool),
                "last_name": records["last_name"].fillna("").to_numpy(),
                "first_names": records["first_names"].fillna("").to_numpy(),
                "birth_date": _iso(records["birth_date"]),
                "sex": records["sex"].to_numpy(),
                "postcode": records["postcode"].to_numpy(),
                "community": "fr",
                "school_id": "S1",
                "school_name": "Bench school",
                "campus_id": "",
                "level": "",
                "grade": "",
                "enrolled_from": date(2025, 9, 1),
            }
        ),
    )
    session.commit()
