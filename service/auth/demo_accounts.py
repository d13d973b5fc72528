"""Sign-in accounts for the demo: one user of each group (cell administrator, gemeente, parket,
auditor), so a newcomer can open each view. Created only on the demo's own database."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.auth import admin
from service.auth.models import Role, User
from service.cli.common import console
from service.core.db import session_scope

DEMO_PASSWORD = "tandem-demo-2026"


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: Role
    organisation: str
    language: str
    group: str  # what the newcomer will see


def demo_accounts(gemeente: str = "21004", other_gemeente: str = "21015") -> list[DemoAccount]:
    return [
        DemoAccount(
            "demo-admin", Role.CELL_ADMIN, "AGODI", "nl", "cell administrator: users, tokens, settings"
        ),
        DemoAccount(
            f"demo-gemeente-{gemeente}", Role.GEMEENTE_USER, gemeente, "nl", "gemeente: its assignments"
        ),
        DemoAccount(
            f"demo-gemeente-{other_gemeente}",
            Role.GEMEENTE_USER,
            other_gemeente,
            "fr",
            "another gemeente (French)",
        ),
        DemoAccount("demo-parket", Role.PARKET_USER, "PARKET", "fr", "parket: referred cases and outcomes"),
        DemoAccount("demo-auditor", Role.AUDITOR, "SCOS", "fr", "auditor: audit trail, a child's report"),
    ]


def ensure_demo_accounts(session: Session, accounts: list[DemoAccount]) -> list[DemoAccount]:
    """Create the accounts that do not exist yet (the demo may run on a database it reuses)."""
    for a in accounts:
        if session.scalar(select(User.id).where(User.username == a.username)) is None:
            admin.create_account(
                session,
                username=a.username,
                role=a.role,
                organisation=a.organisation,
                language=a.language,
                password=DEMO_PASSWORD,
                full_name=a.group,
            )
    return accounts


def demo_sign_ins(ctx: Any = None, *, url: str = "http://127.0.0.1:8000/") -> list[str]:
    """Create the demo's accounts and print how to sign in with each (the demo calls this last)."""
    with session_scope() as session:
        accounts = ensure_demo_accounts(session, demo_accounts())
    lines = [
        f"{a.username:<22} {a.role.value:<14} {a.organisation:<7} {a.language}  {a.group}" for a in accounts
    ]
    console.print(
        f"[bold]Sign in[/bold] at {url} (run `tandem serve` on the demo database), password {DEMO_PASSWORD}:"
    )
    for line in lines:
        console.print("  " + line)
    return lines
