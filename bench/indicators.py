"""All indicators of a Brussels-scale year: 220,000 register children, 5,000 cases.

    .venv/bin/python bench/indicators.py [--children 220000] [--cases 5000] [--database-url URL]

Builds the year directly in a fresh database (a temporary SQLite file by default, or the
PostgreSQL URL given, in a schema of its own): the register children, a finished run (5,000
residual, the rest enrolled or not of compulsory-school age), one case per residual child walked
a random way along the procedure with its events, the gemeente assignments and the parket
referrals of the cases that got that far. Then times, and prints, what the indicators compute:
reading the year, the indicator by every breakdown, the honest count, the published (suppressed)
tables, the timeliness tables and the forecast. Ingest, linkage and the procedure have benches
of their own; this one measures the counting.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

NIS = [f"210{n:02d}" for n in range(1, 20)]
PATH = [
    "residual",
    "cross_check",
    "late_info_check",
    "letter_1_due",
    "letter_1_sent",
    "letter_2_due",
    "letter_2_sent",
    "gemeente_register_check",
    "gemeente_home_visit",
    "parket_review",
    "referred_to_parket",
]
CLOSE_AT = {  # a case that stops at this stage closes with this reason (else it stays open there)
    "cross_check": "enrolled_other_community",
    "letter_1_sent": "enrolled_reply",
    "letter_2_sent": "home_education",
    "gemeente_register_check": "moved_out_of_region",
    "gemeente_home_visit": "compulsory_age_ended",
    "referred_to_parket": "parket_anti_truancy_contract",
}
START = datetime(2025, 10, 8, 9, tzinfo=UTC)


def _people(rng: random.Random, n: int) -> list[dict[str, Any]]:
    nis = [rng.choice(NIS) for _ in range(n)]
    return [
        {
            "nn_hash": f"bench{i:07d}",
            "nn_status": "valid",
            "last_name": "Bench",
            "first_names": "Kind",
            "birth_date": date(2007, 1, 1) + timedelta(days=rng.randint(0, 365 * 15)),
            "sex": rng.choice("MF"),
            "postcode": "1000",
            "nis_code": nis[i],
            "street": "Wetstraat",
            "house_number": str(i % 300 + 1),
            "stat_sector": f"{nis[i]}A{rng.randint(0, 38):02d}-",  # about 740 sectors, as in Brussels
            "admin_language": rng.choice(["nl", "fr", "fr", "fr"]),
        }
        for i in range(n)
    ]


def _walk(
    rng: random.Random, case_id: int, person: dict[str, Any]
) -> tuple[dict, list[dict], list[dict], list[dict]]:
    """One case's row, events, assignments and referral, stopping at a random stage."""
    stop = rng.choices(range(len(PATH)), weights=[1, 2, 1, 1, 6, 1, 4, 4, 4, 1, 3])[0]
    at, events, assignments, referrals = START, [], [], []
    prev = None
    for state in PATH[: stop + 1]:
        events.append({"case_id": case_id, "at": at, "actor": "bench", "kind": "opened" if prev is None else "transition",
                       "transition": None if prev is None else f"to_{state}", "from_state": prev, "to_state": state,
                       "reason": "", "payload": {}})  # fmt: skip
        if state.startswith("gemeente_"):
            assignments.append({"case_id": case_id, "nis_code": person["nis_code"], "step": state.removeprefix("gemeente_"),
                                "status": "open", "assigned_at": at, "due_at": at + timedelta(days=30)})  # fmt: skip
        if state == "referred_to_parket":
            referrals.append({"case_id": case_id, "nis_code": person["nis_code"], "referred_at": at, "referred_by": "bench",
                              "status": "referred", "schema_version": "1.0.0", "zip_path": "-", "sha256": "-"})  # fmt: skip
        prev, at = state, at + timedelta(days=rng.randint(1, 35))
    for a in assignments[:-1]:
        a.update(status="answered", answered_at=a["assigned_at"] + timedelta(days=rng.randint(3, 40)))
    closure = CLOSE_AT.get(prev) if rng.random() < 0.6 else None
    if closure:
        events.append({"case_id": case_id, "at": at, "actor": "bench", "kind": "transition", "transition": "close",
                       "from_state": prev, "to_state": "closed", "reason": "", "payload": {}})  # fmt: skip
        for a in assignments[-1:]:
            a.update(status="answered", answered_at=at)
        for r in referrals:
            r.update(status="decided", outcome="anti_truancy_contract", outcome_at=at)
    case = {"id": case_id, "state": "closed" if closure else prev, "closed_at": at if closure else None,
            "closure_reason": closure, "state_entered_at": events[-1]["at"],
            "due_at": None if closure else events[-1]["at"] + timedelta(days=21)}  # fmt: skip
    return case, events, assignments, referrals


