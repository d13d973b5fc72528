"""The gemeente officers of the demo's simulated weeks (registered with `sim.procedure.weeks`).

Each gemeente works at its own pace (the report: files sent to gemeenten often come back late or
not at all), so some gemeenten fall behind and show on the overdue lists. Officers answer through
the workflow engine with the same payloads as the API, so every guard applies.
"""

from __future__ import annotations

import random
from functools import lru_cache
from typing import Any

from rich import box
from rich.table import Column, Table
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service.auth.models import Role
from service.auth.service import Actor
from service.cases.models import Case, CaseEvent
from service.cli.common import cli_actor, console
from service.core import clock
from service.core.db import session_scope
from service.core.reference import gemeenten
from service.gemeenten import service as gemeenten_service
from service.gemeenten.cli import write_worklist
from service.gemeenten.models import Assignment, AssignmentStatus, Gemeente, Step
from service.gemeenten.service import default_visitor
from service.parket.models import Referral
from service.parket.service import referral_dir
from sim.generate.places import box as make_box
from sim.generate.places import brussels_places, house_number
from sim.procedure.weeks import SimWeek, pick, simulated_actor, try_fire

# Weekly chance that a gemeente deals with an open assignment, drawn once per gemeente (seeded).
PACE_RANGE = (0.08, 0.45)
REGISTER_ANSWERS = [  # (answer, weight)
    ("still_registered", 70),
    ("moved_within_brussels", 8),
    ("moved_out", 7),
    ("moved_abroad", 9),
    ("deceased", 1),
    ("send_back", 5),
]
PARENTS_SAID = [("no_education", 40), ("enrolled", 22), ("refused", 15), ("other", 15), ("home_education", 8)]
FAMILY_FOUND = 0.75


def officer(nis_code: str) -> Actor:
    return Actor(f"sim-officer-{nis_code}", Role.GEMEENTE_USER, None, nis_code, None, nis_code)


@lru_cache
def _pace(seed: int) -> dict[str, float]:
    rng = random.Random(seed * 7919)
    return {nis: round(rng.uniform(*PACE_RANGE), 3) for nis in sorted(gemeenten())}


@lru_cache
def _places(seed: int) -> Any:
    return brussels_places(random.Random(seed * 104729))


def new_address(nis_code: str, language: str, rng: random.Random, seed: int) -> dict[str, str]:
    """A plausible address in gemeente `nis_code` (one of its streets and postcodes), as an officer
    reports it after finding the family registered there."""
    places = _places(seed)
    return {
        "street": rng.choice(places.streets[nis_code]).label(language),
        "house_number": house_number(rng),
        "box": make_box(rng),
        "postcode": places.postcode(nis_code, rng),
    }


@simulated_actor
def gemeente_officers(session: Session, week: SimWeek) -> None:
    """Each gemeente answers some of its open assignments this week, at its own pace."""
    seed = week.ctx.seed if week.ctx is not None else 7
    pace = _pace(seed)
    nis_codes = list(session.scalars(select(Gemeente.nis_code)))
    open_tasks = session.execute(
        select(Assignment, Case)
        .join(Case, Case.id == Assignment.case_id)
        .where(Assignment.status == AssignmentStatus.OPEN, Case.closed_at.is_(None))
        .order_by(Assignment.id)
    ).all()
    for task, case in open_tasks:
        if week.rng.random() >= pace.get(task.nis_code, 0.2):
            continue
        actor = officer(task.nis_code)
        if task.step == Step.REGISTER_CHECK and case.state == "gemeente_register_check":
            answer = pick(week.rng, REGISTER_ANSWERS)
            if answer == "send_back":
                try_fire(
                    session,
                    week,
                    case,
                    "send_back",
                    actor,
                    {"reason": "adres onbekend / adresse inconnue", "reason_code": "address_unknown"},
                    who="gemeente",
                )
            elif answer == "moved_within_brussels":
                new = week.rng.choice([n for n in nis_codes if n != case.nis_code])
                address = new_address(new, case.owner_community, week.rng, seed)
                try_fire(
                    session,
                    week,
                    case,
                    "register_check_moved_within_brussels",
                    actor,
                    {"answer": answer, "new_nis_code": new, "new_address": address},
                    who="gemeente",
                )
            else:
                try_fire(
                    session, week, case, f"register_check_{answer}", actor, {"answer": answer}, who="gemeente"
                )
        elif task.step == Step.HOME_VISIT and case.state == "gemeente_home_visit":
            found = week.rng.random() < FAMILY_FOUND
            payload: dict[str, Any] = {
                "visited_on": (week.date).isoformat(),
                "visitor_kind": default_visitor(session, task.nis_code),
                "family_found": found,
                "remarks": "(verslag / rapport)",
            }
            if found:
                said = pick(week.rng, PARENTS_SAID)
                payload["parents_said"] = said
                if said == "enrolled":
                    payload["school_name"] = f"School {week.rng.randint(100, 999)}"
            try_fire(session, week, case, "record_visit", actor, payload, who="gemeente")


