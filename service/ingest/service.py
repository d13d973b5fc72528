"""Ingest one source file as one batch: validated, atomic, idempotent, versioned.

* Every row is validated; a single unusable row rejects the whole file and nothing is written.
* The same file (same SHA-256) read with the same profile for the same kind and year is a no-op;
  a superseded file sent again with `restore` is made current again.
* A new file from the same source for the same kind and year supersedes the current batch; the
  old rows stay (history), and runs read current batches only. A register far smaller than the
  one it would supersede is held until the operator confirms it (`confirm_shrink`).
* A file from another source (a late list) adds to the year without touching the rest.

Rows are written in chunks with COPY / executemany inside one transaction (`writer.py`), so memory
stays bounded and a failure anywhere rolls the whole file back; reading, choosing the profile and
validating live in `pipeline.py`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.audit import service as audit
from service.auth.service import Actor
from service.core import clock, school_age
from service.core.crypto import KeyRing, cached_keyring
from service.core.errors import TandemError
from service.ingest import hooks, versions
from service.ingest.models import (
    BatchStatus,
    Enrolment,
    Exemption,
    HomeEducation,
    RegisterPerson,
    SchoolYear,
    SourceBatch,
    SourceKind,
)
from service.ingest.pipeline import OpenedFile, Progress
from service.ingest.readers import FileProblem
from service.ingest.rekey import RekeyReport, hash_key_ids, rekey_hashes  # noqa: F401 - the domain's face
from service.ingest.report import IngestRejected, IngestReport
from service.ingest.validate import Issue
from service.ingest.writer import BatchWriter

__all__ = ["IngestRejected", "IngestReport", "ingest_file"]
log = logging.getLogger(__name__)


def get_or_create_school_year(session: Session, label: str) -> SchoolYear:
    year = session.scalar(select(SchoolYear).where(SchoolYear.label == label))
    if year is None:
        try:
            start = school_age.school_year_start(label)
        except ValueError as exc:
            raise TandemError(str(exc)) from exc
        year = SchoolYear(
            label=label,
            starts_on=start,
            ends_on=date(start.year + 1, 8, 31),
            start_age=school_age.start_age_for(label),
        )
        session.add(year)
        session.flush()
    return year


def ingest_file(
    session: Session,
    kind: SourceKind,
    path: Path,
    school_year: str,
    actor: Actor,
    *,
    source: str | None = None,
    profile_name: str | None = None,
    file_name: str | None = None,
    keyring: KeyRing | None = None,
    progress: Progress | None = None,
    confirm_shrink: bool = False,
    restore: bool = False,
) -> IngestReport:
    """Ingest `path` in the caller's session; commits on success, rolls back and raises on rejection.

    The school year is committed first: a rejected file leaves the year known (without data).
    """
    kind = SourceKind(kind)
    keyring = keyring or cached_keyring()
    report = IngestReport(file=file_name or path.name, kind=kind.value, school_year=school_year)
    year = get_or_create_school_year(session, school_year)
    session.commit()
    options = _Options(source, profile_name, keyring, progress, confirm_shrink, restore)
    try:
        report = _ingest(session, kind, path, year, actor, report, options)
    except FileProblem as exc:
        report.outcome = "rejected"
        report.errors = [Issue(0, "(file)", "file", str(exc)).as_dict()]
        report.errors_total = 1
        report.message = f"{report.file}: rejected: {exc}"
    finally:
        if progress:  # the bar ends full whatever the outcome
            size = path.stat().st_size
            progress(size, size)
    if report.outcome in ("rejected", "held"):
        session.rollback()
        log.warning(
            "ingest %s: file=%s kind=%s errors=%d",
            report.outcome,
            report.file,
            kind.value,
            report.errors_total,
        )
        raise IngestRejected(report)
    if report.outcome in ("accepted", "restored"):
        audit.record(session, actor, "write", "source_batch", [report.batch_id or 0], f"ingest {kind.value}")
        session.commit()
        log.info(
            "ingest %s: file=%s kind=%s batch=%s rows=%d warnings=%d",
            report.outcome,
            report.file,
            kind.value,
            report.batch_id,
            report.rows_total,
            report.rows_with_warnings,
        )
        for hook in hooks.after_batch_hooks():
            hook(session, report.batch_id or 0, actor)
            session.commit()
    else:
        session.commit()
    return report


class _Options:
    def __init__(
        self,
        source: str | None,
        profile_name: str | None,
        keyring: KeyRing,
        progress: Progress | None,
        confirm_shrink: bool,
        restore: bool,
    ) -> None:
        self.source, self.profile_name, self.keyring = source, profile_name, keyring
        self.progress, self.confirm_shrink, self.restore = progress, confirm_shrink, restore


def _ingest(
    session: Session,
    kind: SourceKind,
    path: Path,
    year: SchoolYear,
    actor: Actor,
    report: IngestReport,
    options: _Options,
) -> IngestReport:
    opened = OpenedFile(kind, path, options.profile_name)
    facts, profile = opened.facts, opened.profile
    report.sha256, report.encoding = facts.sha256, facts.encoding
    report.profile, report.delimiter = profile.name, opened.reader.delimiter
    report.source = options.source or profile.name
    existing = session.scalar(
        select(SourceBatch).where(
            SourceBatch.school_year_id == year.id,
            SourceBatch.kind == kind.value,
            SourceBatch.sha256 == facts.sha256,
            SourceBatch.profile == profile.name,
        )
    )
    if existing is not None:
        return versions.already_ingested(session, existing, report, options.restore)

    batch = SourceBatch(
        school_year_id=year.id,
        kind=kind.value,
        source=report.source,
        profile=profile.name,
        file_name=report.file[:255],
        sha256=facts.sha256,
        received_at=clock.now(),
        received_by=actor.name,
        status=BatchStatus.CURRENT.value,
    )
    session.add(batch)
    session.flush()
    report.batch_id = batch.id

    writer = BatchWriter(session, kind, batch.id, options.keyring)
    out = opened.validate(writer, options.progress)
    total = report.rows_total = out.rows_total
    report.rows_with_warnings = out.rows_with_warnings
    report.warnings_by_reason = dict(out.warnings.most_common())
    report.errors, report.errors_total = out.errors, out.errors_total
    if out.errors_total:
        report.outcome = "rejected"
        report.batch_id = None
        report.message = (
            f"{report.file}: rejected, {out.errors_total} problem(s) in {total} rows; nothing was written"
        )
        return report

    batch.rows_total = total
    batch.rows_with_warnings = out.rows_with_warnings
    batch.report = {
        "warnings_by_reason": report.warnings_by_reason,
        "encoding": facts.encoding,
        "delimiter": opened.reader.delimiter,
    }
    previous = versions.current_of_source(session, year.id, kind, report.source, but=batch.id)
    held = None if options.confirm_shrink else versions.shrink_hold(kind, total, previous)
    if held:
        report.outcome, report.batch_id = "held", None
        report.message = f"{report.file}: held, nothing was written: {held}"
        return report
    report.superseded_batch_id = versions.supersede(session, previous, by=batch.id)
    report.outcome = "accepted"
    report.message = (
        f"{report.file}: accepted as batch {batch.id}, {total} rows ({out.rows_with_warnings} with warnings)"
        + (f"; supersedes batch {report.superseded_batch_id}" if report.superseded_batch_id else "")
    )
    return report


def current_batches(
    session: Session, school_year: str, kinds: Iterable[SourceKind] | None = None
) -> list[SourceBatch]:
    """The batches a run reads: current (not superseded) ones of the year."""
    query = (
        select(SourceBatch)
        .join(SchoolYear)
        .where(SchoolYear.label == school_year, SourceBatch.status == BatchStatus.CURRENT.value)
        .order_by(SourceBatch.id)
    )
    if kinds is not None:
        query = query.where(SourceBatch.kind.in_([k.value for k in kinds]))
    return list(session.scalars(query))


def list_batches(session: Session, school_year: str | None = None) -> list[SourceBatch]:
    query = select(SourceBatch).order_by(SourceBatch.id)
    if school_year:
        query = query.join(SchoolYear).where(SchoolYear.label == school_year)
    return list(session.scalars(query))


# Reads for other domains ---------------------------------------------------------------------
# Keyword-only look-ups the case and parket domains use instead of reading ingest tables.

LIST_KINDS = frozenset(
    {SourceKind.ENROLMENT_NL, SourceKind.ENROLMENT_FR, SourceKind.HOME_EDUCATION, SourceKind.EXEMPTION}
)


def find_school_year(session: Session, *, school_year_id: int) -> SchoolYear | None:
    return session.get(SchoolYear, school_year_id)


def school_year_labels(session: Session) -> dict[int, str]:
    """Every school year's label by id (small: one row a year)."""
    return dict(session.execute(select(SchoolYear.id, SchoolYear.label)).all())


