"""`tandem notifications ...`: drain the e-mail outbox, read an organisation's notifications."""

from __future__ import annotations

import typer
from rich.table import Table

from service.auth.policy import Role
from service.auth.service import Actor
from service.cli.common import console, ensure_schema_current
from service.core.db import session_scope
from service.core.settings import get_settings
from service.notifications import service

notifications_app = typer.Typer(
    help="Notifications to gemeenten, the parket and the cell.", no_args_is_help=True
)


@notifications_app.command("send")
def send() -> None:
    """E-mail the notifications not yet sent (safe to run from cron; needs TANDEM_SMTP_HOST)."""
    ensure_schema_current()
    if not get_settings().smtp_host:
        console.print("no SMTP server configured (TANDEM_SMTP_HOST); notifications stay readable in the API")
        return
    with session_scope() as session:
        result = service.deliver_pending(session)
    console.print(f"e-mailed {result.sent}, failed {result.failed} (retried on the next run)")


@notifications_app.command("list")
def list_(
    org: str = typer.Argument(..., help="AGODI, SCOS, PARKET or a gemeente NIS code"),
    unread: bool = typer.Option(False, help="Only unread ones"),
    limit: int = 50,
) -> None:
    """An organisation's notifications, newest first (texts hold no personal data)."""
    ensure_schema_current()
    actor = Actor("cli", Role.CELL_ADMIN, None, org.upper())  # reads as that organisation
    table = Table("id", "when", "kind", "case", "read", "e-mailed", "subject (nl / fr)")
    with session_scope() as session:
        for n in service.for_actor(session, actor, unread_only=unread, limit=limit):
            table.add_row(
                str(n.id),
                n.created_at.strftime("%Y-%m-%d %H:%M"),
                n.kind,
                str(n.case_id or "-"),
                "yes" if n.read_at else "no",
                "yes" if n.emailed_at else "no",
                f"{n.subject_nl}\n{n.subject_fr}",
            )
    console.print(table)
