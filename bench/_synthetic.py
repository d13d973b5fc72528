"""The synthetic start of the case benches: register children with guardians in one batch, and a
finished run in which they are all residual, written directly (ingest and linkage have benches of
their own), and the fresh database each bench measures in. Each bench decides what its children
look like; this module only stores them.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import insert, text
from sqlalchemy.orm import Session

from service.core import clock
from service.core.db import make_engine, reset_engine_cache
from service.core.settings import reset_settings_cache
from service.ingest.models import Guardian, RegisterPerson, SourceBatch
from service.ingest.service import get_or_create_school_year
from service.linkage.models import ChildStatus, Run

SCHOOL_YEAR = "2025-2026"
REFERENCE_DATE = date(2025, 10, 1)
Row = dict[str, Any]


def use_database(given: str | None, work: Path, schema: str) -> str:
    """Point the service at a fresh database for the bench and return its URL: a SQLite file in
    `work` by default; on PostgreSQL a schema of the bench's own, dropped and created again (never
    another schema's tables)."""
    url = given or f"sqlite:///{work / 'bench.sqlite3'}"
    if url.startswith("postgresql"):
        admin = make_engine(url)
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
            conn.execute(text(f"CREATE SCHEMA {schema}"))
        admin.dispose()
        url += ("&" if "?" in url else "?") + f"options=-csearch_path%3D{schema}"
    os.environ["TANDEM_DATABASE_URL"] = url
    reset_settings_cache()
    reset_engine_cache()
    return url


def add_children(
    session: Session, people: Sequence[Row], guardians_of: Callable[[int, Row], list[Row]]
) -> tuple[int, list[int]]:
    """One register batch of `people` (register columns, without batch and row number) and the
    guardians `guardians_of(index, person)` gives each (guardian columns, ranked in list order).

    Returns the school year's id and the person ids in the order of `people`.
    """
    year = get_or_create_school_year(session, SCHOOL_YEAR)
    batch = SourceBatch(
        school_year_id=year.id,
        kind="register",
        source="bench",
        profile="rijksregister_extract",
        file_name="register.csv",
        sha256="bench",
        received_at=clock.now(),
        rows_total=len(people),
    )
    session.add(batch)
    session.flush()
    ids = list(
        session.scalars(
            insert(RegisterPerson).returning(RegisterPerson.id, sort_by_parameter_order=True),
            [{"batch_id": batch.id, "row_number": i, **p} for i, p in enumerate(people, 1)],
        )
    )
    guardians = [
        {"person_id": pid, "rank": rank, **g}
        for i, (pid, person) in enumerate(zip(ids, people, strict=True))
        for rank, g in enumerate(guardians_of(i, person), 1)
    ]
    if guardians:
        session.execute(insert(Guardian), guardians)
    return year.id, ids


def residual_run(session: Session, year_id: int, person_ids: Sequence[int]) -> int:
    """A finished run of the year in which every one of `person_ids` is residual; returns its id."""
    run = Run(school_year_id=year_id, reference_date=REFERENCE_DATE, status="done", created_at=clock.now())
    session.add(run)
    session.flush()
    session.execute(
        insert(ChildStatus),
        [{"run_id": run.id, "person_id": pid, "status": "residual"} for pid in person_ids],
    )
    return run.id