def school_year_id(session: Session, *, label: str) -> int | None:
    return session.scalar(select(SchoolYear.id).where(SchoolYear.label == label))


def find_person(session: Session, *, person_id: int) -> RegisterPerson | None:
    return session.get(RegisterPerson, person_id)


def people_by_id(session: Session, *, person_ids: Iterable[int]) -> dict[int, RegisterPerson]:
    ids = sorted(set(person_ids))
    found: dict[int, RegisterPerson] = {}
    for i in range(0, len(ids), 1000):
        rows = session.scalars(select(RegisterPerson).where(RegisterPerson.id.in_(ids[i : i + 1000])))
        found.update({p.id: p for p in rows})
    return found


def batches_by_id(session: Session, *, batch_ids: Iterable[int]) -> list[SourceBatch]:
    return list(
        session.scalars(
            select(SourceBatch).where(SourceBatch.id.in_(list(batch_ids))).order_by(SourceBatch.id)
        )
    )


def list_batch(session: Session, *, batch_id: int) -> SourceBatch | None:
    """The batch when it is a list (enrolments, home education, exemptions), else None."""
    batch = session.get(SourceBatch, batch_id)
    return batch if batch is not None and batch.kind in {k.value for k in LIST_KINDS} else None


def current_register_ids(session: Session, *, school_year: str, nn_hashes: Sequence[str]) -> dict[str, int]:
    """Each hashed child's row id in the year's current register (a corrected register gives new ids)."""
    current = [b.id for b in current_batches(session, school_year, [SourceKind.REGISTER])]
    found: dict[str, int] = {}
    for i in range(0, len(nn_hashes), 1000):
        found.update(
            session.execute(
                select(RegisterPerson.nn_hash, RegisterPerson.id).where(
                    RegisterPerson.batch_id.in_(current), RegisterPerson.nn_hash.in_(nn_hashes[i : i + 1000])
                )
            ).all()
        )
    return found


