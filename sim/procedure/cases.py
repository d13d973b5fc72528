"""The cases part's simulated people: the other community's cross-check answers and the late lists.

Also the demo's cases step: open a case per residual child, run the simulated weeks, print the funnel.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from rich.table import Table
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service.auth.service import Actor
from service.cases.cli import print_funnel
from service.cases.models import Case
from service.cases.service import funnel, open_cases_for_run
from service.cli.common import cli_actor, console
from service.core import clock
from service.core.db import session_scope
from service.ingest.models import SourceKind
from service.ingest.service import IngestRejected, ingest_file
from sim.procedure.weeks import OPERATORS, SimWeek, cases_in, load_actors, simulate, simulated_actor, try_fire

log = logging.getLogger(__name__)

OTHER = {"nl": "fr", "fr": "nl"}

# Weekly chances, chosen to give a plausible funnel (the report gives no figures per stage).
CROSS_CHECK_FOUND = 0.05  # the other community finds the child in its live records
CROSS_CHECK_ANSWERED = 0.6  # ... or answers "not found" before the window closes

# The lists that arrive after the reference date (file of the synthetic year, kind, source).
LATE_FILES: list[tuple[str, SourceKind, str | None]] = [
    ("late_private_school.xlsx", SourceKind.EXEMPTION, "late-private-school"),
]


@simulated_actor
def cross_check_answers(session: Session, week: SimWeek) -> None:
    """The other community searches its live records for the cases in the cross-check."""
    for case in cases_in(session, "cross_check"):
        if case.state_entered_at > week.now - timedelta(days=6):
            continue  # the request arrived this week
        other = OPERATORS[OTHER[case.owner_community]]
        roll = week.rng.random()
        if roll < CROSS_CHECK_FOUND:
            school = f"School {week.rng.randint(100, 999)}"
            try_fire(session, week, case, "cross_check_found", other, {"school_name": school})
        elif roll < CROSS_CHECK_FOUND + CROSS_CHECK_ANSWERED:
            try_fire(session, week, case, "cross_check_not_found", other, {})


@simulated_actor
def late_lists(session: Session, week: SimWeek) -> None:
    """The late lists of the demo year (a private school's pupils) arrive in week 6."""
    if week.number != 6 or week.ctx is None:
        return
    for name, kind, source in LATE_FILES:
        path = week.ctx.data_dir / name
        if not path.exists():
            continue
        before = _open_count(session)
        try:
            ingest_file(
                session, kind, path, week.ctx.school_year, Actor.system("sim-late-list"), source=source
            )
        except IngestRejected as exc:
            week.counters["late list rejected"] += 1
            log.warning("simulation: late list %s rejected: %s", name, exc)
            continue
        week.counters["late list: cases cleared"] += before - _open_count(session)


def _open_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Case).where(Case.closed_at.is_(None))) or 0


# -- the demo step ---------------------------------------------------------------------------

DEMO_WEEKS = 40  # from the reference date (October) to the end of the school year


def demo_step(ctx: Any) -> None:
    """`tandem demo`: open the cases of the linkage run, simulate the procedure, print the funnel."""
    run_id = ctx.state.get("run_id")
    if run_id is None:
        console.print(
            "[yellow]cases: skipped: no linkage run in this demo (ctx.state has no run_id)[/yellow]"
        )
        return
    start = datetime.combine(ctx.reference_date, datetime.min.time(), tzinfo=UTC) + timedelta(days=7, hours=9)
    with clock.frozen(start), session_scope() as session:
        report = open_cases_for_run(session, run_id, cli_actor())
    console.print(
        f"cases: opened {report.get('opened', 0):,} for the {report['residual']:,} residual children of run "
        f"{run_id} ({report.get('already_has_case_this_year', 0):,} already had a case this year)"
    )
    actors = load_actors()
    console.print(
        f"simulating {DEMO_WEEKS} weeks with: {', '.join(a.__module__.split('.')[-1] + '.' + a.__name__ for a in actors)}"
    )
    counters = simulate(DEMO_WEEKS, start, seed=ctx.seed, ctx=ctx)
    table = Table("what happened", "times", title="The simulated weeks")
    for key, n in sorted(counters.items()):
        table.add_row(key, f"{n:,}")
    console.print(table)
    with clock.frozen(start + timedelta(weeks=DEMO_WEEKS)), session_scope() as session:
        data = funnel(session, cli_actor(), ctx.school_year)
    print_funnel(data, title=f"Funnel after {DEMO_WEEKS} weeks")
    ctx.state["funnel"] = data
