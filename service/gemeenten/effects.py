"""Workflow effects of the gemeente step, named in workflows/absolute_truancy.yaml.

The engine calls `service.gemeenten.effects.<name>(session, case, event, actor)` after the state
change, in the same transaction: an assignment and its notification exist exactly when the
transition that made them does.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from service.auth.service import Actor
from service.cases import service as cases
from service.gemeenten import service

Case, CaseEvent = cases.Case, cases.CaseEvent


def create_assignment(session: Session, case: Case, event: CaseEvent | None, actor: Actor) -> None:
    """On entering a gemeente state: assign the step to the gemeente of the domicile."""
    service.create_assignment(session, case, actor)


def record_register_check(session: Session, case: Case, event: CaseEvent | None, actor: Actor) -> None:
    """A register-check transition: keep the gemeente's structured answer on its assignment."""
    if event is not None and event.transition:
        service.answer_register_check(session, case, event.transition, _payload(event), actor)


def record_visit(session: Session, case: Case, event: CaseEvent | None, actor: Actor) -> None:
    """`record_visit`: store the visit report and close the home-visit assignment."""
    service.record_visit(session, case, _payload(event), actor)


def return_assignment(session: Session, case: Case, event: CaseEvent | None, actor: Actor) -> None:
    """`send_back`: the gemeente returns the case with a reason; the owning community is told."""
    payload = _payload(event)
    reason = (event.reason if event is not None else "") or str(payload.get("reason") or "")
    service.return_assignment(session, case, reason, payload, actor)


def withdraw_assignment(session: Session, case: Case, event: CaseEvent | None, actor: Actor) -> None:
    """The case left the gemeente step without the gemeente's answer (a late list cleared it, age
    ended, the cell closed it): withdraw the pending assignment and tell the gemeente."""
    why = service.WITHDRAWAL_REASONS.get(event.transition or "" if event is not None else "", "case_closed")
    service.withdraw_assignment(session, case, why, actor)


def send_reminder(session: Session, case: Case, event: CaseEvent | None, actor: Actor) -> None:
    """The tick's reminder before a gemeente deadline."""
    service.send_reminder(session, case, actor)


def _payload(event: CaseEvent | None) -> dict[str, Any]:
    return dict(event.payload or {}) if event is not None else {}
