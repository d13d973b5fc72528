"""Open cases for a residual of 5,000 children and tick through a simulated school year.

    .venv/bin/python bench/cases.py [--children 5000] [--weeks 45] [--database-url URL]

Builds the residual directly (register rows, a run, one residual status per child) in a fresh
database (a temporary SQLite file by default, or the PostgreSQL URL given), then times:
opening the cases, each weekly `tick`, and the simulated actors of the week: the cases part's own
(cross-check answers, replies, verification) plus engine-only stand-ins for the print room, the
gemeenten and the parket, which fire the same transitions as those parts.

By default the other parts' effects and guards are left out of the workflow (a copy of the file
keeping only `cases.*` names), so the figures are the engine's; `--with-effects` keeps them all
(assignments, notifications, referral files with their PDFs), which measures the whole product.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

NIS = [f"210{n:02d}" for n in range(1, 20)]
PARENT = {
    "relation": "parent",
    "last_name": "Bench",
    "first_names": "Ouder",
    "street": "Wetstraat",
    "house_number": "1",
    "postcode": "1000",
    "municipality": "Brussel",
}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--children", type=int, default=5000)
    parser.add_argument("--weeks", type=int, default=45)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--database-url", default=None, help="default: a fresh temporary SQLite file")
    parser.add_argument("--pg-schema", default="tandem_bench_cases", help="PostgreSQL schema the bench owns")
    parser.add_argument(
        "--with-effects", action="store_true", help="keep the other parts' effects and guards"
    )
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="tandem-bench-cases-"))
    os.environ.setdefault("TANDEM_DATA_DIR", str(work))

    import _synthetic as synthetic

    from service.auth.service import Actor
    from service.core import clock, migrate
    from service.core.db import session_scope

    synthetic.use_database(args.database_url, work, args.pg_schema)
    migrate.upgrade()
    rng = random.Random(args.seed)
    start = datetime(2025, 10, 8, 9, 0, tzinfo=UTC)
    system = Actor.system("bench")

    with clock.frozen(start), session_scope() as session:
        people = []
        for i in range(args.children):
            birth = date(2008, 1, 1) + timedelta(days=rng.randint(0, 365 * 12))  # ages 5 to 17
            people.append(
                {
                    "nn_hash": f"bench{i:07d}",
                    "nn_status": "valid",
                    "last_name": "Bench",
                    "first_names": f"Kind {i}",
                    "birth_date": birth,
                    "sex": "MF"[i % 2],
                    "postcode": "1000",
                    "nis_code": rng.choice(NIS),
                    "street": "Wetstraat",
                    "house_number": str(i),
                    "admin_language": rng.choices(["fr", "nl", None], weights=[70, 20, 10])[0],
                }
            )
        year_id, ids = synthetic.add_children(session, people, lambda i, person: [PARENT])
        run_id = synthetic.residual_run(session, year_id, ids)

    from service.cases.workflow import DEFAULT_FILE, get_workflow, using_workflow
    from service.wiring import wire

    wire()  # the domains' hooks, as the API and the CLI register them at start-up

    workflow_file = DEFAULT_FILE if args.with_effects else engine_only(DEFAULT_FILE, work)
    with using_workflow(workflow_file):
        get_workflow()  # loading and validating the file (and importing every effect) is a start-up cost
        run_bench(args, run_id, start, system, work)


def engine_only(path: Path, work: Path) -> Path:
    """A copy of the workflow file keeping only the case engine's own effects and guards."""
    import yaml

    data = yaml.safe_load(path.read_text(encoding="utf-8"))

    def own(names: list[str]) -> list[str]:
        return [n for n in names if n.startswith("cases.")]

    for state in data["states"].values():
        state["on_enter"] = own(state.get("on_enter", []))
        if "deadline" in state:
            state["deadline"]["reminder_effects"] = own(state["deadline"].get("reminder_effects", []))
    for t in data["transitions"].values():
        t["effects"] = own(t.get("effects", []))
        t["guards"] = own(t.get("guards", []))
    copy = work / "engine_only.yaml"
    copy.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return copy