# -- the demo's summary ----------------------------------------------------------------------


def demo_summary(ctx: Any) -> None:
    """`tandem demo`: per gemeente, assignments made, answered, overdue, and cases referred to the parket."""

    def per_gemeente(query: Any) -> dict[str, int]:
        return dict(session.execute(query).all())

    with session_scope() as session:
        if not session.scalar(select(func.count()).select_from(Assignment)):
            console.print("gemeenten: no case reached a gemeente in this demo")
            return
        end = session.scalar(select(func.max(CaseEvent.at))) or clock.now()  # the simulation's last day
        with clock.frozen(end):
            loads = {x.nis_code: x for x in gemeenten_service.overview(session, cli_actor())}
            by_nis = select(Assignment.nis_code, func.count()).group_by(Assignment.nis_code)
            made = per_gemeente(by_nis)
            reminded = per_gemeente(by_nis.where(Assignment.reminder_sent_at.is_not(None)))
            referrals = select(Referral.nis_code, func.count()).group_by(Referral.nis_code)
            referred = per_gemeente(referrals)
            decided = per_gemeente(referrals.where(Referral.status == "decided"))
            numbers = [
                Column(h, justify="right", no_wrap=True)
                for h in ("made", "done", "open", "late", "max d", "rem.", "parket")
            ]
            table = Table(
                Column("NIS", no_wrap=True),
                Column("gemeente", overflow="fold"),
                *numbers,
                title=f"Gemeente assignments and parket referrals at {end:%d/%m/%Y}",
                box=box.SIMPLE_HEAD,
                caption="made: assignments given; done: answered; late: open past the due date; max d: days the "
                "latest one is overdue; rem.: reminders sent; parket: cases referred (decided)",
            )
            for nis, x in sorted(loads.items()):
                name = x.name_nl if x.name_nl == x.name_fr else f"{x.name_nl} / {x.name_fr}"
                table.add_row(
                    nis,
                    name,
                    str(made.get(nis, 0)),
                    str(x.answered),
                    str(x.open),
                    f"[red]{x.overdue}[/red]" if x.overdue else "0",
                    str(x.most_overdue_days or "-"),
                    str(reminded.get(nis, 0)),
                    f"{referred.get(nis, 0)} ({decided.get(nis, 0)})",
                )
            table.add_row(
                "",
                "total",
                str(sum(made.values())),
                str(sum(x.answered for x in loads.values())),
                str(sum(x.open for x in loads.values())),
                str(sum(x.overdue for x in loads.values())),
                str(max(x.most_overdue_days for x in loads.values()) or "-"),
                str(sum(reminded.values())),
                f"{sum(referred.values())} ({sum(decided.values())})",
                style="bold",
            )
            console.print(table)
            console.print(
                f"gemeenten: {sum(x.handed_over for x in loads.values())} assignments handed over after a move "
                f"within Brussels, {sum(x.returned for x in loads.values())} sent back to the cell, "
                f"{sum(x.withdrawn for x in loads.values())} withdrawn (late list, age, closure)"
            )
            out = ctx.output_dir / "worklists"
            behind = [x.nis_code for x in loads.values() if x.open][
                :3
            ]  # the overview puts the most behind first
            for nis in behind:
                write_worklist(session, nis, out)
    console.print(
        f"gemeenten: work lists (CSV + PDF) of the {len(behind)} gemeenten most behind in {out}; "
        f"parket case files (ZIP: PDF + JSON + manifest) in {referral_dir()}"
    )
