"""`tandem audit child`: who consulted or changed what about one child (the trail's read side)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from service.audit.service import consult_report, report_pdf
from service.cli.common import cli_actor, console, ensure_schema_current, fail
from service.core.db import session_scope
from service.core.errors import TandemError
from service.core.labels import fmt_datetime


def child(
    child_id: int = typer.Argument(..., help="The register child's id (as `tandem cases show` gives it)"),
    pdf: Path = typer.Option(None, help="Also write the bilingual PDF a family can be given here"),
    first: str = typer.Option("nl", help="nl or fr: the family's language, printed first in the PDF"),
) -> None:
    """Who consulted or changed what about one child, when, and why (oldest first)."""
    ensure_schema_current()
    if first not in ("nl", "fr"):
        raise fail(TandemError("--first must be nl or fr"))
    try:
        with session_scope() as session:
            report = consult_report(session, cli_actor(), child_id, action="export" if pdf else "read")
            data = report_pdf(report, first=first) if pdf else None
    except TandemError as exc:
        raise fail(exc) from None
    table = Table("when", "who", "organisation", "what", "why")
    for x in report.lines:
        table.add_row(fmt_datetime(x.at), x.actor, x.organisation_nl, x.what_nl, x.why_nl)
    console.print(table)
    console.print(f"{report.consulted} consultation(s), {report.changed} change(s)")
    if data is not None:
        pdf.parent.mkdir(parents=True, exist_ok=True)
        pdf.write_bytes(data)
        console.print(f"report written to {pdf}")
