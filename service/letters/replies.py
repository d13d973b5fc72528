"""What comes back from a family: an answer (reply form, e-mail, phone, counter) for an operator to
verify, or a letter returned undelivered."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from service.auth.service import Actor
from service.cases import service as cases
from service.core import clock, labels
from service.core.errors import Conflict, NotFound
from service.letters.batches import get_letter
from service.letters.models import Letter, LetterReply, LetterStatus, ReplyKind, ReplyOutcome
from service.letters.planning import step_of_state

ANSWERS = ("enrolled", "home_education", "moved_out_of_region", "moved_abroad", "other")
SCHOOL_COMMUNITIES = ("nl", "fr", "other_region", "abroad")
REPLY_CHANNELS = ("post", "email", "phone", "counter")
RETURNED_REASON = labels.both("address_unknown")  # what a returned letter says unless told more


class ReplyForm(BaseModel):
    """The reply form, as an operator types it in (or as it came by e-mail or phone).

    Choices are checked by `problems` rather than by the field types, so that a wrong answer is
    refused with the same named list as a missing school name."""

    answer: str
    school_name: str | None = None
    school_address: str | None = None
    school_community: str | None = None
    new_address: str | None = None
    moved_on: date | None = None
    text: str = ""
    received_on: date | None = None
    channel: str = "post"

    def problems(self) -> list[str]:
        """What is missing for this answer to be verifiable (names fields, never values)."""
        missing: list[str] = []
        if self.answer not in ANSWERS:
            return [f"an answer among {', '.join(ANSWERS)}"]
        if self.channel not in REPLY_CHANNELS:
            missing.append(f"a channel among {', '.join(REPLY_CHANNELS)}")
        if self.answer == "enrolled":
            if not (self.school_name or "").strip():
                missing.append("the school's name")
            if self.school_community not in SCHOOL_COMMUNITIES:
                missing.append(f"the school's community ({', '.join(SCHOOL_COMMUNITIES)})")
        elif self.school_community is not None and self.school_community not in SCHOOL_COMMUNITIES:
            missing.append(f"a school community among {', '.join(SCHOOL_COMMUNITIES)}")
        if self.answer in ("moved_out_of_region", "moved_abroad") and not (self.new_address or "").strip():
            missing.append("the new address")
        if self.answer == "other" and not self.text.strip():
            missing.append("the family's explanation (text)")
        return missing

    def payload(self) -> dict[str, Any]:
        data = self.model_dump(
            mode="json",
            include={
                "answer",
                "school_name",
                "school_address",
                "school_community",
                "new_address",
                "moved_on",
                "text",
            },
        )
        return {k: v for k, v in data.items() if v not in (None, "")}


def _posted_letters(session: Session, case_id: int, kind: str) -> list[Letter]:
    return list(
        session.scalars(
            select(Letter)
            .where(
                Letter.case_id == case_id,
                Letter.kind == kind,
                Letter.status.in_([LetterStatus.POSTED, LetterStatus.RETURNED]),
            )
            .order_by(Letter.id)
        )
    )


def record_reply(session: Session, case_id: int, form: ReplyForm, actor: Actor) -> LetterReply:
    """An answer came back: store it and fire `record_reply`; an operator verifies it next."""
    case = cases.get_case(session, case_id, actor)
    step = step_of_state(case.state)
    if step is None:
        raise Conflict(f"case {case_id} is not waiting for a reply to a letter (state {case.state})")
    missing = form.problems()
    if missing:
        raise cases.TransitionRefused("record_reply", missing)
    letters = _posted_letters(session, case.id, step)
    reply = LetterReply(
        case_id=case.id,
        letter_id=letters[0].id if letters else None,
        kind=ReplyKind.ANSWER,
        step=step,
        received_on=form.received_on or clock.now().date(),
        channel=form.channel,
        answer=form.answer,
        school_name=form.school_name,
        school_address=form.school_address,
        school_community=form.school_community,
        new_address=form.new_address,
        moved_on=form.moved_on,
        text=form.text or "",
        recorded_at=clock.now(),
        recorded_by=actor.name,
        outcome=ReplyOutcome.PENDING,
    )
    session.add(reply)
    session.flush()
    payload = {
        **form.payload(),
        "reply_id": reply.id,
        "received_on": reply.received_on.isoformat(),
        "channel": reply.channel,
    }
    cases.fire(session, case, "record_reply", actor, payload)
    return reply


def get_reply(session: Session, reply_id: int) -> LetterReply:
    reply = session.get(LetterReply, reply_id)
    if reply is None:
        raise NotFound("reply not found")
    return reply


def verify_reply(
    session: Session, reply_id: int, actor: Actor, *, sufficient: bool, reason: str = ""
) -> LetterReply:
    """The operator's check: a sufficient answer closes the case, an insufficient one moves it on."""
    reply = get_reply(session, reply_id)
    if reply.kind != ReplyKind.ANSWER or reply.outcome != ReplyOutcome.PENDING:
        raise Conflict(f"reply {reply_id} was already decided ({reply.outcome})")
    case = cases.get_case(session, reply.case_id, actor)
    if sufficient:
        cases.fire(session, case, "verify_reply", actor, {"reply_id": reply.id}, reason=reason)
    else:
        if not reason.strip():
            raise cases.TransitionRefused("reply_insufficient", ["why the answer is insufficient (reason)"])
        cases.fire(session, case, "reply_insufficient", actor, {"reason": reason, "reply_id": reply.id})
    reply.outcome = ReplyOutcome.VERIFIED if sufficient else ReplyOutcome.INSUFFICIENT
    reply.decided_at = clock.now()
    reply.decided_by = actor.name
    reply.decision_reason = reason[:1000]
    session.flush()
    return reply


