"""Web users for the demo: one of each role, so that a newcomer can sign in and look at each view."""

from __future__ import annotations

from sqlalchemy.orm import Session

from service.auth import service as auth
from service.auth.policy import Role
from service.core.db import session_scope
from service.core.errors import Conflict

# A demo database only: the demo recreates its own file on every run.
DEMO_PASSWORD = "demo-password-tandem"
# username -> (role, organisation, language)
DEMO_USERS: dict[str, tuple[Role, str, str]] = {
    "operator-agodi": (Role.CELL_OPERATOR, "AGODI", "nl"),
    "operateur-scos": (Role.CELL_OPERATOR, "SCOS", "fr"),
    "admin-agodi": (Role.CELL_ADMIN, "AGODI", "nl"),
    "gemeente-21004": (Role.GEMEENTE_USER, "21004", "fr"),
    "parket": (Role.PARKET_USER, "PARKET", "nl"),
    "auditor": (Role.AUDITOR, "AGODI", "nl"),
}


def ensure_demo_users(session: Session) -> list[str]:
    """Create the demo's web users (those that exist are left alone); the lines to print."""
    for username, (role, org, lang) in DEMO_USERS.items():
        try:
            with session.begin_nested():
                auth.create_user(session, username, role, org, DEMO_PASSWORD, username, language=lang)
        except Conflict:
            pass
    lines = [
        "Web interface: `.venv/bin/tandem serve` with the same TANDEM_DATABASE_URL, then open "
        "http://127.0.0.1:8000/ and sign in with one of these users (password "
        f"'{DEMO_PASSWORD}'):"
    ]
    lines += [
        f"  {name:<16} {role.value} of {org} (reads {lang})" for name, (role, org, lang) in DEMO_USERS.items()
    ]
    return lines


def demo_users() -> list[str]:
    """`ensure_demo_users` in its own transaction on the configured database (the demo's)."""
    with session_scope() as session:
        return ensure_demo_users(session)
