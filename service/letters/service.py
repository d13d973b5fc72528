"""Letters 1 and 2: the letters domain's public face (other domains and the CLI import this module).

The work is split by what an operator does: `planning` (what goes in each envelope, the
school-year check), `rendering` (PDFs, the preview), `batches` (prepare: the print room's files),
`posting` (the letters sent, the cases moved on) and `replies` (answers and returned mail).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.letters.batches import (
    cancel_pending,
    check_due_school_years,
    get_batch,
    get_letter,
    list_batches,
    list_letters,
    prepare_batch,
)
from service.letters.models import Letter, LetterReply, LetterStatus, ReplyKind
from service.letters.planning import (
    PlannedLetter,
    SchoolYearOver,
    ended_school_years,
    plan_letters,
    reply_days,
    step_of_state,
)
from service.letters.posting import PostReport, post_batch, run_batch
from service.letters.rendering import POOL_MIN_LETTERS, preview, render_letter, render_many, shutdown_workers
from service.letters.replies import (
    ANSWERS,
    REPLY_CHANNELS,
    RETURNED_REASON,
    SCHOOL_COMMUNITIES,
    ReplyForm,
    get_reply,
    list_replies,
    record_reply,
    record_returned_mail,
    verify_reply,
)

__all__ = [
    "LetterStatus",
    "ReplyKind",
    "ANSWERS",
    "POOL_MIN_LETTERS",
    "REPLY_CHANNELS",
    "RETURNED_REASON",
    "SCHOOL_COMMUNITIES",
    "PlannedLetter",
    "PostReport",
    "ReplyForm",
    "SchoolYearOver",
    "cancel_pending",
    "check_due_school_years",
    "ended_school_years",
    "get_batch",
    "get_letter",
    "get_reply",
    "list_batches",
    "list_letters",
    "list_replies",
    "plan_letters",
    "post_batch",
    "prepare_batch",
    "preview",
    "record_reply",
    "record_returned_mail",
    "render_letter",
    "render_many",
    "reply_days",
    "run_batch",
    "shutdown_workers",
    "step_of_state",
    "verify_reply",
]


# Reads for other domains ---------------------------------------------------------------------


def letter_ids_for_cases(session: Session, *, case_ids: Iterable[int]) -> set[int]:
    return set(session.scalars(select(Letter.id).where(Letter.case_id.in_(list(case_ids)))))


def reply_ids_for_cases(session: Session, *, case_ids: Iterable[int]) -> set[int]:
    return set(session.scalars(select(LetterReply.id).where(LetterReply.case_id.in_(list(case_ids)))))
