"""Print batches: prepare (render, store, one merged print file), then post (`posting.py`).

A batch goes in two steps so that late information can still stop a letter:
- `prepare_batch` renders every case due for a letter into one PDF per envelope (SHA-256 kept) and
  one merged print file, and records the letters as *prepared*; the cases do not move yet;
- `post_batch` records the letters as *posted* and fires `send_letter_1` / `send_letter_2`.
Either step happens whole or not at all: a failure rolls back every row and removes the files
written. A late list that clears a child between the two cancels the prepared letter
(`effects.cancel_pending`), and posting skips it and names it on the pull list.
"""

from __future__ import annotations

import csv
import io
import logging
import shutil
from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from service.audit import service as audit
from service.auth.service import Actor
from service.cases import service as cases
from service.core import clock, pdf
from service.core.errors import NotFound, TandemError
from service.core.settings import get_settings
from service.letters.models import BatchStatus, Letter, LetterBatch, LetterStatus
from service.letters.planning import PlannedLetter, check_school_year, plan_letters
from service.letters.rendering import render_many
from service.letters.templates import CHANNELS, templates

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]
Warn = Callable[[str], None]
MANIFEST_FIELDS = [
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


def _due_cases(
    session: Session,
    kind: str,
    *,
    owner_community: str | None,
    case_ids: Sequence[int] | None,
    limit: int | None,
) -> list[cases.Case]:
    """Open cases in the letter's due state that hold no live letter of this kind yet."""
    spec = templates().manifest.kind(kind)
    found = cases.open_cases_in_state(
        session, spec.due_state, owner_community=owner_community, case_ids=case_ids
    )
    ids = [c.id for c in found]
    live: set[int] = set()
    for i in range(0, len(ids), 1000):
        live.update(
            session.scalars(
                select(Letter.case_id).where(
                    Letter.case_id.in_(ids[i : i + 1000]),
                    Letter.kind == kind,
                    Letter.status != LetterStatus.CANCELLED,
                )
            )
        )
    due = [c for c in found if c.id not in live]
    return due[:limit] if limit else due


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


def _write_manifest(path: Path, letters: list[Letter]) -> None:
    """The print room's list: sequence, page range, reference, no names or addresses."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=MANIFEST_FIELDS, delimiter=";")
    writer.writeheader()
    first = 1
    for seq, x in enumerate(letters, 1):
        writer.writerow(
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
        first += x.pages + (x.pages % 2)  # duplex: every letter starts on a new sheet
    path.write_text(buffer.getvalue(), encoding="utf-8")


def _batch_directory(session: Session, batch: LetterBatch, output_dir: Path | None) -> Path:
    root = (output_dir or get_settings().resolved_output_dir) / "letters"
    directory = root / f"{batch.letter_date.isoformat()}-batch-{batch.id:05d}-{batch.kind}"
    if directory.exists():  # left over from a database that was reset: never mix two batches
        shutil.rmtree(directory)
    (directory / "letters").mkdir(parents=True)
    _remove_on_rollback(session, directory)
    return directory


def check_due_school_years(
    session: Session,
    kind: str,
    actor: Actor,
    *,
    letter_date: date | None = None,
    limit: int | None = None,
    allow_past_school_year: bool = False,
) -> list[str]:
    """Before a batch job starts: refuse at once (`SchoolYearOver`) letters about a school year that
    is over, unless allowed; returns the warnings the batch will carry."""
    found = _due_cases(
        session, kind, owner_community=_batch_community(actor, None), case_ids=None, limit=limit
    )
    day = letter_date or clock.now().date()
    return check_school_year(session, found, day, allow_ended=allow_past_school_year)


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
    allow_past_school_year: bool = False,
    warn: Warn | None = None,
) -> LetterBatch | None:
    """Render every case due for `kind` into a print batch; None when no case is due.

    Cases of a school year that is over on the letter date stop the batch (`SchoolYearOver`)
    unless `allow_past_school_year`; then each such year is reported through `warn`.
    """
    spec = templates().manifest.kind(kind)
    channel = channel or spec.default_channel
    if channel not in CHANNELS:
        raise TandemError(f"unknown channel '{channel}' ({', '.join(CHANNELS)})")
    community = _batch_community(actor, owner_community)
    letter_date = letter_date or clock.now().date()
    found = _due_cases(session, kind, owner_community=community, case_ids=case_ids, limit=limit)
    if not found:
        return None
    for text in check_school_year(session, found, letter_date, allow_ended=allow_past_school_year):
        log.warning("letter %s batch: %s", kind, text)
        if warn:
            warn(text)
    planned, skipped = plan_letters(session, found, kind, letter_date=letter_date, channel=channel)
    for s in skipped:
        log.warning("letter %s not prepared for case %s: %s", kind, s["case_id"], s["reason"])
    if not planned:
        return None
    batch = LetterBatch(
        kind=kind,
        channel=channel,
        status=BatchStatus.PREPARED,
        letter_date=letter_date,
        owner_community=community,
        created_at=clock.now(),
        created_by=actor.name,
        skipped=skipped,
    )
    session.add(batch)
    session.flush()
    directory = _batch_directory(session, batch, output_dir)
    try:
        letters = _render_and_store(session, batch, planned, directory, workers, progress)
        _finish_batch(session, batch, planned, letters, directory, actor)
    except BaseException:
        shutil.rmtree(directory, ignore_errors=True)
        raise
    return batch


def _finish_batch(
    session: Session,
    batch: LetterBatch,
    planned: list[PlannedLetter],
    letters: list[Letter],
    directory: Path,
    actor: Actor,
) -> None:
    """The print file, the manifest, the audit of the export and a timeline event per case."""
    batch.letter_count = len(letters)
    batch.case_count = len({p.case.id for p in planned})
    batch.directory = str(directory)
    print_file = directory / f"print-{batch.kind}-batch-{batch.id:05d}.pdf"
    batch.page_count = pdf.merge([Path(x.path) for x in letters], print_file, duplex=True)
    batch.print_file = str(print_file)
    batch.print_sha256 = pdf.sha256(print_file.read_bytes())
    _write_manifest(directory / "manifest.csv", letters)
    audit.record(session, actor, "export", "letter", [x.id for x in letters], f"letter batch {batch.id}")
    by_case: dict[int, list[Letter]] = defaultdict(list)
    for x in letters:
        by_case[x.case_id].append(x)
    for case in {p.case.id: p.case for p in planned}.values():
        cases.add_event(
            session,
            case,
            "letter_prepared",
            actor,
            {
                "kind": batch.kind,
                "batch_id": batch.id,
                "letter_ids": [x.id for x in by_case[case.id]],
                "channel": batch.channel,
                "letter_date": batch.letter_date.isoformat(),
            },
        )
    session.flush()


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


def get_batch(session: Session, batch_id: int) -> LetterBatch:
    batch = session.get(LetterBatch, batch_id)
    if batch is None:
        raise NotFound("letter batch not found")
    return batch


def cancel_pending(session: Session, case: cases.Case, reason: str) -> list[int]:
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
