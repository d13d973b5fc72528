"""`tandem audit ...`: the audit trail's commands."""

from __future__ import annotations

import typer

from service.audit.report_cli import child

audit_app = typer.Typer(help="The audit trail.", no_args_is_help=True)
audit_app.command("child")(child)