def last_enrolment_communities(session: Session, *, nn_hashes: Sequence[str]) -> dict[str, str]:
    """The community (nl / fr) of each child's most recent enrolment on any list held (any year)."""
    found: dict[str, tuple[date, str]] = {}
    for i in range(0, len(nn_hashes), 1000):
        rows = session.execute(
            select(Enrolment.nn_hash, Enrolment.community, Enrolment.enrolled_from).where(
                Enrolment.nn_hash.in_(nn_hashes[i : i + 1000])
            )
        )
        for h, community, start in rows:
            if community in ("nl", "fr") and (h not in found or start > found[h][0]):
                found[h] = (start, community)
    return {h: c for h, (_, c) in found.items()}


def school_years_by_id(session: Session, ids: Iterable[int]) -> dict[int, SchoolYear]:
    """School years by id (labels, first and last day)."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    return {y.id: y for y in session.scalars(select(SchoolYear).where(SchoolYear.id.in_(wanted)))}


def register_persons(session: Session, ids: Iterable[int]) -> dict[int, RegisterPerson]:
    """Register rows by id, with their guardians (the caller audits what it shows)."""
    wanted = sorted(set(ids))
    found: dict[int, RegisterPerson] = {}
    for i in range(0, len(wanted), 1000):
        chunk = wanted[i : i + 1000]
        found.update(
            {p.id: p for p in session.scalars(select(RegisterPerson).where(RegisterPerson.id.in_(chunk)))}
        )
    return found


def hashes_on_lists(session: Session, *, school_year: str, nn_hashes: Sequence[str]) -> set[str]:
    """Which of the hashed children appear on any current list of the year (enrolment, home
    education, exemption), whatever the register says: the early-school-leaving reading."""
    batch_ids = [b.id for b in current_batches(session, school_year, LIST_KINDS)]
    found: set[str] = set()
    if not batch_ids:
        return found
    for i in range(0, len(nn_hashes), 1000):
        chunk = list(nn_hashes[i : i + 1000])
        for table in (Enrolment, HomeEducation, Exemption):
            found.update(
                session.scalars(
                    select(table.nn_hash).where(table.batch_id.in_(batch_ids), table.nn_hash.in_(chunk))
                )
            )
    return found
