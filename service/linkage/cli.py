"""`tandem run`, `tandem explain CHILD` and `tandem review ...`."""

from __future__ import annotations

from datetime import date
from typing import Any

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from service.cli.common import cli_actor, console, ensure_schema_current, fail
from service.core.db import session_scope
from service.core.errors import TandemError
from service.linkage import review, service
from service.linkage.settings import LinkSettings

review_app = typer.Typer(
    help="The linkage review queue: uncertain pairs, side by side.", no_args_is_help=True
)


def print_run(run: Any) -> None:
    table = Table(
        "status", "children", title=f"Run {run.id}: {run.counts.get('children', 0):,} register children"
    )
    for status, count in run.counts.get("statuses", {}).items():
        table.add_row(status, f"{count:,}")
    console.print(table)
    linkage = run.counts.get("linkage", {})
    if linkage:
        console.print(
            "stage 1: {hash_links:,} hash links ({hash_doubtful:,} distrusted); stage 2: {stage2_records:,} records, "
            "{candidate_pairs:,} candidate pairs, {fuzzy_links:,} fuzzy links, {review_pairs:,} pairs in review".format(
                **{
                    k: linkage.get(k, 0)
                    for k in (
                        "hash_links",
                        "hash_doubtful",
                        "stage2_records",
                        "candidate_pairs",
                        "fuzzy_links",
                        "review_pairs",
                    )
                }
            )
        )


def print_health(run: Any) -> None:
    """The model's health verdict; loud when the trained model was refused."""
    health = run.counts.get("model_health") or {}
    pending = run.counts.get("residual_pending_review", 0)
    if pending:
        console.print(
            f"{pending:,} residual children have candidates waiting for review (reason pending_review)"
        )
    if health.get("verdict", "ok") == "ok":
        console.print(f"model: ok ({health.get('used', 'trained')})")
        return
    console.print(
        f"[bold red]WARNING: the trained model is implausible; the run used {health.get('used')}[/bold red]"
    )
    for problem in health.get("problems", []):
        console.print(f"[red]  - {problem}[/red]")
    console.print(
        "[red]Check the lists (a column missing, many pupils from outside Brussels) before opening cases.[/red]"
    )


def run(
    school_year: str = typer.Option(..., "--school-year", help="e.g. 2025-2026"),
    reference_date: str = typer.Option(..., "--reference-date", help="YYYY-MM-DD, e.g. 2025-10-01"),
    link_probability: float = typer.Option(LinkSettings.link_probability, help="probability to link"),
    review_probability: float = typer.Option(LinkSettings.review_probability, help="probability to review"),
    em_max_pairs: int = typer.Option(LinkSettings.em_max_pairs, help="pairs EM samples per session"),
) -> None:
    """Link the year's register against every current list and store a status per child.

    Exits with status 3 when the trained model failed its health checks (the run is stored, with
    the starting values as its model, and says why)."""
    try:
        ensure_schema_current()
        ref = date.fromisoformat(reference_date)
        settings = LinkSettings(
            link_probability=link_probability,
            review_probability=review_probability,
            em_max_pairs=em_max_pairs,
        ).checked()
        with (
            Progress(
                TextColumn("[bold]{task.description}"), BarColumn(), TimeElapsedColumn(), console=console
            ) as bar,
            session_scope() as session,
        ):
            task = bar.add_task("linkage", total=10)
            result = service.run_linkage(
                session,
                school_year,
                ref,
                cli_actor(),
                progress=lambda done, total, message: bar.update(
                    task, completed=done, total=total, description=message
                ),
                settings=settings,
            )
    except ValueError as exc:
        raise fail(TandemError(f"bad date: {exc}")) from None
    except TandemError as exc:
        raise fail(exc) from None
    print_run(result)
    print_health(result)
    if (result.counts.get("model_health") or {}).get("verdict", "ok") != "ok":
        raise typer.Exit(3)


def _print_waterfall(view: dict[str, Any]) -> None:
    wf = view.get("waterfall")
    if not wf:
        return
    table = Table(
        "step",
        "level",
        "weight",
        "total",
        title=f"match weight {wf['match_weight']} -> probability {wf['probability']:.6f}",
    )
    for s in wf["steps"]:
        table.add_row(
            s["step"] + (": " + s["label"] if s["step"] != "prior" else ""),
            str(s.get("level", "")),
            f"{s['weight']:+.2f}",
            f"{s['total']:+.2f}",
        )
    console.print(table)


