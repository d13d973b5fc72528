"""`tandem demo`: the main job on the embedded default database, end to end on a synthetic year.

Each step takes the shared `DemoContext`, does one part of the yearly procedure, and prints what it
did. Later parts of the product add their step to `STEPS`.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import typer
from rich.table import Table
from sqlalchemy import text

from service.cli.common import cli_actor, console
from service.core import migrate
from service.core.crypto import create_dev_keys
from service.core.db import get_engine, reset_engine_cache, session_scope
from service.core.settings import get_settings, reset_settings_cache
from service.indicators.terminal import demo_summary as indicators_summary
from service.ingest.cli import ingest_one, print_report
from service.ingest.models import SourceKind
from service.ingest.service import IngestRejected
from service.linkage.cli import print_run
from service.linkage.quality import evaluate
from service.linkage.service import run_linkage
from service.web.demo import ensure_demo_users
from sim.generate.brussels import GeneratorConfig, generate_year
from sim.generate.writers import YEAR_LISTS
from sim.procedure import cases, gemeenten, letters


@dataclass
class DemoContext:
    children: int
    seed: int
    school_year: str
    reference_date: date
    data_dir: Path  # generated source files
    output_dir: Path  # what the demo produces for people to look at (PDFs, exports)
    state: dict[str, Any] = field(default_factory=dict)  # what one step leaves for the next


DemoStep = Callable[[DemoContext], None]

# The generated files and the kind each one is ingested as, in the order the cell receives them.
DEMO_FILES: list[tuple[str, SourceKind, str | None]] = [
    (name, SourceKind(kind), None) for name, kind in YEAR_LISTS
]


def prepare_demo_database(url: str, output_dir: Path) -> None:
    """Point the whole process at the demo's database and output folder, starting both afresh.

    The demo simulates a school year with a moving clock, so every run starts from an empty schema:
    its own SQLite file is recreated; a database given explicitly must hold no data yet (the demo
    never wipes a database it did not create).
    """
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        if output_dir.exists() and output_dir.name == "output" and output_dir.parent.name == "demo":
            shutil.rmtree(output_dir)
    os.environ["TANDEM_DATABASE_URL"] = url
    os.environ["TANDEM_OUTPUT_DIR"] = str(output_dir)
    reset_settings_cache()
    reset_engine_cache()
    migrate.upgrade()
    with get_engine().connect() as conn:
        batches = conn.execute(text("SELECT count(*) FROM source_batches")).scalar()
    if batches:
        raise typer.BadParameter(
            "the demo needs an empty database; this one already holds source batches",
            param_hint="--database-url",
        )


def step_setup(ctx: DemoContext) -> None:
    settings = get_settings()
    if create_dev_keys(settings.resolved_key_dir):
        console.print(
            f"[yellow]Created local development keys in {settings.resolved_key_dir} "
            "(for the demo only: production keys come from your key store).[/yellow]"
        )
    console.print(f"demo database (recreated for this run): {settings.resolved_database_url}")


def step_generate(ctx: DemoContext) -> None:
    manifest = ctx.data_dir / "manifest.json"
    if manifest.exists():
        console.print(f"using the synthetic year already in {ctx.data_dir}")
    else:
        console.print(f"generating a synthetic Brussels year of {ctx.children:,} children in {ctx.data_dir}")
        generate_year(
            ctx.data_dir, GeneratorConfig(children=ctx.children, seed=ctx.seed, school_year=ctx.school_year)
        )
    ctx.state["manifest"] = json.loads(manifest.read_text(encoding="utf-8"))


def step_ingest(ctx: DemoContext) -> None:
    table = Table("file", "kind", "outcome", "rows", "with warnings", "batch", title="Ingested lists")
    reports = []
    for name, kind, source in DEMO_FILES:
        path = ctx.data_dir / name
        if not path.exists():
            continue
        try:
            report = ingest_one(kind, path, ctx.school_year, source)
        except IngestRejected as exc:
            print_report(exc.report)
            report = exc.report
        reports.append(report)
        table.add_row(
            name,
            kind.value,
            report.outcome,
            f"{report.rows_total:,}",
            f"{report.rows_with_warnings:,}",
            str(report.batch_id or "-"),
        )
    console.print(table)
    ctx.state["ingest_reports"] = reports


def step_link(ctx: DemoContext) -> None:
    """Link the year and print the statuses, and the quality against the generator's ground truth."""
    with session_scope() as session:
        run = run_linkage(session, ctx.school_year, ctx.reference_date, cli_actor())
        print_run(run)
        if (ctx.data_dir / "truth_children.csv").exists():
            q = evaluate(session, run, ctx.data_dir)
            console.print(
                f"quality against the ground truth: precision {q['precision']:.4f}, recall {q['recall']:.4f}, "
                f"F1 {q['f1']:.4f}; wrongly flagged {q['wrongly_flagged']} "
                f"({q['wrongly_flagged_per_10k']:.1f} per 10,000 accounted-for children); missed truants "
                f"{q['missed_truants']} ({100 * q['missed_truants_share']:.1f}% of the truly non-enrolled); "
                f"{q['children_in_review']} children in review ({100 * q['review_share']:.2f}% of the children of "
                "compulsory-school age)"
            )
        ctx.state["run_id"] = run.id


def step_cases(ctx: DemoContext) -> None:
    """Open a case per residual child, simulate the weeks of the procedure, print the funnel."""
    cases.demo_step(ctx)


def step_letters(ctx: DemoContext) -> None:
    """Where the print room's letter batches of the simulated weeks are (written by step_cases)."""
    letters.demo_summary(ctx)


def step_handovers(ctx: DemoContext) -> None:
    """Per gemeente: assignments made, answered, overdue; cases referred to the parket and decided."""
    gemeenten.demo_summary(ctx)


def step_indicators(ctx: DemoContext) -> None:
    """The year's indicator by gemeente, the honest count and the timeliness tables."""
    with session_scope() as session:
        console.print(indicators_summary(session, ctx.school_year))


def step_web_users(ctx: DemoContext) -> None:
    """One web user of each group, so that a newcomer can sign in and look at each view."""
    with session_scope() as session:
        for line in ensure_demo_users(session):
            console.print(line, highlight=False)


STEPS: list[DemoStep] = [
    step_setup,
    step_generate,
    step_ingest,
    step_link,
    step_cases,
    step_letters,
    step_handovers,
    step_indicators,
    step_web_users,
]


def run_demo(ctx: DemoContext) -> None:
    ctx.output_dir.mkdir(parents=True, exist_ok=True)
    for step in STEPS:
        step(ctx)
    url = get_settings().resolved_database_url
    console.print(f"[bold green]Demo finished.[/bold green] Outputs are in {ctx.output_dir}")
    console.print(f"Explore it: TANDEM_DATABASE_URL={url} .venv/bin/tandem cases list")
