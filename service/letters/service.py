"""Letters 1 and 2: preview, print batches (prepare, then post), replies and returned mail.

A batch goes in two steps so that late information can still stop a letter:
- `prepare_batch` renders every case due for a letter into one PDF per envelope (SHA-256 kept) and
  one merged print file, and records the letters as *prepared*; the cases do not move yet;
- `post_batch` records the letters as *posted* and fires `send_letter_1` / `send_letter_2`.
Either step happens whole or not at all: a failure rolls back every row and removes the files
written. A late list that clears a child between the two cancels the prepared letter
(`effects.cancel_pending`), and posting skips it and names it on the pull list.
"""

from __future__ import annotations

import atexit
import csv
import io
import logging
import os
import shutil
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date, timedelta
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from sqlalchemy import and_, event, exists, select
from sqlalchemy.orm import Session

from service.audit import service as audit
from service.auth.service import Actor
from service.cases import service as cases
from service.cases.models import Case, CaseEvent
from service.cases.workflow import get_workflow
from service.core import clock
from service.core.errors import ConfigurationError, Conflict, NotFound, TandemError
from service.core.settings import get_settings
from service.ingest.models import RegisterPerson, SchoolYear
from service.letters import pdf
from service.letters.context import CaseInfo, Recipient, letter_context, recipients_for
from service.letters.models import (
    BatchStatus,
    Letter,
    LetterBatch,
    LetterReply,
    LetterStatus,
    ReplyKind,
    ReplyOutcome,
)
from service.letters.templates import CHANNELS, MissingVariable, check_context, templates

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]
POOL_MIN_LETTERS = 48  # below this, starting worker processes costs more than it saves
ANSWERS = ("enrolled", "home_education", "moved_out_of_region", "moved_abroad", "other")
SCHOOL_COMMUNITIES = ("nl", "fr", "other_region", "abroad")
REPLY_CHANNELS = ("post", "email", "phone", "counter")


# -- what a letter needs -----------------------------------------------------------------------


def reply_days(kind: str) -> int:
    """The reply window printed on the letter: the workflow's timer on the step's "sent" state."""
    spec = templates().manifest.kind(kind)
    wf = get_workflow()
    state = wf.states.get(spec.sent_state)
    if state is None or state.timer is None:
        raise ConfigurationError(f"the workflow has no reply timer on state '{spec.sent_state}'")
    return wf.days(state.timer.after_days)


def step_of_state(state: str) -> str | None:
    """letter_1_sent -> letter_1: the letter a reply in this state answers (late replies included)."""
    for kind in templates().manifest.kinds.values():
        if state == kind.sent_state or state in kind.late_reply_states:
            return kind.name
    return None


def _school_years(session: Session, ids: Iterable[int]) -> dict[int, str]:
    ids = set(ids)
    if not ids:
        return {}
    return dict(session.execute(select(SchoolYear.id, SchoolYear.label).where(SchoolYear.id.in_(ids))).all())


def _people(session: Session, ids: Iterable[int]) -> dict[int, RegisterPerson]:
    ids = list(set(ids))
    found: dict[int, RegisterPerson] = {}
    for i in range(0, len(ids), 1000):
        chunk = ids[i : i + 1000]
        found.update(
            {p.id: p for p in session.scalars(select(RegisterPerson).where(RegisterPerson.id.in_(chunk)))}
        )
    return found


def _previous_letter_dates(session: Session, case_ids: Sequence[int]) -> dict[int, date]:
    """When letter 1 went out, per case: the posted letter's date, else the send_letter_1 event."""
    found: dict[int, date] = {}
    for i in range(0, len(case_ids), 1000):
        chunk = list(case_ids[i : i + 1000])
        rows = session.execute(
            select(Letter.case_id, Letter.letter_date).where(
                Letter.case_id.in_(chunk),
                Letter.kind == "letter_1",
                Letter.status.in_([LetterStatus.POSTED, LetterStatus.RETURNED]),
            )
        )
        for case_id, day in rows:
            found[case_id] = min(day, found.get(case_id, day))
        missing = [c for c in chunk if c not in found]
        if missing:
            events = session.execute(
                select(CaseEvent.case_id, CaseEvent.at).where(
                    CaseEvent.case_id.in_(missing), CaseEvent.transition == "send_letter_1"
                )
            )
            for case_id, at in events:
                found.setdefault(case_id, at.date())
    return found


