"""The reasons the system writes on a case's timeline leave the cell (the parket's dossier shows
them), so they are in Dutch and French, never the engine's English."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.cases import service as cases
from service.cases.models import CaseEvent
from service.core import clock
from tests.cases.conftest import MakeCases, walk_to


def _reasons(session: Session, case_id: int, kind: str) -> list[str]:
    query = select(CaseEvent.reason).where(CaseEvent.case_id == case_id, CaseEvent.kind == kind)
    return list(session.scalars(query.order_by(CaseEvent.id)))


def test_timer_reminder_and_overdue_reasons_are_dutch_and_french(
    session: Session, make_cases: MakeCases, clock_at: clock.FrozenClock
) -> None:
    case, ticked = make_cases(2)
    walk_to(session, case, "gemeente_register_check")
    session.refresh(ticked)
    assert ticked.state == "residual"
    cases.tick(session)  # the residual list's 0-day timer starts the cross-check
    started = session.scalar(
        select(CaseEvent.reason).where(
            CaseEvent.case_id == ticked.id, CaseEvent.transition == "start_cross_check"
        )
    )
    assert started == "Restlijst: 0 dagen verstreken / Liste résiduelle : 0 jours écoulés"

    assert case.due_at is not None
    clock_at.set(case.due_at - timedelta(days=1))
    cases.tick(session)
    (reminder,) = _reasons(session, case.id, "reminder")
    assert reminder == "termijn verstrijkt binnen 7 dagen of minder / le délai expire dans 7 jours ou moins"
    clock_at.set(case.due_at + timedelta(days=1))
    cases.tick(session)
    assert _reasons(session, case.id, "overdue") == ["termijn verstreken / délai dépassé"]
