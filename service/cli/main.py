"""The `tandem` command: each domain's commands mounted in one place."""

from __future__ import annotations

from importlib.metadata import entry_points

import typer

from service.audit.cli import audit_app
from service.auth.cli import users_app
from service.cases.cli import cases_app, tick, workflow_app
from service.cli.common import cli_actor, console, ensure_schema_current, fail
from service.core import migrate
from service.core.crypto import cached_keyring, create_dev_keys
from service.core.db import session_scope
from service.core.errors import TandemError
from service.core.logging import configure_logging
from service.core.settings import get_settings
from service.gemeenten.cli import gemeenten_app
from service.indicators.cli import indicators_app
from service.ingest.cli import batches, ingest, profiles_app
from service.letters.cli import letters_app
from service.linkage.cli import explain, review_app, run
from service.notifications.cli import notifications_app
from service.ops.rotation import rotate
from service.parket.cli import parket_app
from service.wiring import wire

app = typer.Typer(
    help="Tandem: find every child of compulsory-school age enrolled nowhere, and follow "
    "each one until the child is back in education.",
    no_args_is_help=True,
)
db_app = typer.Typer(help="Database schema (Alembic migrations).", no_args_is_help=True)
keys_app = typer.Typer(help="Key material for national-number hashing and encryption.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(keys_app, name="keys")
app.add_typer(users_app, name="users")
app.command()(ingest)
app.command()(batches)
app.command()(run)
app.command()(explain)
app.add_typer(review_app, name="review")
app.add_typer(cases_app, name="cases")
app.add_typer(workflow_app, name="workflow")
app.add_typer(letters_app, name="letters")
app.add_typer(gemeenten_app, name="gemeenten")
app.add_typer(parket_app, name="parket")
app.add_typer(notifications_app, name="notifications")
app.add_typer(profiles_app, name="profiles")
app.add_typer(audit_app, name="audit")
app.command()(tick)
app.add_typer(indicators_app, name="indicators")
# Command groups from other installed packages (the simulation's `generate` and `demo`), so that
# the service never imports them: each entry point is a function taking this app.
for _entry in entry_points(group="tandem.commands"):
    _entry.load()(app)


@app.callback()
def _main() -> None:
    configure_logging()
    wire()


@db_app.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Apply migrations up to `revision` (default: the latest)."""
    migrate.upgrade(revision=revision)
    console.print(f"schema upgraded to {revision} on {get_settings().resolved_database_url}")


@db_app.command("downgrade")
def db_downgrade(
    revision: str = typer.Argument(..., help="Target revision, or 'base' to remove everything"),
) -> None:
    migrate.downgrade(revision=revision)
    console.print(f"schema downgraded to {revision}")


@keys_app.command("init")
def keys_init() -> None:
    """Create local development keys if there are none (never use these in production)."""
    key_dir = get_settings().resolved_key_dir
    if create_dev_keys(key_dir):
        console.print(f"created development keys in {key_dir}")
    else:
        console.print(f"keys already present in {key_dir}; nothing changed")


@keys_app.command("rotate")
def keys_rotate() -> None:
    """Re-key every stored national-number hash under the active (newest) HMAC key, in one
    transaction; keep the old key file until this has run."""
    ensure_schema_current()
    try:
        with session_scope() as session:
            report = rotate(session, cli_actor(), cached_keyring())
    except TandemError as exc:
        raise fail(exc) from None
    done = ", ".join(f"{table} {n}" for table, n in report.rekeyed.items())
    console.print(f"re-keyed under '{report.key_id}': {done}")
    left = {t: n for t, n in report.unmatched.items() if n}
    if left:
        console.print(
            "of which list records whose number matches no register child (kept as such): "
            + ", ".join(f"{t} {n}" for t, n in left.items())
        )


@app.command()
def serve(host: str = "127.0.0.1", port: int = 8000) -> None:
    """Run the HTTP API (see deploy/ for production)."""
    import uvicorn

    uvicorn.run("service.api.main:app", host=host, port=port)


if __name__ == "__main__":
    app()