@dataclass
class PlannedLetter:
    """One envelope to render: the case, who it goes to and the template variables."""

    case: Case
    recipient: Recipient
    recipients_total: int
    context: dict[str, Any]

    @property
    def reference(self) -> str:
        return self.context["letter"]["reference"]


def plan_letters(
    session: Session,
    found: Sequence[Case],
    kind: str,
    *,
    letter_date: date,
    channel: str,
    preview: bool = False,
) -> tuple[list[PlannedLetter], list[dict[str, Any]]]:
    """The envelopes for these cases, checked against the declared variables.

    A case whose letter cannot be filled (a register row without a birth date, say) is skipped and
    named by id with the missing variable, so one bad row never stops the print run.
    """
    manifest = templates().manifest
    manifest.kind(kind)
    days = reply_days(kind)
    years = _school_years(session, (c.school_year_id for c in found))
    people = _people(session, (c.person_id for c in found))
    previous = _previous_letter_dates(session, [c.id for c in found]) if kind == "letter_2" else {}
    planned: list[PlannedLetter] = []
    skipped: list[dict[str, Any]] = []
    for case in found:
        person = people.get(case.person_id)
        if person is None:
            skipped.append({"case_id": case.id, "reason": "register row not found"})
            continue
        info = CaseInfo(case.id, years[case.school_year_id], case.owner_community)
        prev = previous.get(case.id)
        if kind == "letter_2" and prev is None and preview:
            prev = letter_date - timedelta(days=reply_days("letter_1"))  # a preview only: watermarked
        recipients = recipients_for(person, case.owner_community)
        try:
            for recipient in recipients:
                context = letter_context(
                    kind=kind,
                    case=info,
                    person=person,
                    recipient=recipient,
                    separate=len(recipients) > 1,
                    letter_date=letter_date,
                    reply_days=days,
                    channel=channel,
                    previous_letter_date=prev,
                    preview=preview,
                )
                check_context(manifest, kind, context)
                planned.append(PlannedLetter(case, recipient, len(recipients), context))
        except MissingVariable as exc:
            planned = [p for p in planned if p.case.id != case.id]
            skipped.append({"case_id": case.id, "reason": str(exc)})
    return planned, skipped


# -- rendering -------------------------------------------------------------------------------------


def render_letter(kind: str, context: dict[str, Any]) -> bytes:
    """One envelope's letter and reply form as PDF bytes."""
    t = templates()
    html = t.render_html(kind, context)
    return pdf.html_to_pdf(html, t.manifest.directory, t.manifest.stylesheet)


def _render_job(job: tuple[str, dict[str, Any]]) -> bytes:
    return render_letter(*job)


_pools: dict[int, ProcessPoolExecutor] = {}


def _pool(workers: int) -> ProcessPoolExecutor:
    """Worker processes kept for the life of the process (starting them costs about a second)."""
    if workers not in _pools:
        # spawn, not fork: the parent holds database connections a forked child must never touch
        _pools[workers] = ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn"))
        atexit.register(_pools[workers].shutdown, cancel_futures=True)
    return _pools[workers]


def shutdown_workers() -> None:
    """Stop the rendering processes (they restart on the next large batch)."""
    while _pools:
        _, pool = _pools.popitem()
        pool.shutdown()


def render_many(kind: str, contexts: Sequence[dict[str, Any]], workers: int | None = None) -> Iterator[bytes]:
    """PDFs in the order of `contexts`; large batches are spread over worker processes."""
    workers = workers if workers is not None else min(4, os.cpu_count() or 1)
    if workers <= 1 or len(contexts) < POOL_MIN_LETTERS:
        for context in contexts:
            yield render_letter(kind, context)
        return
    yield from _pool(workers).map(_render_job, [(kind, c) for c in contexts], chunksize=4)