def record_returned_mail(
    session: Session,
    letter_id: int,
    actor: Actor,
    *,
    reason: str = RETURNED_REASON,
    received_on: date | None = None,
) -> LetterReply:
    """A letter came back undelivered. Once every envelope of the step is back, the case goes to
    the gemeente (`returned_mail`); while one may still have reached a guardian, it waits."""
    letter = get_letter(session, letter_id)
    case = cases.get_case(session, letter.case_id, actor)
    if letter.status != LetterStatus.POSTED:
        raise Conflict(f"letter {letter_id} is {letter.status}, not posted: it cannot come back")
    now = clock.now()
    letter.status, letter.returned_at = LetterStatus.RETURNED, now
    reply = LetterReply(
        case_id=case.id,
        letter_id=letter.id,
        kind=ReplyKind.RETURNED_MAIL,
        step=letter.kind,
        received_on=received_on or now.date(),
        channel="post",
        text=reason[:2000],
        recorded_at=now,
        recorded_by=actor.name,
        outcome=ReplyOutcome.RECORDED,
    )
    session.add(reply)
    session.flush()
    envelopes = _posted_letters(session, case.id, letter.kind)
    all_back = all(x.status == LetterStatus.RETURNED for x in envelopes)
    if all_back and step_of_state(case.state) == letter.kind:
        payload = {"letter_ids": [x.id for x in envelopes], "reply_id": reply.id, "reason": reason}
        cases.fire(session, case, "returned_mail", actor, payload)
    else:
        payload = {"letter_id": letter.id, "reply_id": reply.id, "all_returned": all_back}
        cases.add_event(session, case, "letter_returned", actor, payload, reason=reason)
    return reply


def list_replies(
    session: Session, *, outcome: str | None = None, case_id: int | None = None, limit: int = 200
) -> list[LetterReply]:
    query = select(LetterReply).order_by(LetterReply.id).limit(limit)
    if outcome:
        query = query.where(LetterReply.outcome == outcome)
    if case_id is not None:
        query = query.where(LetterReply.case_id == case_id)
    return list(session.scalars(query))
