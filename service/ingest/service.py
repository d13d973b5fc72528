"""Ingest one source file as one batch: validated, atomic, idempotent, versioned.

* Every row is validated; a single unusable row rejects the whole file and nothing is written.
* The same file (same SHA-256) for the same kind and year is a no-op.
* A new file from the same source for the same kind and year supersedes the current batch; the
  old rows stay (history), and runs read current batches only.
* A file from another source (a late list) adds to the year without touching the rest.

Rows are written in chunks with COPY / executemany inside one transaction, so memory stays bounded
and a failure anywhere rolls the whole file back.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.audit import service as audit
from service.auth.service import Actor
from service.core import clock, school_age
from service.core.crypto import KeyRing, cached_keyring
from service.core.db import bulk_insert
from service.core.errors import TandemError
from service.ingest import hooks
from service.ingest.models import (
    BatchStatus,
    Enrolment,
    Exemption,
    Guardian,
    HomeEducation,
    RegisterPerson,
    SchoolYear,
    SourceBatch,
    SourceKind,
)
from service.ingest.profiles import (
    GUARDIAN_FIELDS,
    KIND_FIELDS,
    PERSON_FIELDS,
    Profile,
    all_profiles,
    profiles_for,
)
from service.ingest.readers import FileProblem, SourceReader, inspect
from service.ingest.rekey import RekeyReport, hash_key_ids, rekey_hashes  # noqa: F401 - the domain's face
from service.ingest.validate import Issue, RowValidator

log = logging.getLogger(__name__)

CHUNK_ROWS = 20_000
MAX_REPORTED_ISSUES = 500
Progress = Callable[[int, int], None]  # (bytes read, total bytes)


def _stored(fields: tuple[str, ...]) -> tuple[str, ...]:
    """A list's canonical fields as table columns: the national number is kept only as `nn_*` columns."""
    return tuple(f for f in fields if f != "national_number")


PERSON_COLUMNS = (
    "batch_id",
    "row_number",  # second: a flushed chunk reads its row range from there
    "nn_hash",
    "nn_key_id",
    "nn_status",
    "nn_bis",
    *_stored(PERSON_FIELDS),
    "warnings",
)
TABLES: dict[SourceKind, Any] = {
    SourceKind.REGISTER: RegisterPerson,
    SourceKind.ENROLMENT_NL: Enrolment,
    SourceKind.ENROLMENT_FR: Enrolment,
    SourceKind.HOME_EDUCATION: HomeEducation,
    SourceKind.EXEMPTION: Exemption,
}
KIND_TABLES: dict[SourceKind, tuple[Any, tuple[str, ...]]] = {
    kind: (
        table,
        PERSON_COLUMNS + (("nn_cipher",) if kind == SourceKind.REGISTER else ()) + KIND_FIELDS[kind],
    )
    for kind, table in TABLES.items()
}
GUARDIAN_COLUMNS = ("person_id", "rank", "nn_hash", "nn_key_id", "nn_cipher", *_stored(GUARDIAN_FIELDS))


@dataclass
class IngestReport:
    """What happened to a file. Holds counts and row/column/reason issues, never personal values."""

    file: str
    kind: str
    school_year: str
    outcome: str = "rejected"  # accepted, unchanged, rejected
    profile: str | None = None
    source: str | None = None
    sha256: str | None = None
    encoding: str | None = None
    delimiter: str | None = None
    batch_id: int | None = None
    superseded_batch_id: int | None = None
    rows_total: int = 0
    rows_with_warnings: int = 0
    warnings_by_reason: dict[str, int] = field(default_factory=dict)
    errors: list[dict[str, Any]] = field(default_factory=list)
    errors_total: int = 0
    message: str = ""

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


class IngestRejected(TandemError):
    status = 422

    def __init__(self, report: IngestReport) -> None:
        super().__init__(report.message)
        self.report = report


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


