"""The gemeente officers of the demo's simulated weeks (registered with `service.cases.simulate`).

Each gemeente works at its own pace (the report: files sent to gemeenten often come back late or
not at all), so some gemeenten fall behind and show on the overdue lists. Officers answer through
the workflow engine with the same payloads as the API, so every guard applies.
"""

from __future__ import annotations

import random
from functools import lru_cache
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.auth.models import Role
from service.auth.service import Actor
from service.cases.models import Case
from service.cases.simulate import SimWeek, pick, simulated_actor, try_fire
from service.gemeenten.models import Assignment, AssignmentStatus, Gemeente, Step
from service.gemeenten.service import default_visitor

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
    from service.core.reference import gemeenten

    rng = random.Random(seed * 7919)
    return {nis: round(rng.uniform(*PACE_RANGE), 3) for nis in sorted(gemeenten())}


@lru_cache
def _places(seed: int) -> Any:
    from service.generate.places import brussels_places

    return brussels_places(random.Random(seed * 104729))


def new_address(nis_code: str, language: str, rng: random.Random, seed: int) -> dict[str, str]:
    """A plausible address in gemeente `nis_code` (one of its streets and postcodes), as an officer
    reports it after finding the family registered there."""
    from service.generate.places import box, house_number

    places = _places(seed)
    return {
        "street": rng.choice(places.streets[nis_code]).label(language),
        "house_number": house_number(rng),
        "box": box(rng),
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