def preview(
    session: Session,
    case_id: int,
    kind: str,
    actor: Actor,
    *,
    letter_date: date | None = None,
    recipient_no: int | None = None,
    channel: str | None = None,
) -> bytes:
    """Render a case's letter (every envelope, or one) without recording anything but the audit."""
    spec = templates().manifest.kind(kind)
    case = cases.get_case(session, case_id, actor)
    planned, skipped = plan_letters(
        session,
        [case],
        kind,
        letter_date=letter_date or clock.now().date(),
        channel=channel or spec.default_channel,
        preview=True,
    )
    if skipped:
        raise MissingVariable(skipped[0]["reason"])
    if recipient_no is not None:
        planned = [p for p in planned if p.recipient.no == recipient_no]
        if not planned:
            raise NotFound(f"case {case_id} has no envelope {recipient_no} for {kind}")
    audit.record(session, actor, "preview", "letter", [case.id], purpose=f"preview of {kind}")
    documents = [render_letter(kind, p.context) for p in planned]
    if len(documents) == 1:
        return documents[0]
    return pdf.merge_bytes(documents)


# -- batches ---------------------------------------------------------------------------------------


def _due_cases(
    session: Session,
    kind: str,
    *,
    owner_community: str | None,
    case_ids: Sequence[int] | None,
    limit: int | None,
) -> list[Case]:
    spec = templates().manifest.kind(kind)
    live_letter = exists().where(
        and_(Letter.case_id == Case.id, Letter.kind == kind, Letter.status != LetterStatus.CANCELLED)
    )
    query = (
        select(Case)
        .where(Case.state == spec.due_state, Case.closed_at.is_(None), ~live_letter)
        .order_by(Case.nis_code, Case.id)
    )
    if owner_community:
        query = query.where(Case.owner_community == owner_community)
    if case_ids is not None:
        query = query.where(Case.id.in_(list(case_ids)))
    if limit:
        query = query.limit(limit)
    return list(session.scalars(query))


def _batch_community(actor: Actor, requested: str | None) -> str | None:
    """An operator batches the cases of their own community (posting is theirs to fire)."""
    if cases.is_system(actor):
        return requested
    if requested and requested != actor.community:
        raise TandemError("an operator prepares letters for their own community's cases only")
    return actor.community


def _safe(reference: str) -> str:
    return reference.replace("/", "-")


def _remove_on_rollback(session: Session, directory: Path) -> None:
    """Files follow the transaction: a rollback after this point removes what the batch wrote."""
    settled = {"done": False}

    def rolled_back(_session: Session) -> None:
        if not settled["done"]:
            settled["done"] = True
            shutil.rmtree(directory, ignore_errors=True)

    def committed(_session: Session) -> None:
        settled["done"] = True

    event.listen(session, "after_rollback", rolled_back)
    event.listen(session, "after_commit", committed)


def _write_manifest(path: Path, rows: list[dict[str, Any]]) -> None:
    """The print room's list: sequence, page range, reference, no names or addresses."""
    buffer = io.StringIO()
    fields = [
        "seq",
        "letter_id",
        "reference",
        "case_id",
        "first_page",
        "pages",
        "channel",
        "country",
        "sha256",
    ]
    writer = csv.DictWriter(buffer, fieldnames=fields, delimiter=";")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")


