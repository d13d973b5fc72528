"""`tandem tick`, `tandem workflow ...` and `tandem cases ...` (the same bulk actions as the API)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from service.audit import service as audit
from service.cases import service
from service.cases.late_info import relink_open_cases
from service.cases.workflow import DEFAULT_FILE, diagram, get_workflow, load_workflow
from service.cli.common import cli_actor, console, count_progress, ensure_schema_current, fail
from service.core.db import session_scope
from service.core.errors import TandemError
from service.jobs import service as jobs

workflow_app = typer.Typer(
    help="The procedure as data (workflows/absolute_truancy.yaml).", no_args_is_help=True
)
cases_app = typer.Typer(help="Cases: open, list, show, fire transitions, bulk actions.", no_args_is_help=True)


def tick() -> None:
    """Fire what is due now (timers, reminders, overdue flags, age ended). Idempotent: run it from cron.
    Each run is recorded as a job of kind `tick` (the operations metrics count them)."""
    ensure_schema_current()
    reports: list[service.TickReport] = []

    def run(session: Any, _progress: Any) -> dict[str, Any]:
        reports.append(service.tick(session, cli_actor()))
        return reports[-1].as_dict()

    with session_scope() as session:
        job = jobs.create_job(session, "tick", None)
    jobs.run_job(job.id, run)
    with session_scope() as session:
        ended = jobs.job_status(session, job.id)
    if ended["status"] != "done":
        raise fail(TandemError(ended["message"]))
    report = reports[0]
    fired = ", ".join(f"{k}: {v}" for k, v in sorted(report.fired.items())) or "nothing"
    console.print(
        f"tick: fired {fired}; reminders {report.reminders}; overdue {report.overdue}; "
        f"conflicts {report.conflicts}; errors {report.errors}"
    )


@workflow_app.command("diagram")
def workflow_diagram(
    fmt: str = typer.Option("mermaid", "--format", help="mermaid or dot"),
    file: Path = typer.Option(None, help="Another workflow file (default: the one in force)"),
) -> None:
    """Print the procedure as a Mermaid (or Graphviz DOT) state diagram."""
    try:
        wf = load_workflow(file) if file else get_workflow()
        print(diagram(wf, fmt))
    except TandemError as exc:
        raise fail(exc) from None


@workflow_app.command("check")
def workflow_check(file: Path = typer.Argument(DEFAULT_FILE, help="The workflow file to validate")) -> None:
    """Validate a workflow file (states, transitions, roles, effects, guards) before deploying it."""
    try:
        wf = load_workflow(file)
    except TandemError as exc:
        raise fail(exc) from None
    console.print(
        f"[green]{file}: valid[/green] ({len(wf.states)} states, {len(wf.transitions)} transitions, "
        f"{len(wf.closure_reasons)} closure reasons)"
    )


def _filters(
    state: list[str] | None,
    nis_code: str | None,
    community: str | None,
    school_year: str | None,
    overdue: bool | None,
) -> service.CaseFilter:
    return service.CaseFilter(state or None, nis_code, community, school_year, overdue, True, None, None)


def _payload(text: str | None) -> dict[str, Any]:
    if not text:
        return {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise fail(TandemError(f"--payload is not valid JSON: {exc.msg}")) from None
    if not isinstance(value, dict):
        raise fail(TandemError("--payload must be a JSON object"))
    return value


@cases_app.command("open")
def open_cases(
    run_id: int = typer.Option(..., "--run", help="The run whose residual children become cases"),
) -> None:
    """Open a case for every residual child of a run (a repeated call opens no duplicate)."""
    ensure_schema_current()
    try:
        with session_scope() as session:
            report = service.open_cases_for_run(session, run_id, cli_actor())
    except TandemError as exc:
        raise fail(exc) from None
    for key, value in report.items():
        console.print(f"{key:>36}: {value}")


@cases_app.command("relink")
def relink(
    batch_id: int = typer.Option(..., "--batch", help="A list batch (enrolment, home education, exemption)"),
) -> None:
    """Re-link the open cases of the batch's year against it (what ingest does; for a re-link that failed)."""
    ensure_schema_current()
    try:
        with session_scope() as session:
            outcome = relink_open_cases(session, batch_id, cli_actor())
    except TandemError as exc:
        raise fail(exc) from None
    if not outcome:
        console.print(f"batch {batch_id}: not a list batch, or no open case in its school year")
        return
    console.print(
        f"batch {batch_id}: {outcome.get('closed', 0)} of {outcome['open']} open cases closed"
        f" ({outcome.get('conflicts', 0)} changed meanwhile, {outcome.get('refused', 0)} refused)"
    )


