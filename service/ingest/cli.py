"""`tandem ingest KIND FILE`, `tandem batches` and `tandem profiles list|check`."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import typer
from rich.table import Table

from service.cli.common import byte_progress, cli_actor, console, ensure_schema_current, err_console, fail
from service.core.db import session_scope
from service.core.errors import TandemError
from service.ingest import service
from service.ingest.models import SourceBatch, SourceKind
from service.ingest.pipeline import OpenedFile
from service.ingest.profiles import all_profiles, load_profile
from service.ingest.readers import FileProblem
from service.ingest.service import IngestRejected, IngestReport

profiles_app = typer.Typer(help="Source profiles: the file layouts ingest understands.", no_args_is_help=True)


def errors_table(errors: list[dict], total: int) -> Table:
    """Row, line, column, the kind of field and the reason: never the value itself."""
    table = Table("row", "line", "column", "field kind", "reason", title=f"Errors ({total} in all)")
    for e in errors[:50]:
        table.add_row(str(e["row"]), str(e.get("line") or "-"), e["column"], e["value_kind"], e["reason"])
    return table


def print_report(report: IngestReport) -> None:
    colour = {"accepted": "green", "unchanged": "yellow", "restored": "green"}.get(report.outcome, "red")
    console.print(f"[{colour}]{report.message}[/{colour}]")
    if report.warnings_by_reason:
        kept = "rows kept and flagged" if report.outcome == "accepted" else "the file was not ingested"
        table = Table("warning", "rows", title=f"Warnings ({kept})")
        for reason, count in report.warnings_by_reason.items():
            table.add_row(reason, f"{count:,}")
        console.print(table)
    if report.errors:
        err_console.print(errors_table(report.errors, report.errors_total))


def ingest_one(
    kind: SourceKind,
    file: Path,
    school_year: str,
    source: str | None = None,
    profile: str | None = None,
    *,
    confirm_shrink: bool = False,
    restore: bool = False,
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
            confirm_shrink=confirm_shrink,
            restore=restore,
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
    profile: str = typer.Option(
        None, help="A profile name or a profile file (my.yaml) instead of detecting it from the header."
    ),
    confirm_shrink: bool = typer.Option(
        False, "--confirm-shrink", help="Let a register far smaller than the current one supersede it."
    ),
    restore: bool = typer.Option(False, "--restore", help="Make a superseded file sent again current again."),
) -> None:
    """Ingest one source file as one batch: whole or not at all."""
    try:
        ensure_schema_current()
        report = ingest_one(
            kind, file, school_year, source, profile, confirm_shrink=confirm_shrink, restore=restore
        )
    except IngestRejected as exc:
        print_report(exc.report)
        raise typer.Exit(code=1) from None
    except TandemError as exc:
        raise fail(exc) from None
    print_report(report)


def batches_table(rows: Iterable[SourceBatch]) -> Table:
    """The batch list, narrow enough for 80 columns (long file names wrap, nothing is cut)."""
    table = Table("id", "year", "kind", "source / file", "status", "rows", "warn", "received")
    for column in table.columns:
        column.overflow = "fold"
    for i in (0, 1, 5, 6, 7):
        table.columns[i].no_wrap = True
    for b in rows:
        status = b.status if not b.superseded_by_id else f"superseded by {b.superseded_by_id}"
        table.add_row(
            str(b.id),
            b.school_year.label,
            b.kind.replace("_", " "),
            f"{b.source}\n{b.file_name}",
            status,
            f"{b.rows_total:,}",
            f"{b.rows_with_warnings:,}",
            f"{b.received_at:%Y-%m-%d}",
        )
    return table


def batches(school_year: str = typer.Option(None, "--school-year")) -> None:
    """List the batches received, current and superseded."""
    try:
        ensure_schema_current()
        with session_scope() as session:
            table = batches_table(service.list_batches(session, school_year))
    except TandemError as exc:
        raise fail(exc) from None
    console.print(table)


@profiles_app.command("list")
def profiles_list() -> None:
    """Every profile found (TANDEM_PROFILE_DIR first, then the shipped ones) and where it comes from."""
    try:
        found = all_profiles()
    except TandemError as exc:
        raise fail(exc) from None
    table = Table("name", "kind", "file")
    table.columns[2].overflow = "fold"
    for p in sorted(found.values(), key=lambda p: (p.kind.value, p.name)):
        table.add_row(p.name, p.kind.value, str(p.path or ""))
    console.print(table)


@profiles_app.command("check")
def profiles_check(
    profile_file: Path = typer.Argument(..., exists=True, dir_okay=False, help="The profile YAML file."),
    data: Path = typer.Argument(None, exists=True, dir_okay=False, help="A data file to try it on."),
) -> None:
    """Check a profile file; with a data file, show which columns map where and what would be rejected."""
    try:
        profile = load_profile(profile_file)
        console.print(
            f"[green]{profile_file}: a valid {profile.kind.value} profile named {profile.name}[/green]"
        )
        if data is None:
            return
        opened = OpenedFile(profile.kind, data, str(profile_file.resolve()))
        index = opened.profile.column_index(opened.reader.headers)
        table = Table("field", "column in the file", title="Columns")
        for fld, header in profile.columns.items():
            table.add_row(fld, header if fld in index else f"(absent: {header})")
        console.print(table)
        out = opened.validate()
    except FileProblem as exc:
        err_console.print(f"[red]{data}: would be rejected: {exc}[/red]")
        raise typer.Exit(code=1) from None
    except TandemError as exc:
        raise fail(exc) from None
    console.print(f"{out.rows_total:,} rows, {out.rows_with_warnings:,} with warnings")
    if out.errors_total:
        err_console.print(errors_table(out.errors, out.errors_total))
        err_console.print(f"[red]{data}: would be rejected ({out.errors_total} problem(s))[/red]")
        raise typer.Exit(code=1)
    console.print(f"[green]{data}: would be accepted[/green]")
