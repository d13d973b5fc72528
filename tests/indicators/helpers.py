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
from service.core import clock
from service.indicators.frames import CHILD_COLUMNS, YearData, counts_of
from service.ingest.models import SourceKind
from service.ingest.service import IngestRejected, ingest_file
from service.linkage.service import run_linkage
from sim.generate.brussels import GeneratorConfig, generate_year
from sim.generate.writers import YEAR_LISTS
from sim.procedure.weeks import load_actors, simulate
from tests.factories import child, enrolment, write_source

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
    kids = pd.DataFrame(rows, columns=list(CHILD_COLUMNS))
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
    return YearData(
        SCHOOL_YEAR, 1, 1, REFERENCE, {}, {}, kids, case_df, event_df, empty, empty, counts_of(kids)
    )


CASE_KEYS = ["id", "child_key", "state", "closure_reason", "opened_at", "closed_at", "nis_code",
             "owner_community", "due_at"]  # fmt: skip


def _ingest_year(session: Session, tmp: Path, year: str, register: list[dict], enrolled: list[dict]) -> None:
    tmp.mkdir(parents=True, exist_ok=True)
    files = [(SourceKind.REGISTER, write_source(tmp / "register.csv", "rijksregister_extract", register))]
    if enrolled:
        files.append((SourceKind.ENROLMENT_NL, write_source(tmp / "nl.csv", "discimus_export", enrolled)))
    for kind, path in files:
        ingest_file(session, kind, path, year, SYSTEM)


def two_years(session: Session, tmp_path: Path) -> dict[str, int]:
    """2024-2025 and 2025-2026 through ingest, linkage and cases, built so the answers are known:
    40 children enrolled in both years; children 100-102 residual in both (followed, their
    2025-2026 cases linked to last year's); 200-203 aged 17 in 2024-2025 and enrolled, of whom
    only 200 is on a 2025-2026 list (three early school leavers of four)."""
    plan = {
        "2024-2025": (date(2024, 10, 1), date(2024, 9, 1)),
        "2025-2026": (date(2025, 10, 1), date(2025, 9, 1)),
    }
    fillers = [(i, date(2012, 1, 1) + timedelta(days=37 * i)) for i in range(1, 41)]
    followed = [(100 + i, date(2013, 5, 5) + timedelta(days=11 * i)) for i in range(3)]
    oldest = [(200 + i, date(2007, 3, 3) + timedelta(days=13 * i)) for i in range(4)]
    for label, (reference, start) in plan.items():
        first = label == "2024-2025"
        people = fillers + followed + (oldest if first else [])
        register = [
            child(seq, birth, first_names=f"Kind{seq}", last_name=f"Naam{seq}") for seq, birth in people
        ]
        on_list = fillers + (oldest if first else oldest[:1])
        by_seq = {seq: row for (seq, _), row in zip(people, register, strict=True)}
        enrolled = [
            enrolment(
                (by_seq[seq] if seq in by_seq else child(seq, birth))["national_number"],
                f"Naam{seq}", f"Kind{seq}", birth, enrolled_from=start,
            )
            for seq, birth in on_list
        ]  # fmt: skip
        _ingest_year(session, tmp_path / label, label, register, enrolled)
        run = run_linkage(session, label, reference, SYSTEM)
        with clock.frozen(datetime.combine(reference, datetime.min.time(), tzinfo=UTC) + timedelta(days=7)):
            cases.open_cases_for_run(session, run.id, SYSTEM)
            if first:
                for case in cases.list_cases(session, SYSTEM, cases.CaseFilter(school_year=label))[1]:
                    cases.fire(session, case, "age_ended", SYSTEM)
        session.commit()
    return {"followed": len(followed), "leavers": 3, "oldest": len(oldest)}
