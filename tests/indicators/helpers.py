"""Indicator fixtures: a generated year taken through ingest, linkage, cases and simulated weeks,
and small synthetic frames for the pure (database-free) checks."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pandas as pd
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from service.auth.service import Actor
from service.cases import service as cases
from service.cases.simulate import load_actors, simulate
from service.core import clock
from service.generate.brussels import GeneratorConfig, generate_year
from service.generate.writers import YEAR_LISTS
from service.indicators.frames import CHILD_COLUMNS, YearData
from service.ingest.models import SourceKind
from service.ingest.service import IngestRejected, ingest_file
from service.linkage.service import run_linkage

SCHOOL_YEAR = "2025-2026"
REFERENCE = date(2025, 10, 1)
START = datetime(2025, 10, 8, 9, tzinfo=UTC)
SYSTEM = Actor.system("test-indicators")


def generated_year(
    session: Session, engine: Engine, tmp_path: Path, *, children: int, weeks: int, seed: int
) -> datetime:
    """Generate, ingest, link, open the cases and simulate `weeks` weeks; returns the last day."""
    out = tmp_path / f"year-{children}-{seed}"
    generate_year(out, GeneratorConfig(children=children, seed=seed, list_scale=0.05, chunk_size=5000))
    for name, kind in YEAR_LISTS:
        try:
            ingest_file(session, SourceKind(kind), out / name, SCHOOL_YEAR, SYSTEM)
        except IngestRejected:  # a small year's list can be empty: the demo skips it the same way
            continue
    run = run_linkage(session, SCHOOL_YEAR, REFERENCE, SYSTEM)
    with clock.frozen(START):
        cases.open_cases_for_run(session, run.id, SYSTEM)
    session.commit()
    load_actors()
    simulate(weeks, START, seed=seed, engine=engine)
    session.expire_all()
    return START + timedelta(weeks=weeks)


def synthetic_year(rng: random.Random, children: int) -> YearData:
    """A year's frames drawn at random: statuses, and a case per residual child in any state
    (or closed for any reason of the workflow, or a reason the mapping does not know)."""
    wf = cases.get_workflow()
    statuses = ["enrolled"] * 20 + ["residual"] * 3 + ["not_compulsory", "home_educated", "exempted"]
    rows = []
    for i in range(children):
        rows.append(
            {
                "person_id": i,
                "nn_hash": None if i % 11 == 0 else f"h{i}",
                "status": rng.choice(statuses),
                "nis_code": rng.choice(["21004", "21001", "21015"]),
                "stat_sector": rng.choice(["A00", "B01", "unknown"]),
                "sex": rng.choice("MFX"),
                "birth_date": date(2008, 1, 1) + timedelta(days=rng.randint(0, 4000)),
                "age": rng.randint(5, 17),
            }
        )
    kids = pd.DataFrame(rows, columns=[*CHILD_COLUMNS, "age"])
    kids["key"] = kids["nn_hash"].where(kids["nn_hash"].notna(), "p:" + kids["person_id"].astype(str))
    reasons = [*wf.closure_reasons, "a_reason_nobody_mapped"]
    case_rows, events = [], []
    opened = pd.Timestamp(START)
    for cid, kid in enumerate(kids[kids["status"] == "residual"].itertuples(), 1):
        if rng.random() < 0.1:
            continue  # no case for this child
        state = rng.choice(list(wf.states))
        closed = state == "closed"
        closed_at = opened + pd.Timedelta(days=rng.randint(1, 200)) if closed else pd.NaT
        case_rows.append(
            {
                "id": cid,
                "child_key": kid.key,
                "state": state,
                "closure_reason": rng.choice(reasons) if closed else None,
                "opened_at": opened,
                "closed_at": closed_at,
                "nis_code": kid.nis_code,
                "owner_community": rng.choice(["nl", "fr"]),
                "due_at": pd.NaT,
            }
        )
        events.append(
            {"case_id": cid, "at": opened, "transition": None, "from_state": None, "to_state": "residual"}
        )
        if state != "residual":
            at = closed_at if closed else opened + pd.Timedelta(days=5)
            events.append(
                {"case_id": cid, "at": at, "transition": "t", "from_state": "residual", "to_state": state}
            )
    case_df = pd.DataFrame(case_rows, columns=CASE_KEYS)
    event_df = pd.DataFrame(events, columns=["case_id", "at", "transition", "from_state", "to_state"])
    for df, cols in ((case_df, ("opened_at", "closed_at", "due_at")), (event_df, ("at",))):
        for c in cols:
            df[c] = pd.to_datetime(df[c], utc=True)
    empty = pd.DataFrame()
    return YearData(SCHOOL_YEAR, 1, 1, REFERENCE, {}, {}, kids, case_df, event_df, empty, empty)


CASE_KEYS = ["id", "child_key", "state", "closure_reason", "opened_at", "closed_at", "nis_code",
             "owner_community", "due_at"]  # fmt: skip