def run_bench(args: argparse.Namespace, run_id: int, start: datetime, system, work: Path) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import func, select

    from service.auth.models import Role
    from service.auth.service import Actor
    from service.cases import service as cases
    from service.cases.models import Case, CaseEvent
    from service.core import clock
    from service.core.db import get_engine, session_scope
    from sim.procedure import cases as sim_cases
    from sim.procedure import letters as letters_simulate
    from sim.procedure import weeks as simulate

    engine = get_engine()
    timings: Counter[str] = Counter()
    with clock.frozen(start), session_scope() as session:
        t0 = time.perf_counter()
        report = cases.open_cases_for_run(session, run_id, system)
        timings["open"] = time.perf_counter() - t0
    with clock.frozen(start), session_scope() as session:
        t0 = time.perf_counter()
        again = cases.open_cases_for_run(session, run_id, system)
        timings["open again (no duplicates)"] = time.perf_counter() - t0
    assert again.get("opened", 0) == 0

    gemeente_users = {n: Actor(f"bench-{n}", Role.GEMEENTE_USER, None, n, None, n) for n in NIS}
    parket = Actor("bench-parket", Role.PARKET_USER, None, "PARKET", None, None)

    def print_room(session, week) -> None:  # type: ignore[no-untyped-def]
        for case in simulate.cases_in(session, "letter_1_due", "letter_2_due"):
            op = simulate.OPERATORS[case.owner_community]
            name = "send_letter_1" if case.state == "letter_1_due" else "send_letter_2"
            simulate.try_fire(session, week, case, name, op, {})

    def gemeenten(session, week) -> None:  # type: ignore[no-untyped-def]
        for case in simulate.cases_in(session, "gemeente_register_check", "gemeente_home_visit"):
            if week.rng.random() > 0.4:  # a gemeente answers some of its files each week
                continue
            g = gemeente_users[case.nis_code]
            if case.state == "gemeente_register_check":
                roll = week.rng.random()
                name = "register_check_moved_out" if roll < 0.2 else "register_check_still_registered"
                simulate.try_fire(session, week, case, name, g, {})
            else:
                visit = {
                    "visited_on": (week.date - timedelta(days=2)).isoformat(),
                    "visitor_kind": "neighbourhood_police",
                    "visited_by": "wijkagent",
                    "family_found": True,
                    "parents_said": "no_education",
                    "remarks": "bench",
                }
                simulate.try_fire(session, week, case, "record_visit", g, visit)

    def cell_and_parket(session, week) -> None:  # type: ignore[no-untyped-def]
        for case in simulate.cases_in(session, "parket_review", "referred_to_parket"):
            if case.state == "parket_review":
                simulate.try_fire(
                    session, week, case, "refer_to_parket", simulate.OPERATORS[case.owner_community], {}
                )
            elif week.rng.random() < 0.3:
                simulate.try_fire(
                    session,
                    week,
                    case,
                    "parket_outcome",
                    parket,
                    {"outcome": week.rng.choice(["anti_truancy_contract", "proces_verbaal", "dismissed"])},
                )

    actors = [
        sim_cases.cross_check_answers,
        letters_simulate.family_replies,
        letters_simulate.verify_replies,
        print_room,
        gemeenten,
        cell_and_parket,
    ]
    counters: Counter[str] = Counter()
    wrng = random.Random(args.seed)
    with clock.frozen(start) as frozen:
        for number in range(1, args.weeks + 1):
            with session_scope() as session:
                t0 = time.perf_counter()
                tick = cases.tick(session)
                timings["tick"] += time.perf_counter() - t0
                for name, n in tick.fired.items():
                    counters[f"tick:{name}"] += n
                counters["tick:reminders"] += tick.reminders
                counters["tick:overdue"] += tick.overdue
                week = simulate.SimWeek(number, frozen.now().date(), frozen.now(), wrng, None, counters, tick)
                for actor in actors:
                    t0 = time.perf_counter()
                    actor(session, week)
                    session.commit()
                    timings[f"actor {actor.__name__}"] += time.perf_counter() - t0
            frozen.advance(days=7)
        with session_scope() as session:
            cases.tick(session)  # catch up with the last week
            t0 = time.perf_counter()
            idle = cases.tick(session)  # a second tick at the same moment: nothing is due any more
            timings["idle tick (nothing due)"] = time.perf_counter() - t0
            assert not idle.fired
            data = cases.funnel(session, system, "2025-2026")
            events = session.scalar(select(func.count()).select_from(CaseEvent))
            n_cases = session.scalar(select(func.count()).select_from(Case))

    transitions = sum(
        n for k, n in counters.items() if not k.startswith(("tick:reminders", "tick:overdue", "refused"))
    )
    total = sum(timings.values())
    scope = "all effects and guards" if args.with_effects else "engine only (cases.* effects and guards)"
    print(
        f"database: {engine.dialect.name}; {args.children:,} residual children; {args.weeks} weeks; {scope}"
    )
    print(
        f"opened {report['opened']:,} cases in {timings['open']:.2f} s "
        f"({report['opened'] / timings['open']:,.0f} cases/s); repeated open: "
        f"{timings['open again (no duplicates)']:.2f} s, 0 opened"
    )
    print(
        f"ticks: {timings['tick']:.2f} s over {args.weeks} ticks; an idle tick: "
        f"{timings['idle tick (nothing due)'] * 1000:.0f} ms"
    )
    for key in sorted(k for k in timings if k.startswith("actor")):
        print(f"{key:<32} {timings[key]:8.2f} s")
    print(
        f"{transitions:,} transitions fired, {events:,} events for {n_cases:,} cases; "
        f"{total:.1f} s in all ({transitions / total:,.0f} transitions/s overall)"
    )
    print(
        f"open at the end: {data['open']:,}; overdue: {data['overdue']:,}; closure reasons: "
        + ", ".join(f"{k} {v:,}" for k, v in sorted(data["closure_reasons"].items(), key=lambda kv: -kv[1]))
    )
    print(
        "refused (counted, not errors): "
        + (", ".join(f"{k} {v}" for k, v in counters.items() if k.startswith("refused")) or "none")
    )
    print(f"peak memory: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
