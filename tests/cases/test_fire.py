"""fire(): who may fire what (the role matrix), payload rules, optimistic locking, concurrency."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from service.auth.models import Role
from service.auth.service import Actor
from service.cases import service as cases
from service.cases.models import Case
from service.cases.service import TransitionRefused
from service.cases.workflow import get_workflow
from service.core import db
from service.core.errors import Conflict, Forbidden, NotFound
from service.gemeenten.models import Assignment
from tests.cases.conftest import FR, NL, SYSTEM, auditor, cell, gemeente, parket, walk, walk_to

# Everyone who might try, for a case owned by the nl community in gemeente 21004.
ACTORS: dict[str, Actor] = {
    "system": SYSTEM,
    "owner_operator": cell("nl"),
    "owner_admin": cell("nl", Role.CELL_ADMIN),
    "other_operator": cell("fr"),
    "other_admin": cell("fr", Role.CELL_ADMIN),
    "case_gemeente": gemeente("21004"),
    "other_gemeente": gemeente("21015"),
    "parket": parket(),
    "auditor": auditor(),
}
OWNER = {"system", "owner_operator", "owner_admin"}
OTHER = {"system", "other_operator", "other_admin"}
CELL = OWNER | OTHER
SYS = {"system"}
GEM = {"case_gemeente"}
PARKET = {"parket"}

# Who may fire each transition, as agreed in the workflow contract (independent of the YAML).
EXPECTED: dict[str, set[str]] = {
    "start_cross_check": OWNER,
    "cross_check_found": OTHER,
    "cross_check_not_found": OTHER,
    "cross_check_expired": SYS,
    "late_info_expired": SYS,
    "start_letters": OWNER,
    "send_letter_1": OWNER,
    "letter_1_expired": SYS,
    "send_letter_2": OWNER,
    "letter_2_expired": SYS,
    "record_reply": CELL,
    "verify_reply": OWNER,
    "reply_insufficient": OWNER,
    "returned_mail": CELL,
    "register_check_still_registered": GEM,
    "register_check_moved_within_brussels": GEM,
    "register_check_moved_out": GEM,
    "register_check_moved_abroad": GEM,
    "register_check_deceased": GEM,
    "record_visit": GEM,
    "send_back": GEM,
    "reassign_gemeente": CELL,
    "refer_to_parket": OWNER,
    "not_referred": OWNER,
    "not_referred_age_margin": SYS,
    "parket_outcome": PARKET,
    "parket_return": PARKET,
    "late_list_match": SYS,
    "linkage_match": SYS,
    "age_ended": SYS,
    "close": OWNER,
    "reassign_owner": CELL,
}


def test_the_matrix_covers_every_transition() -> None:
    assert set(EXPECTED) == set(get_workflow().transitions)


def test_role_matrix(session: Session, make_cases, clock_at) -> None:  # type: ignore[no-untyped-def]
    """Every transition is refused (403, or 404 outside the actor's scope) for every actor not allowed."""
    [case] = make_cases(1)
    # Put it where the parket may see it, so every refusal is about the role: refusals come before
    # any state check, so the state itself does not matter here.
    case.state, case.referred_at = "referred_to_parket", clock_at.now()
    # The case gemeente sees the case only through an assignment it holds.
    session.add(
        Assignment(case_id=case.id, nis_code=case.nis_code, step="home_visit", assigned_at=clock_at.now())
    )
    session.commit()
    version = case.version
    wf = get_workflow()
    for name, allowed in EXPECTED.items():
        t = wf.transitions[name]
        for who, actor in ACTORS.items():
            if who in allowed:
                assert cases.may_fire(t, case, actor) is None, f"{who} should be allowed {name}"
                continue
            with pytest.raises((Forbidden, NotFound)) as refused:
                cases.fire(session, case.id, name, actor, {"reason": "x"})
            if who == "other_gemeente":
                assert isinstance(refused.value, NotFound)  # another gemeente's case does not exist for it
            else:
                assert isinstance(refused.value, Forbidden), f"{who} / {name}: {refused.value}"
    session.refresh(case)
    assert case.version == version and case.state == "referred_to_parket"


def test_parket_cannot_act_on_a_case_not_referred(session: Session, make_cases, clock_at) -> None:  # type: ignore[no-untyped-def]
    [case] = make_cases(1)
    walk_to(session, case, "parket_review")
    with pytest.raises(NotFound):
        cases.fire(session, case.id, "parket_outcome", parket(), {"outcome": "dismissed"})


def test_payload_rules(session: Session, make_cases, clock_at) -> None:  # type: ignore[no-untyped-def]
    [case] = make_cases(1)
    walk_to(session, case, "letter_1_sent")
    with pytest.raises(TransitionRefused, match="'answer'"):
        cases.fire(session, case.id, "record_reply", NL, {})
    with pytest.raises(TransitionRefused, match="one of enrolled"):
        cases.fire(session, case.id, "record_reply", NL, {"answer": "on holiday"})
    with pytest.raises(TransitionRefused, match="school_community"):
        cases.fire(session, case.id, "record_reply", NL, {"answer": "enrolled", "school_community": "mars"})
    with pytest.raises(Conflict, match="not possible from state 'letter_1_sent'"):
        cases.fire(session, case.id, "send_letter_2", NL)
    with pytest.raises(NotFound, match="unknown transition"):
        cases.fire(session, case.id, "teleport", NL)
    session.rollback()
    assert case.state == "letter_1_sent" and len(cases.timeline(session, case.id)) == 5


def test_reassign_owner_needs_a_reason_and_changes_who_acts(session: Session, make_cases, clock_at) -> None:  # type: ignore[no-untyped-def]
    [case] = make_cases(1)
    walk_to(session, case, "letter_1_due")
    entered = case.state_entered_at
    with pytest.raises(TransitionRefused, match="reason"):
        cases.fire(session, case.id, "reassign_owner", FR)
    cases.fire(session, case.id, "reassign_owner", FR, reason="the family writes in French")
    session.commit()
    assert case.owner_community == "fr" and case.state == "letter_1_due" and case.state_entered_at == entered
    event = cases.timeline(session, case.id)[-1]
    assert event.reason == "the family writes in French" and event.payload["from_community"] == "nl"
    with pytest.raises(Forbidden):
        cases.fire(session, case.id, "send_letter_1", NL)
    walk(session, case, [("send_letter_1", FR, {})])


def test_stale_version_is_a_conflict(session: Session, make_cases, clock_at) -> None:  # type: ignore[no-untyped-def]
    [case] = make_cases(1)
    with pytest.raises(Conflict, match="version"):
        cases.fire(session, case.id, "start_cross_check", NL, expected_version=case.version + 1)
    cases.fire(session, case.id, "start_cross_check", NL, expected_version=case.version)
    session.commit()
    assert case.version == 2


def test_two_concurrent_transitions_one_wins_one_conflicts(
    engine: Engine, session: Session, make_cases, clock_at
) -> None:  # type: ignore[no-untyped-def]
    """Two operators act on the same case at the same moment, each in their own connection."""
    if engine.dialect.name != "postgresql":
        pytest.skip("row-level concurrency is exercised on PostgreSQL, the production database")
    [case] = make_cases(1)
    barrier = threading.Barrier(2, timeout=10)
    outcome: dict[str, str] = {}

    def operator(name: str, transition: str, actor: Actor, payload: dict[str, str]) -> None:
        with db.session_factory(engine)() as own:
            mine = own.get(Case, case.id)
            assert mine is not None and mine.version == 1
            barrier.wait()  # both have read version 1
            try:
                cases.fire(own, mine, transition, actor, payload)
                own.commit()
                outcome[name] = "ok"
            except Conflict:
                own.rollback()
                outcome[name] = "conflict"

    threads = [
        threading.Thread(target=operator, args=("a", "start_cross_check", NL, {})),
        threading.Thread(
            target=operator, args=("b", "reassign_owner", FR, {"reason": "French-speaking family"})
        ),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert sorted(outcome.values()) == ["conflict", "ok"]
    session.expire_all()
    fresh = session.get(Case, case.id)
    assert fresh.version == 2
    events = cases.timeline(session, case.id)
    assert len(events) == 2  # opened + the winner; the loser left nothing behind
    loser = next(n for n, o in outcome.items() if o == "conflict")
    # nothing is lost: the loser reloads and acts again
    if loser == "a":  # the case now belongs to the French-speaking operators, who start the cross-check
        cases.fire(session, fresh.id, "start_cross_check", cell(fresh.owner_community))
    else:
        cases.fire(session, fresh.id, "reassign_owner", FR, {"reason": "French-speaking family"})
    session.commit()
    assert fresh.version == 3 and len(cases.timeline(session, case.id)) == 3


def test_every_transition_bumps_the_version(session: Session, make_cases, clock_at) -> None:  # type: ignore[no-untyped-def]
    """Even one that stays in its state, so a stale reader of that case gets a conflict."""
    [case] = make_cases(1)
    cases.fire(session, case.id, "reassign_owner", NL, {"reason": "test"})
    session.commit()
    assert case.version == 2 and case.state == "residual"


def test_a_reader_of_a_case_tick_flagged_meanwhile_gets_a_conflict(
    engine: Engine, session: Session, make_cases, clock_at
) -> None:  # type: ignore[no-untyped-def]
    """Tick's reminder and overdue flags are changes too: an operator acting on the older read loses."""
    [case] = make_cases(1)
    walk_to(session, case, "gemeente_register_check")
    with db.session_factory(engine)() as operator:
        stale = operator.get(Case, case.id)
        clock_at.advance(days=45)
        report = cases.tick(session)  # the reminder and the overdue flag
        assert report.reminders == 1 and report.overdue == 1
        with pytest.raises(Conflict):
            cases.fire(operator, stale, "register_check_still_registered", gemeente("21004"))
        operator.rollback()
        fresh = operator.get(Case, case.id)
        cases.fire(operator, fresh, "register_check_still_registered", gemeente("21004"))
        operator.commit()
        assert fresh.overdue_since is None and fresh.state == "gemeente_home_visit"
