"""Workflow effects of the parket step, named in workflows/absolute_truancy.yaml."""

from __future__ import annotations

from sqlalchemy.orm import Session

from service.auth.service import Actor
from service.cases.service import Case, CaseEvent
from service.core import clock
from service.core.labels import fmt_date
from service.gemeenten.service import case_reference
from service.notifications import service as notifications
from service.parket import service
from service.parket.models import Outcome


def create_referral(session: Session, case: Case, event: CaseEvent | None, actor: Actor) -> None:
    """`refer_to_parket`: build the case file (PDF + JSON + manifest in a ZIP) and tell the parket."""
    service.create_referral(session, case, actor, event.at if event is not None else None)


def record_outcome(session: Session, case: Case, event: CaseEvent | None, actor: Actor) -> None:
    """`parket_outcome`: the parket's decision closes the case; the owning community is told."""
    payload = event.payload if event is not None else {}
    at = event.at if event is not None else clock.now()
    note = (event.reason if event is not None else "") or str(payload.get("note") or "")
    service.record_outcome(session, case, str(payload["outcome"]), note, actor, at)


def record_return(session: Session, case: Case, event: CaseEvent | None, actor: Actor) -> None:
    """`parket_return`: the parket asks for more information; the case is back in parket_review."""
    payload = event.payload if event is not None else {}
    at = event.at if event is not None else clock.now()
    note = str(payload.get("reason") or (event.reason if event is not None else "") or "")
    service.record_outcome(session, case, Outcome.RETURNED, note, actor, at)


def withdraw_referral(session: Session, case: Case, event: CaseEvent | None, actor: Actor) -> None:
    """The case closed before the parket decided (a late list, age ended): the parket need not act."""
    service.withdraw_referral(session, case, event.transition if event is not None else None, actor)


def send_reminder(session: Session, case: Case, event: CaseEvent | None, actor: Actor) -> None:
    """Before the parket's deadline: remind the parket that the referral waits for its decision."""
    due = fmt_date(case.due_at)
    notifications.notify(
        session, "PARKET", "parket_reminder", case.id, reference=case_reference(session, case), due_on=due
    )