def prepare_batch(
    session: Session,
    kind: str,
    actor: Actor,
    *,
    output_dir: Path | None = None,
    channel: str | None = None,
    letter_date: date | None = None,
    owner_community: str | None = None,
    case_ids: Sequence[int] | None = None,
    limit: int | None = None,
    workers: int | None = None,
    progress: Progress | None = None,
) -> LetterBatch | None:
    """Render every case due for `kind` into a print batch; None when no case is due."""
    spec = templates().manifest.kind(kind)
    channel = channel or spec.default_channel
    if channel not in CHANNELS:
        raise TandemError(f"unknown channel '{channel}' ({', '.join(CHANNELS)})")
    community = _batch_community(actor, owner_community)
    letter_date = letter_date or clock.now().date()
    found = _due_cases(session, kind, owner_community=community, case_ids=case_ids, limit=limit)
    if not found:
        return None
    planned, skipped = plan_letters(session, found, kind, letter_date=letter_date, channel=channel)
    for s in skipped:
        log.warning("letter %s not prepared for case %s: %s", kind, s["case_id"], s["reason"])
    if not planned:
        return None

    now = clock.now()
    batch = LetterBatch(
        kind=kind,
        channel=channel,
        status=BatchStatus.PREPARED,
        letter_date=letter_date,
        owner_community=community,
        created_at=now,
        created_by=actor.name,
        skipped=skipped,
    )
    session.add(batch)
    session.flush()
    root = (output_dir or get_settings().resolved_output_dir) / "letters"
    directory = root / f"{letter_date.isoformat()}-batch-{batch.id:05d}-{kind}"
    if directory.exists():  # left over from a database that was reset: never mix two batches
        shutil.rmtree(directory)
    (directory / "letters").mkdir(parents=True)
    _remove_on_rollback(session, directory)
    try:
        letters = _render_and_store(session, batch, planned, directory, workers, progress)
        batch.letter_count = len(letters)
        batch.case_count = len({p.case.id for p in planned})
        batch.directory = str(directory)
        print_file = directory / f"print-{kind}-batch-{batch.id:05d}.pdf"
        batch.page_count = pdf.merge([Path(x.path) for x in letters], print_file, duplex=True)
        batch.print_file = str(print_file)
        batch.print_sha256 = pdf.sha256(print_file.read_bytes())
        first = 1
        rows = []
        for seq, x in enumerate(letters, 1):
            rows.append(
                {
                    "seq": seq,
                    "letter_id": x.id,
                    "reference": x.reference,
                    "case_id": x.case_id,
                    "first_page": first,
                    "pages": x.pages,
                    "channel": x.channel,
                    "country": x.country,
                    "sha256": x.sha256,
                }
            )
            first += x.pages + (x.pages % 2)
        _write_manifest(directory / "manifest.csv", rows)
        audit.record(session, actor, "export", "letter", [x.id for x in letters], f"letter batch {batch.id}")
        by_case: dict[int, list[Letter]] = defaultdict(list)
        for x in letters:
            by_case[x.case_id].append(x)
        for p_case in {p.case.id: p.case for p in planned}.values():
            cases.add_event(
                session,
                p_case,
                "letter_prepared",
                actor,
                {
                    "kind": kind,
                    "batch_id": batch.id,
                    "letter_ids": [x.id for x in by_case[p_case.id]],
                    "channel": channel,
                    "letter_date": letter_date.isoformat(),
                },
            )
        session.flush()
    except BaseException:
        shutil.rmtree(directory, ignore_errors=True)
        raise
    return batch


def _render_and_store(
    session: Session,
    batch: LetterBatch,
    planned: list[PlannedLetter],
    directory: Path,
    workers: int | None,
    progress: Progress | None,
) -> list[Letter]:
    now = clock.now()
    letters: list[Letter] = []
    rendered = render_many(batch.kind, [p.context for p in planned], workers)
    for done, (plan, data) in enumerate(zip(planned, rendered, strict=True), 1):
        path = directory / "letters" / f"{_safe(plan.reference)}.pdf"
        path.write_bytes(data)
        letter = Letter(
            batch_id=batch.id,
            case_id=plan.case.id,
            kind=batch.kind,
            recipient_no=plan.recipient.no,
            recipients_total=plan.recipients_total,
            guardian_ids=list(plan.recipient.guardian_ids),
            country=plan.recipient.country,
            reference=plan.reference,
            channel=batch.channel,
            status=LetterStatus.PREPARED,
            letter_date=batch.letter_date,
            reply_by=plan.context["letter"]["deadline"],
            path=str(path),
            sha256=pdf.sha256(data),
            pages=pdf.page_count(data),
            created_at=now,
        )
        session.add(letter)
        letters.append(letter)
        if progress:
            progress(done, len(planned))
    session.flush()
    return letters


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


