"""The simulated weeks of the demo (and of bench/cases.py): tick, then every simulated actor.

Each part of the product simulates its own people by appending a function to `SIMULATED_ACTORS`
(decorate it with `@simulated_actor`) in `service/<domain>/simulate.py`; `load_actors()` imports
those modules. An actor has the signature `actor(session, week: SimWeek) -> None` and fires
transitions through the engine like a real user would, so every rule of the workflow applies.
This module holds the cases part's actors: the other community's cross-check answers, the
families' replies to the letters, and the operators' verification of those replies.
"""

from __future__ import annotations

import importlib
import logging
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from service.auth.models import Role
from service.auth.service import Actor
from service.cases.models import Case
from service.cases.service import TickReport, fire, tick
from service.core import clock
from service.core.db import session_scope
from service.core.errors import TandemError

log = logging.getLogger(__name__)

SIMULATION_DOMAINS = ("cases", "letters", "gemeenten", "parket", "notifications")


@dataclass
class SimWeek:
    number: int  # 1, 2, ...
    date: date  # the Monday of the simulated week
    now: datetime
    rng: random.Random
    ctx: Any = None  # the DemoContext when run by `tandem demo` (data_dir, output_dir, state)
    counters: Counter[str] = field(default_factory=Counter)  # what the actors did, for the summary
    tick: TickReport | None = None


SimActor = Callable[[Session, SimWeek], None]
SIMULATED_ACTORS: list[SimActor] = []


def simulated_actor(fn: SimActor) -> SimActor:
    """Register `fn` as a simulated actor (once)."""
    if fn not in SIMULATED_ACTORS:
        SIMULATED_ACTORS.append(fn)
    return fn


def load_actors() -> list[SimActor]:
    """Import every part's `service/<domain>/simulate.py` so its actors register themselves."""
    for domain in SIMULATION_DOMAINS:
        name = f"service.{domain}.simulate"
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
    return list(SIMULATED_ACTORS)


def simulate(
    weeks: int,
    start: datetime,
    *,
    seed: int = 7,
    ctx: Any = None,
    engine: Engine | None = None,
    on_week: Callable[[SimWeek], None] | None = None,
) -> Counter[str]:
    """Run `weeks` simulated weeks from `start` with a frozen clock; returns the actors' counters."""
    rng = random.Random(seed)
    counters: Counter[str] = Counter()
    with clock.frozen(start) as frozen:
        for number in range(1, weeks + 1):
            with session_scope(engine) as session:
                report = tick(session)
                for name, n in report.fired.items():
                    counters[f"tick:{name}"] += n
                counters["tick:reminders"] += report.reminders
                counters["tick:overdue"] += report.overdue
                week = SimWeek(number, frozen.now().date(), frozen.now(), rng, ctx, counters, report)
                for actor in list(SIMULATED_ACTORS):
                    actor(session, week)
                    session.commit()
            if on_week:
                on_week(week)
            frozen.advance(days=7)
    return counters


# -- the cases part's actors -----------------------------------------------------------------

OPERATORS = {
    "nl": Actor("sim-agodi-operator", Role.CELL_OPERATOR, None, "AGODI", "nl", None),
    "fr": Actor("sim-scos-operator", Role.CELL_OPERATOR, None, "SCOS", "fr", None),
}
OTHER = {"nl": "fr", "fr": "nl"}

# Weekly chances, chosen to give a plausible funnel (the report gives no figures per stage).
CROSS_CHECK_FOUND = 0.05  # the other community finds the child in its live records
CROSS_CHECK_ANSWERED = 0.6  # ... or answers "not found" before the window closes


def pick(rng: random.Random, weighted: list[tuple[str, int]]) -> str:
    """One value of a list of (value, weight)."""
    return rng.choices([v for v, _ in weighted], weights=[w for _, w in weighted])[0]


def cases_in(session: Session, *states: str) -> list[Case]:
    return list(
        session.scalars(
            select(Case).where(Case.state.in_(states), Case.closed_at.is_(None)).order_by(Case.id)
        )
    )


def attempt(
    session: Session, week: SimWeek, label: str, action: Callable[..., object], *args: Any, **kwargs: Any
) -> TandemError | None:
    """Run one simulated user action, `action(*args, **kwargs)`, and commit it.

    A refusal is part of the story: it is counted (`refused:<label>`) and returned; the year goes on.
    """
    try:
        action(*args, **kwargs)
        session.commit()
    except TandemError as exc:
        session.rollback()
        week.counters[f"refused:{label}"] += 1
        log.debug("simulation: %s refused: %s", label, exc)
        return exc
    return None


def try_fire(
    session: Session,
    week: SimWeek,
    case: Case,
    transition: str,
    actor: Actor,
    payload: dict[str, Any],
    reason: str = "",
    who: str | None = None,
) -> TandemError | None:
    """Fire a transition as a simulated user; counted as `<who>: <transition>` when it succeeds."""
    refused = attempt(
        session, week, transition, fire, session, case, transition, actor, payload, reason=reason
    )
    if refused is None:
        week.counters[f"{who or actor.organisation_code}: {transition}"] += 1
    return refused


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
    from service.cli.demo import LATE_FILES
    from service.ingest.service import IngestRejected, ingest_file

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
    from rich.table import Table

    from service.cases.cli import print_funnel
    from service.cases.service import funnel, open_cases_for_run
    from service.cli.common import cli_actor, console

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
        f"simulating {DEMO_WEEKS} weeks with: {', '.join(a.__module__.split('.')[1] + '.' + a.__name__ for a in actors)}"
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
