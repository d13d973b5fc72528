"""Timers and deadlines: `tick` fires whatever is due now, case by case, each in its own savepoint.

Idempotent and safe every few minutes (time from service.core.clock); a tick interrupted halfway
keeps complete units of work and the next tick carries on.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from service.auth.service import Actor
from service.cases.engine import add_event, bump, fire, flush
from service.cases.models import Case
from service.cases.opening import chunks
from service.cases.workflow import Workflow, get_workflow
from service.core import clock, labels
from service.core.errors import Conflict, TandemError

log = logging.getLogger(__name__)

COMMIT_EVERY = 200  # cases per transaction in tick and bulk actions (each in its own savepoint)
OPEN = Case.closed_at.is_(None)


@dataclass
class TickReport:
    fired: Counter[str] = field(default_factory=Counter)
    reminders: int = 0
    overdue: int = 0
    conflicts: int = 0
    errors: int = 0
    failed: set[int] = field(default_factory=set)  # cases not retried within the same tick

    def as_dict(self) -> dict[str, Any]:
        return {
            "fired": dict(self.fired),
            "reminders": self.reminders,
            "overdue": self.overdue,
            "conflicts": self.conflicts,
            "errors": self.errors,
        }


def _each(session: Session, query: Select[Any], report: TickReport, action: Callable[[Case], None]) -> None:
    """Apply `action(case)` to each case the query returns, each case in its own savepoint.

    One case failing (a concurrent change, an effect refusing) is rolled back alone and leaves the
    others untouched; the work is committed every `COMMIT_EVERY` cases.
    """
    ids = list(session.scalars(query))
    for chunk in chunks(ids, COMMIT_EVERY):
        loaded = {c.id: c for c in session.scalars(select(Case).where(Case.id.in_(chunk)))}
        for case_id in chunk:
            case = loaded.get(case_id)
            if case is None or case_id in report.failed:
                continue
            try:
                with session.begin_nested():
                    action(case)
            except Conflict:
                report.conflicts += 1
                report.failed.add(case_id)
            except TandemError as exc:
                report.errors += 1
                report.failed.add(case_id)
                log.warning("tick: case %s: %s", case_id, exc)
        session.commit()


class _Tick:
    """One tick's context: the workflow, the actor, the time, and what was done."""

    def __init__(self, session: Session, wf: Workflow, actor: Actor) -> None:
        self.session, self.wf, self.actor = session, wf, actor
        self.report = TickReport()
        self.now = clock.now()

    def firing(self, name: str, reason: str) -> Callable[[Case], None]:
        def action(case: Case) -> None:
            fire(self.session, case, name, self.actor, reason=reason)
            self.report.fired[name] += 1

        return action

    def each(self, query: Select[Any], action: Callable[[Case], None]) -> None:
        _each(self.session, query.order_by(Case.id), self.report, action)

    def age(self) -> None:
        """Close cases whose child left compulsory-school age, and margin states within the margin."""
        wf, today = self.wf, self.now.date()
        self.each(
            select(Case.id).where(OPEN, Case.compulsory_ends_on < today),
            self.firing(wf.spec.age.ended, labels.reason("age_ended")),
        )
        if wf.spec.age.margin_fire and wf.spec.age.margin_states:
            limit = today + timedelta(days=wf.parket_margin_days)
            self.each(
                select(Case.id).where(
                    OPEN, Case.state.in_(wf.spec.age.margin_states), Case.compulsory_ends_on <= limit
                ),
                self.firing(
                    wf.spec.age.margin_fire,
                    labels.reason("age_margin", days=wf.parket_margin_days),
                ),
            )

    def timers(self) -> None:
        """Fire due timers, repeatedly, so a 0-day timer chains into the next state's."""
        timer_states = {name: s.timer for name, s in self.wf.states.items() if s.timer is not None}
        for _round in range(len(timer_states) + 1):
            before = sum(self.report.fired.values())
            for name, timer in timer_states.items():
                self.each(
                    select(Case.id).where(OPEN, Case.state == name, Case.due_at <= self.now),
                    self.firing(
                        timer.fire,
                        labels.reason(
                            "timer_elapsed",
                            state_nl=self.wf.states[name].label.nl,
                            state_fr=self.wf.states[name].label.fr,
                            days=self.wf.days(timer.after_days),
                        ),
                    ),
                )
            if sum(self.report.fired.values()) == before:
                break

    def _event(self, case: Case, kind: str, reason: str) -> Any:
        bump(case)
        payload = {"due_at": case.due_at.isoformat() if case.due_at else None, "state": case.state}
        event = add_event(self.session, case, kind, self.actor, payload, reason=reason)
        flush(self.session, case)
        return event

    def deadlines(self) -> None:
        """A reminder (with the state's reminder effects) before a deadline; overdue once it passed."""
        for name, s in self.wf.states.items():
            if s.deadline is None:
                continue
            days = self.wf.days(s.deadline.reminder_before_days)
            effects = self.wf.reminder_effects.get(name, ())

            def remind(case: Case, _effects: Any = effects, _days: int = days) -> None:
                case.reminded_at = self.now
                event = self._event(case, "reminder", labels.reason("deadline_near", days=_days))
                for _name, effect in _effects:
                    effect(self.session, case, event, self.actor)
                flush(self.session, case)
                self.report.reminders += 1

            def flag(case: Case) -> None:
                case.overdue_since = self.now
                self._event(case, "overdue", labels.reason("deadline_passed"))
                self.report.overdue += 1

            in_state = (OPEN, Case.state == name)
            soon = self.now + timedelta(days=days)
            self.each(
                select(Case.id).where(*in_state, Case.reminded_at.is_(None), Case.due_at <= soon), remind
            )
            self.each(
                select(Case.id).where(*in_state, Case.overdue_since.is_(None), Case.due_at <= self.now), flag
            )


def tick(session: Session, actor: Actor | None = None) -> TickReport:
    """Fire whatever is due now (time from service.core.clock); idempotent, safe every few minutes.

    In order: close cases whose child left compulsory-school age; close cases in the parket margin
    states whose age ends within the margin; fire due timers (repeatedly, so a 0-day timer chains);
    add a reminder event (and run the reminder effects) before a deadline; flag overdue cases.
    """
    run = _Tick(session, get_workflow(), actor or Actor.system("tick"))
    run.age()
    run.timers()
    run.deadlines()
    session.commit()
    return run.report
