"""The simulated weeks of the demo (and of bench/cases.py): tick, then every simulated actor.

The people of each part of the procedure are simulated in `sim/procedure/<domain>.py`, each by a
function appended to `SIMULATED_ACTORS` (decorate it with `@simulated_actor`); `load_actors()`
imports those modules. An actor has the signature `actor(session, week: SimWeek) -> None` and fires
transitions through the engine like a real user would, so every rule of the workflow applies.
This module holds the clock, the registry and the helpers the actors share.
"""

from __future__ import annotations

import importlib
import logging
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
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
    """Import every part's `sim/procedure/<domain>.py` so its actors register themselves.

    The actors then run in the order of `SIMULATION_DOMAINS` (and of definition within a module),
    whichever module happened to be imported first.
    """
    for domain in SIMULATION_DOMAINS:
        importlib.import_module(f"{__package__}.{domain}")
    order = {f"{__package__}.{domain}": i for i, domain in enumerate(SIMULATION_DOMAINS)}
    SIMULATED_ACTORS.sort(key=lambda actor: order.get(actor.__module__, len(order)))
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


# -- what the actors share -------------------------------------------------------------------

OPERATORS = {
    "nl": Actor("sim-agodi-operator", Role.CELL_OPERATOR, None, "AGODI", "nl", None),
    "fr": Actor("sim-scos-operator", Role.CELL_OPERATOR, None, "SCOS", "fr", None),
}


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
