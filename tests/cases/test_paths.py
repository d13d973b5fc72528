"""Every path to every closure reason of the workflow file, walked through the engine."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from sqlalchemy.orm import Session

from service.cases import service as cases
from service.cases.models import Case
from service.cases.service import TransitionRefused
from service.cases.workflow import get_workflow
from service.core import clock
from service.ingest.models import RegisterPerson
from tests.cases.conftest import (
    FR,
    NL,
    REACH,
    SYSTEM,
    VISIT,
    G,
    add_run,
    gemeente,
    parket,
    walk,
    walk_to,
)

Path = Callable[[Session, Case, "clock.FrozenClock"], None]


def _reply(answer: str, letter: int, **extra: str) -> Path:
    def path(session: Session, case: Case, _clock: clock.FrozenClock) -> None:
        walk_to(session, case, "letter_1_sent" if letter == 1 else "letter_2_sent")
        walk(session, case, [("record_reply", FR, {"answer": answer, **extra}), ("verify_reply", NL, {})])

    return path


def _gemeente(transition: str, **payload: str) -> Path:
    def path(session: Session, case: Case, _clock: clock.FrozenClock) -> None:
        walk_to(session, case, "gemeente_register_check")
        walk(session, case, [(transition, G, payload)])

    return path


def _close(reason: str, **evidence: object) -> Path:
    def path(session: Session, case: Case, _clock: clock.FrozenClock) -> None:
        walk_to(session, case, "letter_1_due")
        walk(session, case, [("close", NL, {"reason": reason, **evidence})])

    return path


def _parket(outcome: str) -> Path:
    def path(session: Session, case: Case, _clock: clock.FrozenClock) -> None:
        walk_to(session, case, "referred_to_parket")
        walk(session, case, [("parket_outcome", parket(), {"outcome": outcome})])

    return path


def _cross_check_found(session: Session, case: Case, _clock: clock.FrozenClock) -> None:
    walk_to(session, case, "cross_check")
    walk(session, case, [("cross_check_found", FR, {"school_name": "Athénée Royal", "school_id": "1234"})])


def _not_referred(session: Session, case: Case, _clock: clock.FrozenClock) -> None:
    walk_to(session, case, "parket_review")
    with pytest.raises(TransitionRefused, match="justification"):
        cases.fire(session, case.id, "not_referred", NL, {})
    session.rollback()
    walk(session, case, [("not_referred", NL, {"justification": "in psychiatric care since November"})])


def _linkage(session: Session, case: Case, _clock: clock.FrozenClock) -> None:
    """A repeated run of the same year finds the child enrolled: the open case closes."""
    walk_to(session, case, "letter_1_sent")
    run = add_run(
        session,
        "2025-2026",
        [session.get(RegisterPerson, case.person_id)],
        statuses={case.person_id: "enrolled"},
    )
    report = cases.open_cases_for_run(session, run.id, SYSTEM)
    session.commit()
    assert report["closed_found_by_run"] == 1 and report.get("opened", 0) == 0


def _age(session: Session, case: Case, frozen: clock.FrozenClock) -> None:
    walk_to(session, case, "letter_1_sent")
    case.compulsory_ends_on = frozen.now().date() + timedelta(days=3)
    session.commit()
    frozen.advance(days=2)
    cases.tick(session)
    assert case.state != "closed"
    frozen.advance(days=2)
    cases.tick(session)


def _age_margin(session: Session, case: Case, frozen: clock.FrozenClock) -> None:
    case.compulsory_ends_on = frozen.now().date() + timedelta(days=200)
    session.commit()
    walk_to(session, case, "parket_review")
    frozen.advance(days=139)  # 61 days left: still beyond the 60-day margin
    cases.tick(session)
    assert case.state == "parket_review"
    frozen.advance(days=1)
    cases.tick(session)


def _late_list(session: Session, case: Case, _clock: clock.FrozenClock) -> None:
    """The late-list transition as the ingest hook fires it (the hook itself: test_late_info.py)."""
    walk_to(session, case, "gemeente_home_visit")
    walk(
        session,
        case,
        [("late_list_match", SYSTEM, {"record_kind": "enrolment", "record_id": 7, "batch_id": 3})],
    )


PATHS: dict[str, Path] = {
    "enrolled_linkage": _linkage,
    "enrolled_other_community": _cross_check_found,
    "enrolled_late_list": _late_list,
    "enrolled_reply": _reply("enrolled", 1, school_name="Sint-Jozefscollege", school_community="nl"),
    "enrolled": _close("enrolled", school_name="Lycée français", evidence="school certificate"),
    "home_education": _reply("home_education", 2),
    "exemption": _close("exemption", evidence="disability exemption letter"),
    "moved_out_of_region": _gemeente("register_check_moved_out", new_address="Gent"),
    "moved_abroad": _reply("moved_abroad", 2, new_address="Casablanca", moved_on="2025-08-15"),
    "deceased": _gemeente("register_check_deceased"),
    "compulsory_age_ended": _age,
    "secondary_diploma": _close("secondary_diploma", evidence="CESS 2025"),
    "not_referred": _not_referred,
    "not_referred_age_margin": _age_margin,
    "parket_anti_truancy_contract": _parket("anti_truancy_contract"),
    "parket_proces_verbaal": _parket("proces_verbaal"),
    "parket_dismissed": _parket("dismissed"),
    "duplicate": _close("duplicate", duplicate_of=1),
}


def test_every_closure_reason_has_a_path() -> None:
    assert set(PATHS) == set(get_workflow().closure_reasons)


@pytest.mark.parametrize("reason", sorted(PATHS))
def test_path_to_closure(reason: str, session: Session, make_cases, clock_at) -> None:  # type: ignore[no-untyped-def]
    [case] = make_cases(1)
    PATHS[reason](session, case, clock_at)
    session.refresh(case)
    assert case.state == "closed" and case.closure_reason == reason
    assert case.closed_at == clock.now()
    assert case.closure["reason"] == reason and case.closure["by"] and case.closure["at"]
    timeline = cases.timeline(session, case.id)
    assert timeline[0].kind == "opened" and timeline[-1].to_state == "closed"
    # every change is an event: the events replay to the stored state
    assert [e.to_state for e in timeline if e.kind in ("opened", "transition")][-1] == case.state
    with pytest.raises(cases.Conflict):  # nothing moves a closed case
        cases.fire(session, case.id, "close", NL, {"reason": "duplicate", "duplicate_of": 1})


def test_verified_reply_keeps_its_evidence(session: Session, make_cases, clock_at) -> None:  # type: ignore[no-untyped-def]
    [case] = make_cases(1)
    _reply("enrolled", 1, school_name="Sint-Jozefscollege", school_community="nl")(session, case, clock_at)
    evidence = case.closure["evidence"]
    assert evidence["school_name"] == "Sint-Jozefscollege" and evidence["school_community"] == "nl"
    assert case.closure["transition"] == "verify_reply" and case.closure["by"] == NL.name


def test_an_answer_that_cannot_close_moves_on_as_if_unanswered(
    session: Session, make_cases, clock_at
) -> None:  # type: ignore[no-untyped-def]
    [case] = make_cases(1)
    walk_to(session, case, "reply_1_received")  # answer "other"
    with pytest.raises(TransitionRefused, match="answer"):
        cases.fire(session, case.id, "verify_reply", NL)
    session.rollback()
    walk(session, case, [("reply_insufficient", NL, {"reason": "no school named"})])
    assert case.state == "letter_2_due"
    walk(
        session,
        case,
        [
            ("send_letter_2", NL, {}),
            ("record_reply", NL, {"answer": "other"}),
            ("reply_insufficient", NL, {"reason": "still none"}),
        ],
    )
    assert case.state == "gemeente_register_check"


def test_enrolled_reply_without_school_cannot_close(session: Session, make_cases, clock_at) -> None:  # type: ignore[no-untyped-def]
    [case] = make_cases(1)
    walk_to(session, case, "letter_1_sent")
    walk(session, case, [("record_reply", NL, {"answer": "enrolled"})])
    with pytest.raises(TransitionRefused, match="school_name"):
        cases.fire(session, case.id, "verify_reply", NL)


def test_returned_mail_goes_to_the_gemeente(session: Session, make_cases, clock_at) -> None:  # type: ignore[no-untyped-def]
    [case] = make_cases(1)
    walk_to(session, case, "letter_1_sent")
    walk(session, case, [("returned_mail", FR, {"text": "adresse inconnue"})])
    assert case.state == "gemeente_register_check" and case.due_at is not None


def test_moved_within_brussels_hands_the_case_over(session: Session, make_cases, clock_at) -> None:  # type: ignore[no-untyped-def]
    [case] = make_cases(1)
    walk_to(session, case, "gemeente_register_check")
    first_due = case.due_at
    clock_at.advance(days=3)
    moved = {
        "new_nis_code": "21015",
        "new_address": {"street": "Rogierlaan", "house_number": "8", "postcode": "1030"},
    }
    walk(session, case, [("register_check_moved_within_brussels", G, moved)])
    assert case.nis_code == "21015" and case.state == "gemeente_register_check"
    assert case.due_at > first_due  # the new gemeente gets its full deadline
    event = cases.timeline(session, case.id)[-1]
    assert event.payload["from_nis_code"] == "21004" and event.payload["to_nis_code"] == "21015"
    with pytest.raises(cases.NotFound):  # the old gemeente no longer reaches it
        cases.fire(session, case.id, "register_check_still_registered", G)
    walk(session, case, [("register_check_still_registered", gemeente("21015"), {})])
    assert case.state == "gemeente_home_visit"


def test_moving_to_an_unknown_gemeente_is_refused(session: Session, make_cases, clock_at) -> None:  # type: ignore[no-untyped-def]
    [case] = make_cases(1)
    walk_to(session, case, "gemeente_register_check")
    with pytest.raises(cases.TandemError, match="gemeente"):
        address = {"street": "Rogierlaan", "house_number": "8", "postcode": "1030"}
        cases.fire(
            session,
            case.id,
            "register_check_moved_within_brussels",
            G,
            {"new_nis_code": "99999", "new_address": address},
        )


def test_sent_back_and_reassigned(session: Session, make_cases, clock_at) -> None:  # type: ignore[no-untyped-def]
    [case] = make_cases(1)
    walk_to(session, case, "gemeente_returned")
    walk(
        session,
        case,
        [("reassign_gemeente", FR, {"reason": "family lives in Schaarbeek", "new_nis_code": "21015"})],
    )
    assert case.state == "gemeente_register_check" and case.nis_code == "21015"


def test_parket_return_and_referral_guards(session: Session, make_cases, clock_at) -> None:  # type: ignore[no-untyped-def]
    [case] = make_cases(1)
    walk_to(session, case, "referred_to_parket")
    assert case.referred_at is not None
    walk(session, case, [("parket_return", parket(), {"reason": "visit report lacks the parents' answer"})])
    assert case.state == "parket_review"
    walk(session, case, [("refer_to_parket", NL, {})])
    assert case.state == "referred_to_parket"


def test_referral_refused_names_what_is_missing(session: Session, make_cases, clock_at) -> None:  # type: ignore[no-untyped-def]
    """A case that skipped letter 2 (returned mail after letter 1) and whose age ends soon."""
    [case] = make_cases(1)
    walk_to(session, case, "letter_1_sent")
    walk(session, case, [("returned_mail", NL, {}), ("register_check_still_registered", G, {})])
    case.compulsory_ends_on = date(2025, 11, 1)
    session.commit()
    with pytest.raises(TransitionRefused) as refused:
        walk(session, case, [("record_visit", G, VISIT), ("refer_to_parket", NL, {})])
    message = str(refused.value)
    # the end date follows from the birth date: it stays out of a message that reaches logs and job results
    assert "60-day margin" in message and "2025-11-01" not in message and "2025" not in message
    assert "letter" not in message  # a returned-mail record stands in for the letters


def test_referral_without_letters_or_visit_is_refused(session: Session, make_cases, clock_at) -> None:  # type: ignore[no-untyped-def]
    [case] = make_cases(1)
    case.state = "parket_review"  # as if moved there by hand: the guard reads the timeline, not the state
    session.commit()
    with pytest.raises(TransitionRefused) as refused:
        cases.fire(session, case.id, "refer_to_parket", NL)
    message = str(refused.value)
    assert "letter 1" in message and "letter 2" in message and "visit report" in message


def test_reach_covers_every_open_state() -> None:
    assert set(REACH) == set(get_workflow().open_states)
