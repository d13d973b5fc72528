"""tick: timers, reminders, overdue flags and age, with time moved by a frozen clock."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.cases import service as cases
from service.cases.models import Case, CaseEvent
from service.cases.workflow import DEFAULT_FILE, load_workflow, using_workflow
from tests.cases.conftest import SYSTEM, G, walk, walk_to


def _events(session: Session, case: Case, kind: str) -> list[CaseEvent]:
    return list(
        session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.kind == kind))
    )


def test_timers_carry_an_unanswered_case_to_the_gemeente(session: Session, make_cases, clock_at) -> None:  # type: ignore[no-untyped-def]
    [case] = make_cases(1)
    seen = []
    cases.tick(session)
    seen.append(case.state)  # 0-day timer: the cross-check starts at once
    clock_at.advance(days=21)
    cases.tick(session)
    seen.append(case.state)
    clock_at.advance(days=14)
    cases.tick(session)
    seen.append(case.state)
    wf = load_workflow(DEFAULT_FILE)
    reply_wait = wf.timer_delay(wf.states["letter_1_sent"].timer).days  # window + grace for the post
    walk(session, case, [("send_letter_1", SYSTEM, {})])
    clock_at.advance(days=reply_wait - 1)
    cases.tick(session)
    seen.append(case.state)  # one day before the reply timer fires
    clock_at.advance(days=1)
    cases.tick(session)
    seen.append(case.state)
    walk(session, case, [("send_letter_2", SYSTEM, {})])
    clock_at.advance(days=wf.timer_delay(wf.states["letter_2_sent"].timer).days)
    cases.tick(session)
    seen.append(case.state)
    assert seen == [
        "cross_check",
        "late_info_check",
        "letter_1_due",
        "letter_1_sent",
        "letter_2_due",
        "gemeente_register_check",
    ]
    fired_by = {e.transition: e.actor for e in cases.timeline(session, case.id) if e.transition}
    assert fired_by["letter_1_expired"] == "tick" and fired_by["send_letter_1"] == "test"


def test_tick_is_idempotent(session: Session, make_cases, clock_at) -> None:  # type: ignore[no-untyped-def]
    made = make_cases(3)
    first = cases.tick(session)
    assert first.fired == {"start_cross_check": 3}
    events = len(session.scalars(select(CaseEvent)).all())
    for _ in range(3):
        again = cases.tick(session)
        assert again.as_dict() == {"fired": {}, "reminders": 0, "overdue": 0, "conflicts": 0, "errors": 0}
    assert len(session.scalars(select(CaseEvent)).all()) == events
    assert {c.state for c in made} == {"cross_check"}


def test_reminder_before_the_gemeente_deadline_then_overdue(session: Session, make_cases, clock_at) -> None:  # type: ignore[no-untyped-def]
    calls: list[tuple[int, str]] = []

    def spy(session: Session, case: Case, event: CaseEvent, actor: object) -> None:
        calls.append((case.id, event.kind))

    wf = load_workflow(DEFAULT_FILE)
    state = "gemeente_register_check"
    wf.reminder_effects[state] = (*wf.reminder_effects[state], ("test.spy", spy))
    deadline = wf.days(wf.states[state].deadline.days)
    before = wf.days(wf.states[state].deadline.reminder_before_days)
    with using_workflow(wf):
        [case, other] = make_cases(2)
        walk_to(session, case, state)
        walk_to(session, other, state)
        walk(session, other, [("register_check_still_registered", G, {})])
        assert case.due_at == clock_at.now() + timedelta(days=deadline)
        clock_at.advance(days=deadline - before - 1)
        assert cases.tick(session).reminders == 0
        clock_at.advance(days=1)
        report = cases.tick(session)
        assert report.reminders == 1 and calls == [(case.id, "reminder")]
        assert cases.tick(session).reminders == 0  # one reminder per deadline
        assert cases.list_cases(session, SYSTEM, cases.CaseFilter(overdue=True))[0] == 0
        clock_at.advance(days=before)
        report = cases.tick(session)
        assert report.overdue == 1 and case.overdue_since == clock_at.now()
        total, overdue = cases.list_cases(session, SYSTEM, cases.CaseFilter(overdue=True))
        assert total == 1 and overdue[0].id == case.id
        assert cases.tick(session).overdue == 0
    assert [e.kind for e in cases.timeline(session, case.id)][-2:] == ["reminder", "overdue"]
    assert len(_events(session, case, "reminder")) == 1


def test_age_ending_mid_procedure_closes_at_the_next_tick(session: Session, make_cases, clock_at) -> None:  # type: ignore[no-untyped-def]
    """A young person turning 18 on 20 January 2026: compulsory-school age ends on the 19th."""
    from datetime import UTC, date, datetime

    [old] = make_cases(1, birth_date=date(2008, 1, 20), nn_hash="old")
    [young] = make_cases(1, birth_date=date(2014, 1, 20), nn_hash="young")
    assert old.compulsory_ends_on == date(2026, 1, 19)
    walk_to(session, old, "letter_1_sent")
    walk_to(session, young, "letter_1_sent")
    clock_at.set(datetime(2026, 1, 19, 23, 0, tzinfo=UTC))
    cases.tick(session)
    assert old.state == young.state == "letter_2_due"  # the reply window ran out meanwhile
    clock_at.advance(hours=2)  # 20 January
    report = cases.tick(session)
    assert old.state == "closed" and old.closure_reason == "compulsory_age_ended"
    assert young.state == "letter_2_due" and report.fired == {"age_ended": 1}


def test_open_records_the_end_of_compulsory_age(session: Session, make_cases, clock_at) -> None:  # type: ignore[no-untyped-def]
    from datetime import date

    [case] = make_cases(1, birth_date=date(2009, 8, 15), nn_hash="x1")
    assert case.compulsory_ends_on == date(2027, 6, 30)  # 18 after 30 June: ends on 30 June


def test_closed_cases_are_left_alone(session: Session, make_cases, clock_at) -> None:  # type: ignore[no-untyped-def]
    [case] = make_cases(1)
    walk(session, case, [("close", SYSTEM, {"reason": "duplicate", "duplicate_of": 99})])
    case.compulsory_ends_on = clock_at.now().date() - timedelta(days=10)
    session.commit()
    clock_at.advance(days=400)
    assert cases.tick(session).as_dict()["fired"] == {}


def test_one_failing_case_does_not_stop_the_others(session: Session, make_cases, clock_at) -> None:  # type: ignore[no-untyped-def]
    """An effect refusing for one case rolls back that case alone (its savepoint); the rest move on."""
    import dataclasses

    from service.core.errors import TandemError

    made = make_cases(3)
    victim = made[1]

    def refuse(session: Session, case: Case, event: CaseEvent, actor: object) -> None:
        if case.id == victim.id:
            raise TandemError("the print room is on fire")

    wf = load_workflow(DEFAULT_FILE)
    t = wf.transitions["start_cross_check"]
    wf.transitions["start_cross_check"] = dataclasses.replace(
        t, effects=(*t.effects, ("test.refuse", refuse))
    )
    with using_workflow(wf):
        report = cases.tick(session)
    assert report.errors == 1 and report.fired == {"start_cross_check": 2}
    session.expire_all()
    assert [session.get(Case, c.id).state for c in made] == ["cross_check", "residual", "cross_check"]
    assert [e.kind for e in cases.timeline(session, victim.id)] == ["opened"]
    assert cases.tick(session).fired == {"start_cross_check": 1}  # the next tick tries it again
