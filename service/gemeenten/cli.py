"""`tandem gemeenten ...`: which gemeenten are behind, overdue lists, work lists, gemeente settings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from service.audit import service as audit
from service.cli.common import cli_actor, console, ensure_schema_current, fail
from service.core import clock, labels
from service.core.db import session_scope
from service.core.errors import TandemError
from service.gemeenten import service

gemeenten_app = typer.Typer(
    help="Gemeente assignments: overview, overdue lists, work lists.", no_args_is_help=True
)


def print_overview(loads: list[service.GemeenteLoad], title: str = "Gemeenten: open assignments") -> None:
    table = Table(
        "NIS",
        "gemeente",
        "open",
        "overdue",
        "most overdue (days)",
        "oldest open (days)",
        "mean age (days)",
        "reminded",
        "answered",
        "handed over",
        "returned",
        "withdrawn",
        title=title,
    )
    for x in loads:
        name = x.name_nl if x.name_nl == x.name_fr else f"{x.name_nl} / {x.name_fr}"
        table.add_row(
            x.nis_code,
            name,
            str(x.open),
            f"[red]{x.overdue}[/red]" if x.overdue else "0",
            str(x.most_overdue_days),
            str(x.oldest_open_days),
            f"{x.mean_open_days:.1f}",
            str(x.reminded),
            str(x.answered),
            str(x.handed_over),
            str(x.returned),
            str(x.withdrawn),
        )
    console.print(table)


@gemeenten_app.command("overview")
def overview() -> None:
    """Per gemeente: open assignments, how many are overdue and how old (no personal data)."""
    ensure_schema_current()
    with session_scope() as session:
        print_overview(service.overview(session, cli_actor()))


@gemeenten_app.command("overdue")
def overdue(nis_code: str = typer.Argument(None, help="One gemeente (NIS code); default: all")) -> None:
    """The overdue assignments (case reference, step, days overdue), most overdue first."""
    ensure_schema_current()
    now = clock.now()
    with session_scope() as session:
        query = service.assignments_query(cli_actor(), nis_code=nis_code, overdue=True)
        found = sorted(session.scalars(query), key=lambda a: a.due_at or now)
        table = Table(
            "NIS",
            "assignment",
            "case",
            "step",
            "due",
            "days overdue",
            "reminded",
            title=f"Overdue assignments ({len(found)})",
        )
        for a in found:
            table.add_row(
                a.nis_code,
                str(a.id),
                str(a.case_id),
                labels.nl(a.step),
                a.due_at.date().isoformat() if a.due_at else "-",
                str((now - a.due_at).days) if a.due_at else "-",
                "yes" if a.reminder_sent_at else "no",
            )
        console.print(table)


def write_worklist(
    session: Any,
    nis_code: str,
    out: Path,
    formats: tuple[str, ...] = ("csv", "pdf"),
    overdue_only: bool = False,
) -> list[Path]:
    """Write one gemeente's work list (CSV and/or bilingual PDF); the export is audited."""
    actor = cli_actor()
    rows = service.worklist_rows(session, actor, nis_code, overdue_only=overdue_only)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for fmt in ("csv", "pdf"):
        if fmt in formats:
            name, data = service.worklist_file(session, nis_code, rows, fmt)
            path = out / name
            path.write_bytes(data)
            written.append(path)
    audit.record(session, actor, "export", "assignment", [r["assignment_id"] for r in rows], "work list")
    return written


@gemeenten_app.command("worklist")
def worklist(
    nis_code: str = typer.Argument(..., help="The gemeente's NIS code, e.g. 21004"),
    out: Path = typer.Option(Path("."), help="Directory to write into"),
    fmt: str = typer.Option("both", "--format", help="csv, pdf or both"),
    overdue_only: bool = typer.Option(False, "--overdue", help="Only the overdue assignments"),
) -> None:
    """Write a gemeente's work list: the addresses to check or visit (CSV and bilingual PDF)."""
    ensure_schema_current()
    formats = ("csv", "pdf") if fmt == "both" else (fmt,)
    try:
        with session_scope() as session:
            for path in write_worklist(session, nis_code, out, formats, overdue_only):
                console.print(f"wrote {path}")
    except TandemError as exc:
        raise fail(exc) from None


@gemeenten_app.command("settings")
def settings(
    nis_code: str,
    visitor: str = typer.Option(None, help="neighbourhood_police, municipal_staff or police_youth_service"),
    email: str = typer.Option(None, help="Address for notification e-mails ('' clears it)"),
) -> None:
    """Set a gemeente's default home visitor and notification e-mail address."""
    ensure_schema_current()
    try:
        with session_scope() as session:
            result = service.update_settings(session, cli_actor(), nis_code, visitor, email)
    except TandemError as exc:
        raise fail(exc) from None
    console.print(result)
