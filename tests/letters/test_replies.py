"""Replies from the form feed the workflow; returned mail sends the case to the gemeente."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from service.cases.models import Case, CaseEvent
from service.cases.service import TransitionRefused
from service.core.errors import Conflict
from service.letters import service as letters
from service.letters.models import Letter, LetterReply
from service.letters.service import ReplyForm
from tests.cases.conftest import cell
from tests.letters.conftest import SYSTEM, MakeDue


@pytest.fixture
def sent(session: Session, due_cases: MakeDue, tmp_path: Path) -> list[Case]:
    """The three difficult cases with letter 1 posted (the first has two envelopes)."""
    found = due_cases()
    letters.run_batch(session, "letter_1", SYSTEM, output_dir=tmp_path)
    session.commit()
    return found


def test_a_verified_answer_closes_the_case_with_the_school(session: Session, sent: list[Case]) -> None:
    case = sent[1]  # owned by the Dutch-speaking community; the reply may reach either office
    form = ReplyForm(
        answer="enrolled",
        school_name="Athénée Royal d'Evere",
        school_community="fr",
        received_on=date(2025, 10, 15),
        channel="post",
    )
    reply = letters.record_reply(session, case.id, form, cell("fr"))
    session.commit()
    assert session.get(Case, case.id).state == "reply_1_received"
    assert reply.step == "letter_1" and reply.outcome == "pending" and reply.letter_id is not None
    with pytest.raises(Exception, match="owner|community|organisation"):
        letters.verify_reply(session, reply.id, cell("fr"), sufficient=True)  # the owner verifies
    session.rollback()
    letters.verify_reply(session, reply.id, cell("nl"), sufficient=True, reason="school confirmed by phone")
    session.commit()
    closed = session.get(Case, case.id)
    assert closed.state == "closed" and closed.closure_reason == "enrolled_reply"
    assert closed.closure["evidence"]["school_name"] == "Athénée Royal d'Evere"
    assert session.get(LetterReply, reply.id).outcome == "verified"
    with pytest.raises(Conflict):
        letters.verify_reply(session, reply.id, cell("nl"), sufficient=True)


def test_an_insufficient_answer_moves_on_as_if_unanswered(session: Session, sent: list[Case]) -> None:
    case = sent[1]
    reply = letters.record_reply(session, case.id, ReplyForm(answer="other", text="we will see"), cell("nl"))
    with pytest.raises(TransitionRefused, match="reason"):
        letters.verify_reply(session, reply.id, cell("nl"), sufficient=False)
    letters.verify_reply(session, reply.id, cell("nl"), sufficient=False, reason="no school named")
    session.commit()
    assert session.get(Case, case.id).state == "letter_2_due"
    assert session.get(LetterReply, reply.id).outcome == "insufficient"


def test_an_incomplete_form_is_refused_naming_what_is_missing(session: Session, sent: list[Case]) -> None:
    case = sent[1]
    with pytest.raises(TransitionRefused) as refused:
        letters.record_reply(session, case.id, ReplyForm(answer="enrolled"), cell("nl"))
    assert "the school's name" in str(refused.value) and "community" in str(refused.value)
    with pytest.raises(TransitionRefused, match="new address"):
        letters.record_reply(session, case.id, ReplyForm(answer="moved_abroad"), cell("nl"))
    with pytest.raises(TransitionRefused, match="an answer among"):
        letters.record_reply(session, case.id, ReplyForm(answer="dunno"), cell("nl"))
    session.rollback()
    assert session.get(Case, case.id).state == "letter_1_sent"
    assert session.scalars(select(LetterReply)).all() == []


def test_a_moved_answer_closes_with_the_move(session: Session, sent: list[Case]) -> None:
    case = sent[2]
    form = ReplyForm(
        answer="moved_abroad", new_address="Grand-Rue 10, 1234 Luxembourg", moved_on=date(2025, 7, 1)
    )
    reply = letters.record_reply(session, case.id, form, SYSTEM)
    letters.verify_reply(session, reply.id, SYSTEM, sufficient=True)
    session.commit()
    assert session.get(Case, case.id).closure_reason == "moved_abroad"


def test_returned_mail_waits_for_every_envelope_then_goes_to_the_gemeente(
    session: Session, sent: list[Case]
) -> None:
    case = sent[0]  # guardians living apart: envelopes A and B
    first, second = session.scalars(select(Letter).where(Letter.case_id == case.id).order_by(Letter.id)).all()
    letters.record_returned_mail(session, first.id, cell("fr"))
    session.commit()
    assert session.get(Case, case.id).state == "letter_1_sent"  # B may still have reached a guardian
    assert (
        session.scalars(select(CaseEvent).where(CaseEvent.kind == "letter_returned"))
        .one()
        .payload["letter_id"]
        == first.id
    )
    letters.record_returned_mail(session, second.id, cell("fr"))
    session.commit()
    moved = session.get(Case, case.id)
    assert moved.state == "gemeente_register_check"
    event = session.scalars(select(CaseEvent).where(CaseEvent.transition == "returned_mail")).one()
    assert sorted(event.payload["letter_ids"]) == sorted([first.id, second.id])
    kinds = [r.kind for r in session.scalars(select(LetterReply).where(LetterReply.case_id == case.id))]
    assert kinds == ["returned_mail", "returned_mail"]
    with pytest.raises(Conflict):
        letters.record_returned_mail(session, first.id, cell("fr"))


def test_a_reply_needs_a_case_waiting_for_one(session: Session, due_cases: MakeDue) -> None:
    case = due_cases()[1]
    with pytest.raises(Conflict, match="not waiting for a reply"):
        letters.record_reply(session, case.id, ReplyForm(answer="home_education"), cell("nl"))


def test_a_late_answer_to_letter_1_still_counts_and_pulls_a_prepared_letter_2(
    session: Session, sent: list[Case], tmp_path: Path, clock_at
) -> None:  # type: ignore[no-untyped-def]
    """Letter 1's window has passed and letter 2 is prepared but not posted when the answer arrives."""
    from service.cases import service as cases

    case = sent[1]
    clock_at.advance(days=40)
    cases.tick(session)
    session.commit()
    assert session.get(Case, case.id).state == "letter_2_due"
    letters.prepare_batch(session, "letter_2", SYSTEM, output_dir=tmp_path / "l2", case_ids=[case.id])
    session.commit()
    prepared = session.scalars(
        select(Letter).where(Letter.case_id == case.id, Letter.status == "prepared")
    ).all()
    assert prepared and all(x.kind == "letter_2" for x in prepared)

    form = ReplyForm(answer="home_education", received_on=clock_at.now().date(), channel="post")
    reply = letters.record_reply(session, case.id, form, cell("nl"))
    session.commit()
    assert reply.step == "letter_1"
    assert session.get(Case, case.id).state == "reply_1_received"
    assert {session.get(Letter, x.id).status for x in prepared} == {"cancelled"}
