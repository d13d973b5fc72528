"""Which batch of a source is in force: supersede, hold a register that shrank, restore an old file."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.core.settings import get_settings
from service.ingest.models import BatchStatus, SourceBatch, SourceKind
from service.ingest.report import IngestReport


def supersede(session: Session, previous: Sequence[SourceBatch], *, by: int) -> int | None:
    """Mark `previous` superseded by batch `by`; returns the last one's id (None when there was none)."""
    last = None
    for old in previous:
        old.status = BatchStatus.SUPERSEDED.value
        old.superseded_by_id = by
        last = old.id
    session.flush()
    return last


def current_of_source(
    session: Session, year_id: int, kind: SourceKind, source: str, *, but: int
) -> Sequence[SourceBatch]:
    return session.scalars(
        select(SourceBatch).where(
            SourceBatch.school_year_id == year_id,
            SourceBatch.kind == kind.value,
            SourceBatch.source == source,
            SourceBatch.status == BatchStatus.CURRENT.value,
            SourceBatch.id != but,
        )
    ).all()


def shrink_hold(kind: SourceKind, rows: int, previous: Sequence[SourceBatch]) -> str | None:
    """Why a register far smaller than the one it supersedes is held (None when it may land)."""
    if kind != SourceKind.REGISTER or not previous:
        return None
    threshold = get_settings().ingest_shrink_threshold
    largest = max(previous, key=lambda b: b.rows_total)
    if rows >= threshold * largest.rows_total:
        return None
    return (
        f"{rows} rows where the current register (batch {largest.id}) has {largest.rows_total}"
        f" (below {threshold:.0%}); a cut or partial extract? If it is complete, send it again"
        " with --confirm-shrink (API: confirm_shrink=true)"
    )


def already_ingested(
    session: Session, existing: SourceBatch, report: IngestReport, restore: bool
) -> IngestReport:
    """The same bytes with the same profile again: nothing changes, unless a superseded batch is restored."""
    report.batch_id = existing.id
    report.profile, report.source = existing.profile, existing.source
    report.rows_total, report.rows_with_warnings = existing.rows_total, existing.rows_with_warnings
    if existing.status == BatchStatus.CURRENT.value:
        report.outcome = "unchanged"
        report.message = f"{report.file}: already ingested as batch {existing.id}; nothing changed"
        return report
    if not restore:
        report.outcome = "unchanged"
        report.message = (
            f"{report.file}: already ingested as batch {existing.id} (superseded by batch "
            f"{existing.superseded_by_id}); nothing changed. Send it with --restore (API: restore=true)"
            " to make it current again"
        )
        return report
    current = current_of_source(
        session, existing.school_year_id, SourceKind(existing.kind), existing.source, but=existing.id
    )
    report.superseded_batch_id = supersede(session, current, by=existing.id)
    existing.status, existing.superseded_by_id = BatchStatus.CURRENT.value, None
    session.flush()
    report.outcome = "restored"
    report.message = f"{report.file}: batch {existing.id} restored as current" + (
        f"; supersedes batch {report.superseded_batch_id}" if report.superseded_batch_id else ""
    )
    return report