def get_batch(session: Session, batch_id: int) -> LetterBatch:
    batch = session.get(LetterBatch, batch_id)
    if batch is None:
        raise NotFound("letter batch not found")
    return batch


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
    letters = list(session.scalars(select(Letter).where(Letter.batch_id == batch.id).order_by(Letter.id)))
    by_case: dict[int, list[Letter]] = defaultdict(list)
    for x in letters:
        if x.status == LetterStatus.CANCELLED:
            report.pulled.append({"letter_id": x.id, "reference": x.reference, "why": x.cancel_reason})
        elif x.status == LetterStatus.PREPARED:
            by_case[x.case_id].append(x)
    for case_id, envelopes in by_case.items():
        case = session.get(Case, case_id)
        assert case is not None
        if case.closed_at is not None or case.state != spec.due_state:
            why = f"case is now {case.state}"
            for x in envelopes:
                x.status, x.cancelled_at, x.cancel_reason = LetterStatus.CANCELLED, now, why[:60]
                report.pulled.append({"letter_id": x.id, "reference": x.reference, "why": why})
            continue
        cases.fire(
            session,
            case,
            spec.transition,
            actor,
            {
                "batch_id": batch.id,
                "letter_ids": [x.id for x in envelopes],
                "channel": batch.channel,
                "letter_date": batch.letter_date.isoformat(),
                "posted_on": posted_on.isoformat(),
                "reply_by": max(x.reply_by for x in envelopes).isoformat(),
            },
        )
        for x in envelopes:
            x.status, x.posted_at = LetterStatus.POSTED, now
        report.posted_letters += len(envelopes)
        report.moved_cases.append(case_id)
    batch.status = BatchStatus.POSTED
    batch.posted_at = now
    batch.posted_by = actor.name
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


def cancel_pending(session: Session, case: Case, reason: str) -> list[int]:
    """Withdraw the case's letters that are prepared but not yet posted; returns their ids."""
    now = clock.now()
    pending = list(
        session.scalars(
            select(Letter).where(Letter.case_id == case.id, Letter.status == LetterStatus.PREPARED)
        )
    )
    for x in pending:
        x.status, x.cancelled_at, x.cancel_reason = LetterStatus.CANCELLED, now, reason[:60]
    session.flush()
    return [x.id for x in pending]


def list_batches(session: Session, limit: int = 100) -> list[LetterBatch]:
    return list(session.scalars(select(LetterBatch).order_by(LetterBatch.id.desc()).limit(limit)))


def list_letters(
    session: Session,
    *,
    case_id: int | None = None,
    batch_id: int | None = None,
    status: str | None = None,
    limit: int = 200,
) -> list[Letter]:
    query = select(Letter).order_by(Letter.id).limit(limit)
    if case_id is not None:
        query = query.where(Letter.case_id == case_id)
    if batch_id is not None:
        query = query.where(Letter.batch_id == batch_id)
    if status:
        query = query.where(Letter.status == status)
    return list(session.scalars(query))


def get_letter(session: Session, letter_id: int) -> Letter:
    letter = session.get(Letter, letter_id)
    if letter is None:
        raise NotFound("letter not found")
    return letter


# -- replies ---------------------------------------------------------------------------------------


@dataclass
class ReplyForm:
    """The reply form, as an operator types it in (or as it came by e-mail or phone)."""

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
        data = {
            "answer": self.answer,
            "school_name": self.school_name,
            "school_address": self.school_address,
            "school_community": self.school_community,
            "new_address": self.new_address,
            "moved_on": self.moved_on.isoformat() if self.moved_on else None,
            "text": self.text or None,
        }
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
    cases.fire(
        session,
        case,
        "record_reply",
        actor,
        {
            **form.payload(),
            "reply_id": reply.id,
            "received_on": reply.received_on.isoformat(),
            "channel": reply.channel,
        },
    )
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
    reason: str = "address unknown",
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
        cases.fire(
            session,
            case,
            "returned_mail",
            actor,
            {"letter_ids": [x.id for x in envelopes], "reply_id": reply.id, "reason": reason},
        )
    else:
        cases.add_event(
            session,
            case,
            "letter_returned",
            actor,
            {"letter_id": letter.id, "reply_id": reply.id, "all_returned": all_back},
            reason=reason,
        )
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


# Reads for other domains ---------------------------------------------------------------------


def letter_ids_for_cases(session: Session, *, case_ids: Iterable[int]) -> set[int]:
    return set(session.scalars(select(Letter.id).where(Letter.case_id.in_(list(case_ids)))))


def reply_ids_for_cases(session: Session, *, case_ids: Iterable[int]) -> set[int]:
    return set(session.scalars(select(LetterReply.id).where(LetterReply.case_id.in_(list(case_ids)))))