@cases_app.command("list")
def list_cases(
    state: list[str] = typer.Option(None, help="Repeat for several states"),
    nis_code: str = typer.Option(None, "--gemeente", help="NIS code of the gemeente"),
    community: str = typer.Option(None, help="Owner community: nl or fr"),
    school_year: str = typer.Option(None, "--school-year"),
    overdue: bool = typer.Option(None, "--overdue/--not-overdue"),
    closed: bool = typer.Option(False, "--closed", help="List closed cases instead of open ones"),
    limit: int = 50,
    offset: int = 0,
) -> None:
    """List cases (ids, states and deadlines; no names)."""
    ensure_schema_current()
    filters = _filters(state, nis_code, community, school_year, overdue)
    filters.open = not closed
    with session_scope() as session:
        total, items = service.list_cases(session, cli_actor(), filters, limit=limit, offset=offset)
        table = Table("case", "state", "owner", "gemeente", "due", "closure", title=f"{total:,} cases")
        for c in items:
            table.add_row(
                str(c.id),
                c.state,
                c.owner_community,
                c.nis_code,
                c.due_at.date().isoformat() if c.due_at else "",
                c.closure_reason or "",
            )
    console.print(table)


@cases_app.command("show")
def show(case_id: int) -> None:
    """A case and its timeline (the read is audited)."""
    ensure_schema_current()
    actor = cli_actor()
    try:
        with session_scope() as session:
            case = service.get_case(session, case_id, actor)
            audit.record(session, actor, "read", "case", [case.id], "cli: show case")
            console.print(
                f"case {case.id} v{case.version}: [bold]{case.state}[/bold], owner {case.owner_community}, "
                f"gemeente {case.nis_code}, due {case.due_at or '-'}, closure {case.closure_reason or '-'}; "
                f"child {case.person_id} (run {case.run_id}): `tandem explain {case.person_id} --run {case.run_id}`"
            )
            table = Table("at", "actor", "kind", "transition", "from", "to", "reason")
            for e in service.timeline(session, case.id):
                table.add_row(
                    e.at.strftime("%Y-%m-%d %H:%M"),
                    e.actor,
                    e.kind,
                    e.transition or "",
                    e.from_state or "",
                    e.to_state or "",
                    e.reason[:60],
                )
            console.print(table)
    except TandemError as exc:
        raise fail(exc) from None


@cases_app.command("fire")
def fire(
    case_id: int,
    transition: str,
    payload: str = typer.Option(None, help='JSON object, e.g. \'{"answer": "enrolled"}\''),
    reason: str = typer.Option("", help="Why (kept on the timeline)"),
    expected_version: int = typer.Option(None, help="Refuse if the case changed since this version"),
) -> None:
    """Fire one transition on one case."""
    ensure_schema_current()
    try:
        with session_scope() as session:
            case = service.fire(
                session,
                case_id,
                transition,
                cli_actor(),
                _payload(payload),
                expected_version=expected_version,
                reason=reason,
                direct=True,
            )
            console.print(f"case {case.id} is now {case.state} (version {case.version})")
    except TandemError as exc:
        raise fail(exc) from None


@cases_app.command("bulk")
def bulk(
    transition: str,
    state: list[str] = typer.Option(None, help="Repeat for several states"),
    nis_code: str = typer.Option(None, "--gemeente"),
    community: str = typer.Option(None),
    school_year: str = typer.Option(None, "--school-year"),
    overdue: bool = typer.Option(None, "--overdue/--not-overdue"),
    payload: str = typer.Option(None, help="JSON object given to every transition"),
    reason: str = typer.Option("", help="Why (kept on every timeline)"),
    dry_run: bool = typer.Option(False, "--dry-run", help="Only count what would happen"),
) -> None:
    """Fire TRANSITION on every open case matching the filters (e.g. start_letters --state late_info_check)."""
    ensure_schema_current()
    filters = _filters(state, nis_code, community, school_year, overdue)
    try:
        with count_progress(transition) as bar, session_scope() as session:
            task = bar.add_task(transition, total=1)
            report = service.bulk_fire(
                session,
                cli_actor(),
                filters,
                transition,
                _payload(payload),
                reason=reason,
                dry_run=dry_run,
                progress=lambda done, total: bar.update(task, completed=done, total=total),
            )
    except TandemError as exc:
        raise fail(exc) from None
    console.print(f"{report['matched']:,} cases matched ({'dry run' if dry_run else 'fired'}):")
    for outcome, count in sorted(report["outcome"].items(), key=lambda kv: -kv[1]):
        console.print(f"  {count:>7,}  {outcome}")


def print_funnel(data: dict[str, Any], title: str = "Cases") -> None:
    """Cases at each stage and per closure reason (used by `tandem cases funnel` and the demo)."""
    wf = get_workflow()
    table = Table(
        "stage",
        "cases",
        title=f"{title}: {data['total']:,} cases, {data['open']:,} open, {data['overdue']:,} overdue",
    )
    for state, count in data["states"].items():
        if state in wf.final_states:
            continue
        table.add_row(wf.states[state].label.nl + " / " + wf.states[state].label.fr, f"{count:,}")
    console.print(table)
    reasons = Table("closure reason", "cases", title="Closed, by reason")
    for reason, count in sorted(data["closure_reasons"].items(), key=lambda kv: -kv[1]):
        label = wf.closure_reasons[reason].label
        reasons.add_row(f"{label.nl} / {label.fr}", f"{count:,}")
    console.print(reasons)


@cases_app.command("funnel")
def funnel(school_year: str = typer.Option(None, "--school-year")) -> None:
    """How many cases are at each stage and how many closed for each reason."""
    ensure_schema_current()
    with session_scope() as session:
        print_funnel(service.funnel(session, cli_actor(), school_year))
