"""Shared pieces of the command line: the local actor, database readiness, progress bars, output."""

from __future__ import annotations

import getpass
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from service.auth.service import Actor
from service.core import migrate
from service.core.db import get_engine
from service.core.errors import TandemError
from service.core.settings import get_settings

console = Console()
err_console = Console(stderr=True)


def cli_actor() -> Actor:
    """Local commands act as the operating-system user, recorded in audit events and timelines."""
    try:
        name = getpass.getuser()
    except Exception:  # no passwd entry in some containers
        name = "unknown"
    return Actor.system(f"cli:{name}")


def ensure_schema_current() -> None:
    """Refuse to work on a database whose schema is behind the code, and say how to fix it.

    A SQLite file that does not exist is not created here (a read-only command run in the wrong
    directory must not leave an empty database behind).
    """
    url = get_settings().resolved_database_url
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        path = Path(url.removeprefix("sqlite:///"))
        if not path.exists():
            raise TandemError(
                f"no database at {path}: run `tandem db upgrade` first"
                " (or set TANDEM_DATA_DIR or TANDEM_DATABASE_URL)"
            )
    current, head = migrate.revisions(get_engine())
    if current != head:
        raise TandemError(
            f"the database schema is at {current or 'nothing'}, the code needs {head}: run `tandem db upgrade`"
        )


def fail(exc: TandemError) -> typer.Exit:
    err_console.print(f"[red]error:[/red] {exc}")
    return typer.Exit(code=2)


@contextmanager
def byte_progress(description: str) -> Iterator[Progress]:
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=False,
    ) as progress:
        yield progress


@contextmanager
def count_progress(description: str) -> Iterator[Progress]:
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed:,.0f}/{task.total:,.0f}"),
        TimeElapsedColumn(),
        console=console,
    ) as progress:
        yield progress
