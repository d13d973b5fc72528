"""The cell's parket decision and the parket itself in the demo's simulated weeks.

The owning community's operator looks at each case back from the home visit: a visit that found
the child enrolled or home-educated closes the case (evidence: the visit report), a few have
specific problems and are not referred, the rest are referred (the guards decide whether the file
is complete). The parket takes a few weeks per file and sometimes returns one for more information.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.auth.models import Role
from service.auth.service import Actor
from service.cases.models import Case
from service.cases.service import TransitionRefused
from service.gemeenten.service import visit_for
from sim.procedure.weeks import OPERATORS, SimWeek, simulated_actor, try_fire

PARKET = Actor("sim-parket-magistrate", Role.PARKET_USER, None, "PARKET")
NOT_REFERRED = 0.08  # specific problems explain why no school was found yet
PARKET_WEEKLY = 0.18  # chance the parket decides a file it has had for at least 3 weeks
OUTCOMES = [("anti_truancy_contract", 50), ("proces_verbaal", 22), ("dismissed", 16), ("returned", 12)]
REASSIGN = 0.8  # the cell finds where to send a returned file; the rest it closes as untraceable


def _fire(
    session: Session,
    week: SimWeek,
    case: Case,
    transition: str,
    actor: Actor,
    payload: dict[str, Any],
    reason: str = "",
) -> bool:
    """Fire as a simulated user; a refused referral also counts what the file was missing."""
    refused = try_fire(session, week, case, transition, actor, payload, reason)
    if isinstance(refused, TransitionRefused):
        for item in refused.missing:
            key = "age margin" if "margin" in item else item.split(" (")[0]
            week.counters[f"refused:{transition}: {key}"] += 1
    return refused is None


@simulated_actor
def cell_parket_decision(session: Session, week: SimWeek) -> None:
    """Operators decide on cases back from the gemeente (parket_review) and on returned files."""
    cases = session.scalars(
        select(Case)
        .where(Case.state.in_(["parket_review", "gemeente_returned"]), Case.closed_at.is_(None))
        .order_by(Case.id)
    ).all()
    for case in cases:
        operator = OPERATORS[case.owner_community]
        if case.state == "gemeente_returned":
            if week.rng.random() < REASSIGN:
                _fire(
                    session,
                    week,
                    case,
                    "reassign_gemeente",
                    operator,
                    {"reason": "adres nagekeken / adresse vérifiée"},
                )
            else:
                _fire(
                    session,
                    week,
                    case,
                    "not_referred",
                    operator,
                    {"justification": "gezin onvindbaar / famille introuvable"},
                )
            continue
        visit = visit_for(session, case.id)
        said = visit.parents_said if visit is not None else None
        if said in ("enrolled", "home_education") and visit is not None:
            reason = "enrolled" if said == "enrolled" else "home_education"
            payload = {"reason": reason, "school_name": visit.school_name or "", "evidence": "visit report"}
            _fire(session, week, case, "close", operator, payload, reason="huisbezoek / visite à domicile")
        elif week.rng.random() < NOT_REFERRED:
            _fire(
                session,
                week,
                case,
                "not_referred",
                operator,
                {"justification": "specifieke problematiek / problématique spécifique"},
            )
        else:
            _fire(session, week, case, "refer_to_parket", operator, {})


@simulated_actor
def parket_magistrate(session: Session, week: SimWeek) -> None:
    """The parket decides some of the files it has had for three weeks or more."""
    cases = session.scalars(
        select(Case)
        .where(
            Case.state == "referred_to_parket",
            Case.state_entered_at <= week.now - timedelta(weeks=3),
        )
        .order_by(Case.id)
    ).all()
    for case in cases:
        if week.rng.random() >= PARKET_WEEKLY:
            continue
        outcome = week.rng.choices([o for o, _ in OUTCOMES], weights=[w for _, w in OUTCOMES])[0]
        if outcome == "returned":
            _fire(
                session, week, case, "parket_return", PARKET, {"reason": "schoolverleden / parcours scolaire"}
            )
        else:
            _fire(session, week, case, "parket_outcome", PARKET, {"outcome": outcome})
