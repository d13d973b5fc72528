"""The simulation's commands, mounted on `tandem` through the `tandem.commands` entry point."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import typer

from service.core.settings import get_settings
from sim.demo import DemoContext, prepare_demo_database, run_demo
from sim.generate.cli import generate_command


def register(app: typer.Typer) -> None:
    """Add `generate` and `demo` to the `tandem` command."""
    app.command("generate")(generate_command)
    app.command("demo")(demo)


def demo(
    children: int = typer.Option(20_000, help="Size of the synthetic year (Brussels is about 220,000)"),
    seed: int = typer.Option(7),
    school_year: str = typer.Option("2025-2026", "--school-year"),
    reference_date: str = typer.Option("2025-10-01", "--reference-date"),
    data_dir: Path = typer.Option(
        None, help="Where the synthetic source files go (default: under the data dir)"
    ),
    output_dir: Path = typer.Option(None, help="Where letters and exports go (default: var/demo/output)"),
    database_url: str = typer.Option(
        None, help="Run on this (empty) database instead of the demo's own SQLite file"
    ),
) -> None:
    """The main job on a synthetic year: generate, ingest, link, open cases, run the procedure."""
    settings = get_settings()
    demo_dir = settings.data_dir / "demo"
    prepare_demo_database(
        database_url or f"sqlite:///{(demo_dir / 'tandem-demo.sqlite3').as_posix()}",
        output_dir or demo_dir / "output",
    )
    settings = get_settings()
    run_demo(
        DemoContext(
            children=children,
            seed=seed,
            school_year=school_year,
            reference_date=date.fromisoformat(reference_date),
            data_dir=data_dir or demo_dir / f"{school_year}-{children}-{seed}",
            output_dir=settings.resolved_output_dir,
        )
    )