def build(session: Any, rng: random.Random, children: int, n_cases: int) -> None:
    import _synthetic as synthetic
    from sqlalchemy import insert

    from service.cases.models import Case, CaseEvent
    from service.gemeenten.models import Assignment
    from service.linkage.models import ChildStatus, Run
    from service.parket.models import Referral

    people = _people(rng, children)
    year_id, ids = synthetic.add_children(session, people, lambda i, p: [])
    run = Run(
        school_year_id=year_id, reference_date=synthetic.REFERENCE_DATE, status="done", created_at=START
    )
    session.add(run)
    session.flush()
    residual = set(rng.sample(range(children), n_cases))
    statuses = ["enrolled"] * 40 + ["not_compulsory", "home_educated", "exempted"]
    session.execute(insert(ChildStatus), [
        {"run_id": run.id, "person_id": pid, "status": "residual" if i in residual else rng.choice(statuses)}
        for i, pid in enumerate(ids)
    ])  # fmt: skip
    rows, events, assignments, referrals = [], [], [], []
    for case_id, i in enumerate(sorted(residual), 1):
        case, ev, asg, ref = _walk(rng, case_id, people[i])
        rows.append({**case, "school_year_id": year_id, "person_id": ids[i], "child_key": people[i]["nn_hash"],
                     "run_id": run.id, "owner_community": people[i]["admin_language"], "nis_code": people[i]["nis_code"],
                     "opened_at": START, "version": 1})  # fmt: skip
        events += ev
        assignments += asg
        referrals += ref
    for table, data in ((Case, rows), (CaseEvent, events), (Assignment, assignments), (Referral, referrals)):
        for k in range(0, len(data), 5000):
            session.execute(insert(table), data[k : k + 5000])
    session.commit()
    print(f"built: {children:,} children, {len(rows):,} cases, {len(events):,} events, "
          f"{len(assignments):,} assignments, {len(referrals):,} referrals")  # fmt: skip


def measure(session: Any) -> dict[str, float]:
    from service.core import clock
    from service.indicators import honest, publish, reading, timeliness
    from service.indicators.frames import load_year

    now = START + timedelta(weeks=30)
    times: dict[str, float] = {}
    cpu_times: dict[str, float] = {}

    def timed(name: str, fn: Any) -> Any:
        t, cpu = time.perf_counter(), time.process_time()
        out = fn()
        times[name] = time.perf_counter() - t
        cpu_times[name] = time.process_time() - cpu
        return out

    data = timed("read the year", lambda: load_year(session, "2025-2026"))
    tables = {
        by: timed(f"indicator by {by}", lambda by=by: reading.indicator_table(data, by))
        for by in reading.DIMENSION
    }
    children = timed("honest count", lambda: honest.honest_children(data))
    timed("published by gemeente", lambda: publish.publish_indicator(tables["gemeente"], 5))
    timed(
        "published honest count",
        lambda: publish.publish_honest(publish.honest_pivot(children, "region"), "region", 5, False),
    )
    with clock.frozen(now):
        timed("stages", lambda: timeliness.stage_table(data, now))
        timed("stages per community", lambda: timeliness.stage_table(data, now, "community"))
        timed("stages per gemeente", lambda: timeliness.stage_table(data, now, "gemeente"))
        timed("gemeente workload", lambda: timeliness.gemeente_workload(data, now))
        timed("parket workload", lambda: timeliness.parket_workload(data, now))
        timed("forecast", lambda: timeliness.forecast(data, now))
    region = tables["region"].iloc[0]
    print(f"indicator: population {region['population']:,}, start {region['start']:,} ({region['share_start']} %), "
          f"end {region['end']:,} ({region['share_end']} %)")  # fmt: skip
    counts = honest.honest_table(children).set_index("category")["count"]
    print(
        "honest count: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()) + f" (total {counts.sum():,})"
    )
    return times, cpu_times


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--children", type=int, default=220_000)
    parser.add_argument("--cases", type=int, default=5_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--database-url", default=None, help="default: a fresh temporary SQLite file")
    parser.add_argument(
        "--pg-schema", default="tandem_bench_indicators", help="PostgreSQL schema the bench owns"
    )
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="tandem-bench-indicators-"))
    os.environ.setdefault("TANDEM_DATA_DIR", str(work))

    import _synthetic as synthetic

    from service.core import migrate
    from service.core.db import session_scope
    from service.wiring import wire

    url = synthetic.use_database(args.database_url, work, args.pg_schema)
    migrate.upgrade()
    wire()
    rng = random.Random(args.seed)
    t = time.perf_counter()
    with session_scope() as session:
        build(session, rng, args.children, args.cases)
    print(f"setup {time.perf_counter() - t:.1f} s on {url.split(':')[0]}")
    with session_scope() as session:
        times, cpu = measure(session)
    print(f"  {'':<26} {'wall':>7} {'cpu':>7}   (cpu: this process only; the load average was "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")  # fmt: skip
    for name, seconds in times.items():
        print(f"  {name:<26} {seconds:6.2f}s {cpu[name]:6.2f}s")
    total = sum(times.values())
    print(
        f"all indicators: {total:.2f} s wall, {sum(cpu.values()):.2f} s cpu "
        f"({'within' if total <= 5 else 'OVER'} the 5 s budget)"
    )


if __name__ == "__main__":
    main()
