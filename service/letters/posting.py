"""Posting a prepared batch: the print room handed it to the post, so the letters are sent and the
cases move on; letters stopped since preparation go on the pull list."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.auth.service import Actor
from service.cases import service as cases
from service.core import clock
from service.core.errors import Conflict, NotFound, TandemError
from service.letters.batches import prepare_batch
from service.letters.models import BatchStatus, Letter, LetterBatch, LetterStatus
from service.letters.templates import templates


@dataclass
class PostReport:
    batch_id: int
    posted_letters: int = 0
    moved_cases: list[int] = field(default_factory=list)
    pulled: list[dict[str, Any]] = field(default_factory=list)  # letters not to post: id, reference, why

    def as_dict(self) -> dict[str, Any]:
        return {
            "batch_id": self.batch_id,
            "posted_letters": self.posted_letters,
            "moved_cases": len(self.moved_cases),
            "pulled": self.pulled,
        }


def _pull(report: PostReport, x: Letter, why: str, now: Any) -> None:
    x.status, x.cancelled_at, x.cancel_reason = LetterStatus.CANCELLED, now, why[:60]
    report.pulled.append({"letter_id": x.id, "reference": x.reference, "why": why})


def post_batch(session: Session, batch_id: int, actor: Actor, *, posted_on: date | None = None) -> PostReport:
    """The print room handed the batch to the post: record the letters as sent, move the cases on.

    Letters cancelled since preparation, or whose case has moved on, are not posted and are listed
    in `pulled` so the print room takes them out of the stack.
    """
    batch = session.get(LetterBatch, batch_id, with_for_update=True)
    if batch is None:
        raise NotFound("letter batch not found")
    if batch.status != BatchStatus.PREPARED:
        raise Conflict(f"letter batch {batch_id} was already posted")
    spec = templates().manifest.kind(batch.kind)
    now = clock.now()
    posted_on = posted_on or now.date()
    if posted_on < batch.letter_date:
        raise TandemError("a batch cannot be posted before the date printed on its letters")
    report = PostReport(batch.id)
    by_case: dict[int, list[Letter]] = defaultdict(list)
    for x in session.scalars(select(Letter).where(Letter.batch_id == batch.id).order_by(Letter.id)):
        if x.status == LetterStatus.CANCELLED:
            report.pulled.append({"letter_id": x.id, "reference": x.reference, "why": x.cancel_reason})
        elif x.status == LetterStatus.PREPARED:
            by_case[x.case_id].append(x)
    found = cases.cases_by_id(session, by_case)
    for case_id, envelopes in by_case.items():
        case = found[case_id]
        if case.closed_at is not None or case.state != spec.due_state:
            for x in envelopes:
                _pull(report, x, f"case is now {case.state}", now)
            continue
        payload = {
            "batch_id": batch.id,
            "letter_ids": [x.id for x in envelopes],
            "channel": batch.channel,
            "letter_date": batch.letter_date.isoformat(),
            "posted_on": posted_on.isoformat(),
            "reply_by": max(x.reply_by for x in envelopes).isoformat(),
        }
        cases.fire(session, case, spec.transition, actor, payload)
        for x in envelopes:
            x.status, x.posted_at = LetterStatus.POSTED, now
        report.posted_letters += len(envelopes)
        report.moved_cases.append(case_id)
    batch.status, batch.posted_at, batch.posted_by = BatchStatus.POSTED, now, actor.name
    session.flush()
    return report


def run_batch(
    session: Session, kind: str, actor: Actor, *, post: bool = True, **options: Any
) -> tuple[LetterBatch | None, PostReport | None]:
    """Prepare a batch and, with `post`, record it as posted at once (one transaction)."""
    batch = prepare_batch(session, kind, actor, **options)
    if batch is None or not post:
        return batch, None
    return batch, post_batch(session, batch.id, actor)
