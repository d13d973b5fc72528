"""`tandem ingest KIND FILE` and `tandem batches`."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from service.cli.common import byte_progress, cli_actor, console, ensure_schema_current, err_console, fail
from service.core.db import session_scope
from service.core.errors import TandemError
from service.ingest import service
from service.ingest.models import SourceKind
from service.ingest.service import IngestRejected, IngestReport


def print_report(report: IngestReport) -> None:
    colour = {"accepted": "green", "unchanged": "yellow", "rejected": "red"}[report.outcome]
    console.print(f"[{colour}]{report.message}[/{colour}]")
    if report.warnings_by_reason:
        kept = "rows kept and flagged" if report.outcome == "accepted" else "the file was not ingested"
        table = Table("warning", "rows", title=f"Warnings ({kept})")
        for reason, count in report.warnings_by_reason.items():
            table.add_row(reason, f"{count:,}")
        console.print(table)
    if report.errors:
        table = Table(
            "data row", "line", "column", "value", "reason", title=f"Errors ({report.errors_total} in all)"
        )
        for e in report.errors[:50]:
            table.add_row(str(e["row"]), str(e.get("line") or "-"), e["column"], e["value_kind"], e["reason"])
        err_console.print(table)


def ingest_one(
    kind: SourceKind, file: Path, school_year: str, source: str | None = None, profile: str | None = None
) -> IngestReport:
    """Ingest with a progress bar; used by `tandem ingest` and the demo."""
    with byte_progress(f"{kind.value} {file.name}") as bar, session_scope() as session:
        task = bar.add_task(f"{kind.value} {file.name}", total=file.stat().st_size)
        return service.ingest_file(
            session,
            kind,
            file,
            school_year,
            cli_actor(),
            source=source,
            profile_name=profile,
            progress=lambda done, total: bar.update(task, completed=done, total=total),
        )


def ingest(
    kind: SourceKind = typer.Argument(
        ..., help="register, enrolment_nl, enrolment_fr, home_education, exemption"
    ),
    file: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True),
    school_year: str = typer.Option(..., "--school-year", help="e.g. 2025-2026"),
    source: str = typer.Option(
        None,
        help="Who sent the list (default: the profile name); a late list "
        "from another source adds to the year, the same source supersedes.",
    ),
    profile: str = typer.Option(None, help="Force a profile instead of detecting it from the header."),
) -> None:
    """Ingest one source file as one batch: whole or not at all."""
    try:
        ensure_schema_current()
        report = ingest_one(kind, file, school_year, source, profile)
    except IngestRejected as exc:
        print_report(exc.report)
        raise typer.Exit(code=1) from None
    except TandemError as exc:
        raise fail(exc) from None
    print_report(report)


def batches(school_year: str = typer.Option(None, "--school-year")) -> None:
    """List the batches received, current and superseded."""
    ensure_schema_current()
    table = Table("id", "year", "kind", "source", "file", "status", "rows", "warnings", "received")
    with session_scope() as session:
        for b in service.list_batches(session, school_year):
            table.add_row(
                str(b.id),
                b.school_year.label,
                b.kind,
                b.source,
                b.file_name,
                b.status + (f" by {b.superseded_by_id}" if b.superseded_by_id else ""),
                f"{b.rows_total:,}",
                f"{b.rows_with_warnings:,}",
                f"{b.received_at:%Y-%m-%d %H:%M}",
            )
    console.print(table)