def _print_pair(view: dict[str, Any]) -> None:
    child, record = view["child"], view["record"]
    table = Table(
        "",
        "register child",
        "list record",
        title=f"pair {view['pair_id']} ({view['outcome']}, {view['method']})",
    )
    for key in ("last_name", "first_names", "birth_date", "sex", "postcode"):
        table.add_row(key, str(child.get(key) or ""), str(record.get(key) or ""))
    table.add_row("national number", "in register", record["national_number"])
    table.add_row(
        "where",
        f"{child['nis_code']} {child['address']}",
        " ".join(str(record.get(k) or "") for k in ("community", "school_name", "reason")).strip(),
    )
    table.add_row(
        "ids",
        f"child {child['person_id']}",
        f"{record['record_kind']} {record['record_id']} ({record['list']}, row {record['row']})",
    )
    console.print(table)
    _print_waterfall(view)


def explain(
    child: int = typer.Argument(..., help="register person id"),
    run_id: int = typer.Option(None, "--run", help="a run id (default: the latest run with this child)"),
) -> None:
    """Show how a register child got its status: the method, the record, and the score's parts."""
    try:
        ensure_schema_current()
        with session_scope() as session:
            info = review.explain(session, child, cli_actor(), run_id)
    except TandemError as exc:
        raise fail(exc) from None
    console.print(
        f"[bold]child {child}[/bold] in run {info['run_id']}: [bold]{info['status']}[/bold]"
        + (f" ({info['method']})" if info["method"] else "")
    )
    console.print(info["summary"])
    for view in info["pairs"]:
        _print_pair(view)


@review_app.command("list")
def review_list(
    run_id: int = typer.Option(None, "--run", help="default: the latest run of the school year"),
    school_year: str = typer.Option(None, "--school-year"),
    limit: int = 20,
    offset: int = 0,
) -> None:
    """Pairs waiting for a decision, most probable first."""
    try:
        ensure_schema_current()
        with session_scope() as session:
            if run_id is None:
                if not school_year:
                    raise TandemError("give --run or --school-year")
                latest = service.latest_run(session, school_year)
                if latest is None:
                    raise TandemError(f"no finished run for {school_year}")
                run_id = latest.id
            queue = review.review_queue(session, run_id, cli_actor(), limit=limit, offset=offset)
    except TandemError as exc:
        raise fail(exc) from None
    table = Table(
        "pair",
        "p",
        "child",
        "record",
        title=f"run {run_id}: {queue['total']} pairs in review ({queue['children']:,} register children)",
    )
    for v in queue["pairs"]:
        c, r = v["child"], v["record"]
        table.add_row(
            str(v["pair_id"]),
            f"{v['probability']:.4f}",
            f"{c['person_id']}: {c['last_name']}, {c['first_names']} {c['birth_date']}",
            f"{r['record_kind']} {r['record_id']}: {r['last_name']}, {r['first_names']} {r['birth_date']}",
        )
    console.print(table)


@review_app.command("show")
def review_show(pair_id: int) -> None:
    """One pair side by side, with each field's contribution to the score."""
    try:
        ensure_schema_current()
        with session_scope() as session:
            view = review.get_pair(session, pair_id, cli_actor())
    except TandemError as exc:
        raise fail(exc) from None
    _print_pair(view)


def _decide(pair_id: int, decision: str, note: str) -> None:
    try:
        ensure_schema_current()
        with session_scope() as session:
            view = review.decide(session, pair_id, decision, cli_actor(), note)
    except TandemError as exc:
        raise fail(exc) from None
    console.print(f"pair {pair_id}: {view['outcome']} (kept for later runs of the school year)")


@review_app.command("accept")
def review_accept(pair_id: int, note: str = typer.Option("", help="why")) -> None:
    """The record is this child: link them."""
    _decide(pair_id, "accept", note)


@review_app.command("reject")
def review_reject(pair_id: int, note: str = typer.Option("", help="why")) -> None:
    """The record is somebody else."""
    _decide(pair_id, "reject", note)
