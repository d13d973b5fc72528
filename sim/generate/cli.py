"""`tandem generate`: write a synthetic Brussels school year (source files plus ground truth).

Mount with `app.command("generate")(generate_command)`; `generate_app` runs it on its own.
"""

from __future__ import annotations

import time
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from service.core.school_age import school_year_start
from sim.generate.brussels import GeneratorConfig, generate_year
from sim.generate.errors import ErrorRates

_STAGES = {
    "population": "building households",
    "register": "register.csv",
    "enrolment_nl": "enrolment_nl.csv",
    "enrolment_fr": "enrolment_fr.csv",
    "home_education": "home education lists",
    "exemptions": "exemptions.csv",
}


def generate_command(
    children: int = typer.Option(220_000, min=1, help="Register children (compulsory-school age, Brussels)."),
    seed: int = typer.Option(7, min=0, help="Same seed, same bytes."),
    out: Path = typer.Option(..., "--out", file_okay=False, help="Directory to write the files to."),
    school_year: str = typer.Option("2025-2026", help="School year, like 2025-2026."),
    errors: str = typer.Option("default", help="Injected noise: default or harsh (about 2.5x)."),
    list_scale: float = typer.Option(
        1.0, min=0.0, help="Share of pupils living outside Brussels on the community lists (1.0 = realistic)."
    ),
    xlsx: bool = typer.Option(True, "--xlsx/--no-xlsx", help="Write the late private-school list as .xlsx."),
) -> None:
    """Generate a realistic synthetic school year for the 19 Brussels gemeenten, with ground truth."""
    console = Console()
    try:
        rates = ErrorRates.preset(errors)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--errors") from exc
    try:
        school_year_start(school_year)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--school-year") from exc
    config = GeneratorConfig(
        children=children,
        seed=seed,
        school_year=school_year,
        errors=rates,
        error_preset=errors,
        list_scale=list_scale,
        xlsx=xlsx,
    )
    started = time.perf_counter()
    with Progress(
        TextColumn("{task.description:<24}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    ) as bar:
        tasks: dict[str, int] = {}

        def progress(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(_STAGES.get(stage, stage), total=max(total, 1))
            bar.update(tasks[stage], completed=done, total=max(total, 1))

        result = generate_year(out, config, progress)

    table = Table(title=f"Synthetic school year {result.school_year} in {result.out_dir}")
    table.add_column("file")
    table.add_column("rows", justify="right")
    for name, path in result.files.items():
        table.add_row(path.name, f"{result.rows[name]:,}")
    console.print(table)
    statuses = ", ".join(f"{k} {v:,}" for k, v in sorted(result.statuses.items()))
    console.print(f"register children by true status: {statuses}")
    console.print(
        f"reference date {result.reference_date.isoformat()}, "
        f"{time.perf_counter() - started:.1f} s; truth in truth_children.csv / truth_records.csv"
    )


generate_app = typer.Typer(help="Synthetic Brussels school year.", add_completion=False)
generate_app.command("generate")(generate_command)