def _choose_profile(kind: SourceKind, headers: list[str], name: str | None) -> Profile:
    if name:
        profile = all_profiles().get(name)
        if profile is None or profile.kind != kind:
            raise FileProblem(f"profile '{name}' does not exist for kind {kind.value}")
        missing = profile.missing_headers(headers)
        if missing:
            raise FileProblem(f"header lacks columns required by profile {name}: {', '.join(missing)}")
        return profile
    candidates = profiles_for(kind)
    for profile in candidates:
        if not profile.missing_headers(headers):
            return profile
    closest = min(candidates, key=lambda p: len(p.missing_headers(headers)))
    raise FileProblem(
        f"header matches no profile for {kind.value}; closest is {closest.name}, "
        f"which lacks: {', '.join(closest.missing_headers(headers))}"
    )


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
) -> IngestReport:
    """Ingest `path` in the caller's session; commits on success, rolls back and raises on rejection."""
    kind = SourceKind(kind)
    keyring = keyring or cached_keyring()
    report = IngestReport(file=file_name or path.name, kind=kind.value, school_year=school_year)
    try:
        year = get_or_create_school_year(session, school_year)
        report = _ingest(session, kind, path, year, actor, report, source, profile_name, keyring, progress)
    except FileProblem as exc:
        session.rollback()
        report.outcome = "rejected"
        report.errors = [Issue(0, "(file)", "file", str(exc)).as_dict()]
        report.errors_total = 1
        report.message = f"{report.file}: rejected: {exc}"
        log.warning("ingest rejected: file=%s kind=%s reason=%s", report.file, kind.value, exc)
        raise IngestRejected(report) from None
    if report.outcome == "rejected":
        session.rollback()
        log.warning(
            "ingest rejected: file=%s kind=%s errors=%d", report.file, kind.value, report.errors_total
        )
        raise IngestRejected(report)
    if report.outcome == "accepted":
        audit.record(session, actor, "write", "source_batch", [report.batch_id or 0], f"ingest {kind.value}")
        session.commit()
        log.info(
            "ingest accepted: file=%s kind=%s batch=%s rows=%d warnings=%d",
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


def _ingest(
    session: Session,
    kind: SourceKind,
    path: Path,
    year: SchoolYear,
    actor: Actor,
    report: IngestReport,
    source: str | None,
    profile_name: str | None,
    keyring: KeyRing,
    progress: Progress | None,
) -> IngestReport:
    encodings = tuple(dict.fromkeys(enc for p in profiles_for(kind) for enc in p.encodings))
    facts = inspect(path, encodings)
    report.sha256, report.encoding = facts.sha256, facts.encoding

    existing = session.scalar(
        select(SourceBatch).where(
            SourceBatch.school_year_id == year.id,
            SourceBatch.kind == kind.value,
            SourceBatch.sha256 == facts.sha256,
        )
    )
    if existing is not None:
        report.outcome = "unchanged"
        report.batch_id = existing.id
        report.profile, report.source = existing.profile, existing.source
        report.rows_total, report.rows_with_warnings = existing.rows_total, existing.rows_with_warnings
        later = f" (superseded by batch {existing.superseded_by_id})" if existing.superseded_by_id else ""
        report.message = f"{report.file}: already ingested as batch {existing.id}{later}; nothing changed"
        return report

    reader = SourceReader(path, facts)
    rows = reader.rows()
    first = next(rows, None)  # reading the first row also reads the header
    profile = _choose_profile(kind, reader.headers, profile_name)
    report.profile, report.delimiter = profile.name, reader.delimiter
    report.source = source or profile.name

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

    writer = _BatchWriter(session, kind, batch.id, keyring)
    validator = RowValidator(profile, reader.headers)
    warnings: Counter[str] = Counter()
    errors: list[dict[str, Any]] = []
    errors_total = 0
    total = 0
    seen_register: dict[str, int] = {}
    all_rows: Iterable[tuple[int, list[str]]] = rows if first is None else _prepend(first, rows)
    for number, cells in all_rows:
        total += 1
        result = validator.validate(number, cells)
        if kind == SourceKind.REGISTER and result.nn is not None:
            earlier = seen_register.setdefault(result.nn, number)
            if earlier != number:
                result.errors.append(
                    Issue(
                        number,
                        profile.columns["national_number"],
                        "national number",
                        f"the same national number is on row {earlier}",
                    )
                )
        if result.errors:
            errors_total += len(result.errors)
            if len(errors) < MAX_REPORTED_ISSUES:
                errors.extend(e.as_dict() for e in result.errors[: MAX_REPORTED_ISSUES - len(errors)])
            continue
        if result.warnings:
            warnings.update(f"{w.column}: {w.reason}" for w in result.warnings)
            result.values["warnings"] = "; ".join(sorted({w.reason for w in result.warnings}))[:300]
        if errors_total == 0:  # once the file is doomed, only keep validating for the report
            writer.add(number, result.values, result.nn)
        if progress and total % 5000 == 0:
            progress(reader.bytes_read, facts.size)

    report.rows_total = total
    report.rows_with_warnings = writer.rows_with_warnings
    report.warnings_by_reason = dict(warnings.most_common())
    report.errors, report.errors_total = errors, errors_total
    if total == 0:
        errors_total = report.errors_total = 1
        report.errors = [Issue(0, "(file)", "file", "the file has a header but no data rows").as_dict()]
    if errors_total:
        report.outcome = "rejected"
        report.batch_id = None
        report.message = (
            f"{report.file}: rejected, {errors_total} problem(s) in {total} rows; nothing was written"
        )
        return report
    writer.flush()
    if progress:
        progress(facts.size, facts.size)

    batch.rows_total = total
    batch.rows_with_warnings = writer.rows_with_warnings
    batch.report = {
        "warnings_by_reason": report.warnings_by_reason,
        "encoding": facts.encoding,
        "delimiter": reader.delimiter,
    }
    previous = session.scalars(
        select(SourceBatch).where(
            SourceBatch.school_year_id == year.id,
            SourceBatch.kind == kind.value,
            SourceBatch.source == report.source,
            SourceBatch.status == BatchStatus.CURRENT.value,
            SourceBatch.id != batch.id,
        )
    ).all()
    for old in previous:
        old.status = BatchStatus.SUPERSEDED.value
        old.superseded_by_id = batch.id
        report.superseded_batch_id = old.id
    session.flush()
    report.outcome = "accepted"
    report.message = (
        f"{report.file}: accepted as batch {batch.id}, {total} rows ({writer.rows_with_warnings} with warnings)"
        + (f"; supersedes batch {report.superseded_batch_id}" if report.superseded_batch_id else "")
    )
    return report


def _prepend(
    first: tuple[int, list[str]], rest: Iterable[tuple[int, list[str]]]
) -> Iterable[tuple[int, list[str]]]:
    yield first
    yield from rest


class _BatchWriter:
    """Buffers validated rows and writes them in chunks; hashes and encrypts national numbers."""

    def __init__(self, session: Session, kind: SourceKind, batch_id: int, keyring: KeyRing) -> None:
        self.session = session
        self.kind = kind
        self.batch_id = batch_id
        self.keyring = keyring
        self.model, self.columns = KIND_TABLES[kind]
        self.rows: list[tuple[Any, ...]] = []
        self.guardians: dict[int, list[dict[str, Any]]] = {}
        self.rows_with_warnings = 0

    def add(self, number: int, values: dict[str, Any], clear_nn: str | None) -> None:
        values["batch_id"] = self.batch_id
        values["row_number"] = number
        values.setdefault("warnings", None)
        if values["warnings"]:
            self.rows_with_warnings += 1
        if clear_nn is not None:
            values["nn_hash"] = self.keyring.hash_nn(clear_nn)
            values["nn_key_id"] = self.keyring.hmac_active
        else:
            values["nn_hash"] = values["nn_key_id"] = None
        if self.kind == SourceKind.REGISTER:
            values["nn_cipher"] = self.keyring.encrypt_nn(clear_nn) if clear_nn else None
            if values["guardians"]:
                self.guardians[number] = values["guardians"]
        self.rows.append(tuple(values.get(c) for c in self.columns))
        if len(self.rows) >= CHUNK_ROWS:
            self.flush()

    def flush(self) -> None:
        if not self.rows:
            return
        conn = self.session.connection()
        bulk_insert(conn, self.model.__table__, self.columns, self.rows)
        first_row, last_row = self.rows[0][1], self.rows[-1][1]
        self.rows = []
        if self.guardians:
            ids = dict(
                conn.execute(
                    select(RegisterPerson.row_number, RegisterPerson.id).where(
                        RegisterPerson.batch_id == self.batch_id,
                        RegisterPerson.row_number.between(first_row, last_row),
                    )
                ).all()
            )
            guardian_rows = []
            for number, guardians in self.guardians.items():
                for g in guardians:
                    clear = g.pop("nn")
                    g["person_id"] = ids[number]
                    g["nn_hash"] = self.keyring.hash_nn(clear) if clear else None
                    g["nn_key_id"] = self.keyring.hmac_active if clear else None
                    g["nn_cipher"] = self.keyring.encrypt_nn(clear) if clear else None
                    guardian_rows.append(tuple(g.get(c) for c in GUARDIAN_COLUMNS))
            bulk_insert(conn, Guardian.__table__, GUARDIAN_COLUMNS, guardian_rows)
            self.guardians = {}


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
