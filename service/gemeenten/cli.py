"""`tandem gemeenten ...`: which gemeenten are behind, overdue lists, work lists, gemeente settings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich import box
from rich.table import Column, Table
from sqlalchemy import func, select

from service.audit import service as audit
from service.cli.common import cli_actor, console, ensure_schema_current, fail
from service.core import clock, labels
from service.core.db import session_scope
from service.core.errors import TandemError
from service.gemeenten import service
from service.gemeenten.models import Assignment

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


def demo_summary(ctx: Any) -> None:
    """`tandem demo`: per gemeente, assignments made, answered, overdue, and cases referred to the parket."""
    from service.cases.models import CaseEvent
    from service.parket.models import Referral
    from service.parket.service import referral_dir

    def per_gemeente(query: Any) -> dict[str, int]:
        return dict(session.execute(query).all())

    with session_scope() as session:
        if not session.scalar(select(func.count()).select_from(Assignment)):
            console.print("gemeenten: no case reached a gemeente in this demo")
            return
        end = session.scalar(select(func.max(CaseEvent.at))) or clock.now()  # the simulation's last day
        with clock.frozen(end):
            loads = {x.nis_code: x for x in service.overview(session, cli_actor())}
            by_nis = select(Assignment.nis_code, func.count()).group_by(Assignment.nis_code)
            made = per_gemeente(by_nis)
            reminded = per_gemeente(by_nis.where(Assignment.reminder_sent_at.is_not(None)))
            referrals = select(Referral.nis_code, func.count()).group_by(Referral.nis_code)
            referred = per_gemeente(referrals)
            decided = per_gemeente(referrals.where(Referral.status == "decided"))
            numbers = [
                Column(h, justify="right", no_wrap=True)
                for h in ("made", "done", "open", "late", "max d", "rem.", "parket")
            ]
            table = Table(
                Column("NIS", no_wrap=True),
                Column("gemeente", overflow="fold"),
                *numbers,
                title=f"Gemeente assignments and parket referrals at {end:%d/%m/%Y}",
                box=box.SIMPLE_HEAD,
                caption="made: assignments given; done: answered; late: open past the due date; max d: days the "
                "latest one is overdue; rem.: reminders sent; parket: cases referred (decided)",
            )
            for nis, x in sorted(loads.items()):
                name = x.name_nl if x.name_nl == x.name_fr else f"{x.name_nl} / {x.name_fr}"
                table.add_row(
                    nis,
                    name,
                    str(made.get(nis, 0)),
                    str(x.answered),
                    str(x.open),
                    f"[red]{x.overdue}[/red]" if x.overdue else "0",
                    str(x.most_overdue_days or "-"),
                    str(reminded.get(nis, 0)),
                    f"{referred.get(nis, 0)} ({decided.get(nis, 0)})",
                )
            table.add_row(
                "",
                "total",
                str(sum(made.values())),
                str(sum(x.answered for x in loads.values())),
                str(sum(x.open for x in loads.values())),
                str(sum(x.overdue for x in loads.values())),
                str(max(x.most_overdue_days for x in loads.values()) or "-"),
                str(sum(reminded.values())),
                f"{sum(referred.values())} ({sum(decided.values())})",
                style="bold",
            )
            console.print(table)
            console.print(
                f"gemeenten: {sum(x.handed_over for x in loads.values())} assignments handed over after a move "
                f"within Brussels, {sum(x.returned for x in loads.values())} sent back to the cell, "
                f"{sum(x.withdrawn for x in loads.values())} withdrawn (late list, age, closure)"
            )
            out = ctx.output_dir / "worklists"
            behind = [x.nis_code for x in loads.values() if x.open][
                :3
            ]  # the overview puts the most behind first
            for nis in behind:
                write_worklist(session, nis, out)
    console.print(
        f"gemeenten: work lists (CSV + PDF) of the {len(behind)} gemeenten most behind in {out}; "
        f"parket case files (ZIP: PDF + JSON + manifest) in {referral_dir()}"
    )
