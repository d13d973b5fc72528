"""`tandem indicators`: the indicator and honest count, timeliness, the years side by side, the
yearly report. Local commands act as the system (the cell's detail) unless `--publish` asks for
the figures as they may be published."""

from __future__ import annotations

from datetime import date, datetime, time
from enum import StrEnum
from pathlib import Path

import typer

from service.cli.common import cli_actor, console, ensure_schema_current, fail
from service.core.db import session_scope
from service.core.errors import TandemError
from service.core.labels import BRUSSELS
from service.core.settings import get_settings
from service.indicators import export, multiyear, report, service, terminal

indicators_app = typer.Typer(
    help="The absolute-truancy indicator, the honest count, timeliness, the years, the yearly report.",
    invoke_without_command=True,
)


class ByOption(StrEnum):
    region = "region"
    gemeente = "gemeente"
    sector = "sector"
    age = "age"
    sex = "sex"


class FormatOption(StrEnum):
    table = "table"
    csv = "csv"
    xlsx = "xlsx"
    json = "json"


def _at(day: str | None) -> datetime | None:
    """The end reading on a chosen day (its end, Brussels time), or None: the cases as they stand."""
    if day is None:
        return None
    return datetime.combine(date.fromisoformat(day), time(23, 59, 59), tzinfo=BRUSSELS)


@indicators_app.callback()
def indicators(
    ctx: typer.Context,
    school_year: str = typer.Option(None, "--school-year", help="e.g. 2025-2026"),
    by: ByOption = typer.Option(ByOption.region, "--by"),
    publish: bool = typer.Option(False, "--publish", help="disclosure control for publication"),
    fmt: FormatOption = typer.Option(FormatOption.table, "--format"),
    at: str = typer.Option(None, "--at", help="end reading on this day (YYYY-MM-DD) instead of now"),
    run_id: int = typer.Option(None, "--run", help="start reading from this run (default: the year's)"),
    out: Path = typer.Option(None, "--out", help="write the CSV / XLSX / JSON here instead of stdout"),
) -> None:
    """The indicator (start and end readings) and the honest count of a school year."""
    if ctx.invoked_subcommand is not None:
        return
    if school_year is None:
        raise typer.BadParameter("give --school-year (or a subcommand: timeliness, years, report)")
    ensure_schema_current()
    try:
        with session_scope() as session:
            result = service.indicator(
                session,
                cli_actor(),
                school_year=school_year,
                by=by.value,  # type: ignore[arg-type]
                at=_at(at),
                publish_wanted=publish,
                run_id=run_id,
            )
    except (TandemError, ValueError) as exc:
        raise fail(TandemError(str(exc))) from None
    _emit(result, fmt, out)


def _emit(result: service.IndicatorResult, fmt: FormatOption, out: Path | None) -> None:
    if fmt == FormatOption.table:
        console.print(export.indicator_renderable(result))
        return
    if fmt == FormatOption.xlsx:
        target = out or Path(f"indicators-{result.school_year}-{result.by}.xlsx")
        target.write_bytes(export.to_xlsx(result))
        console.print(f"wrote {target}")
        return
    text = export.to_csv(result) if fmt == FormatOption.csv else export.to_json(result)
    if out:
        out.write_text(text, encoding="utf-8")
        console.print(f"wrote {out}")
    else:
        typer.echo(text, nl=False)


@indicators_app.command("timeliness")
def timeliness_command(school_year: str = typer.Option(..., "--school-year")) -> None:
    """Time spent per stage, gemeente and parket workload, the next four weeks."""
    ensure_schema_current()
    with session_scope() as session:
        tables = service.timeliness_tables(session, cli_actor(), school_year=school_year)
    console.print(terminal.timeliness_renderable(tables))


@indicators_app.command("years")
def years_command() -> None:
    """Every school year side by side: readings, end categories, children followed, early leaving."""
    ensure_schema_current()
    with session_scope() as session:
        table = multiyear.years_table(session)
    if table.empty:
        console.print("no school year has a finished linkage run yet")
        return
    short = {"school_year": "year", "population": "pop.", "start": "start", "share_start": "%", "end": "end",
             "share_end": "% ", "in_previous_residual": "foll.", "esl_no_list_next": "gone", "esl_share": "ESL%"}  # fmt: skip
    table = table[list(short)].rename(columns=short)
    caption = (
        "foll.: also in the previous year's residual; gone / ESL%: aged 17 and enrolled, on no list "
        "of the next year (early school leaving)"
    )
    console.print(
        export.rich_table(table, "School years side by side", list(short.values()), caption, wrap_first=False)
    )


@indicators_app.command("report")
def report_command(
    school_year: str = typer.Option(..., "--school-year"),
    out: Path = typer.Option(Path("."), "--out", help="directory for the PDF and its charts"),
    at: str = typer.Option(None, "--at", help="end reading on this day (YYYY-MM-DD)"),
) -> None:
    """The bilingual yearly report (PDF, published figures) and its charts as PNG."""
    ensure_schema_current()
    with session_scope() as session:
        path = report.render_report(
            session,
            cli_actor(),
            school_year=school_year,
            out_dir=out,
            at=_at(at),
            threshold=get_settings().disclosure_threshold,
        )
    console.print(f"wrote {path}")
