"""`tandem audit ...`: the trail's hash chain and anchors, and its read side (one child's report)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import typer

from service.audit import chain
from service.audit.report_cli import child
from service.cli.common import console, ensure_schema_current
from service.core.db import session_scope

audit_app = typer.Typer(
    help="The audit trail: its hash chain, anchors and one child's report.", no_args_is_help=True
)


@audit_app.command("verify")
def verify(
    anchor: Path = typer.Option(
        None,
        exists=True,
        dir_okay=False,
        help="An anchor exported earlier: the chain must still pass through it",
    ),
) -> None:
    """Walk the whole chain; report the first broken link and exit 1 when there is one."""
    ensure_schema_current()
    with session_scope() as session:
        report = chain.verify(session)
        problem = report.broken
        if problem is None and anchor is not None:
            kept = json.loads(anchor.read_text())
            problem = chain.anchor_problem(session, int(kept["seq"]), str(kept["hash"]))
    if problem is not None:
        typer.echo(f"audit chain broken: {problem}", err=True)  # one line, never wrapped: scripts read it
        raise typer.Exit(code=1)
    console.print(f"audit chain holds: {report.events} events, head {report.head_seq} {report.head_hash}")


@audit_app.command("anchor")
def anchor(
    day: str = typer.Option(None, help="The head at the end of this day (YYYY-MM-DD, UTC); default: now"),
    out: Path = typer.Option(None, help="Write the anchor (JSON) to this file as well"),
) -> None:
    """Print the chain's head (position and hash) as JSON: keep it outside the database, daily."""
    ensure_schema_current()
    until = None
    if day:
        try:
            until = datetime.combine(date.fromisoformat(day) + timedelta(days=1), time(), tzinfo=UTC)
        except ValueError:
            raise typer.BadParameter("give the day as YYYY-MM-DD", param_hint="--day") from None
    with session_scope() as session:
        head = chain.anchor(session, until)
    text = json.dumps(head)
    if out is not None:
        out.write_text(text + "\n")
    console.print(text, highlight=False)


audit_app.command("child")(child)
