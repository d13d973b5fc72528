"""Shared pieces of the command line: the local actor, database readiness, progress bars, output."""

from __future__ import annotations

import getpass
from collections.abc import Iterator
from contextlib import contextmanager

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
    """Refuse to work on a database whose schema is behind the code, and say how to fix it."""
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
