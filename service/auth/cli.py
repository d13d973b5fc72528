"""`tandem users ...`: bootstrap the first administrator and issue API tokens."""

from __future__ import annotations

from datetime import timedelta

import typer
from sqlalchemy import select

from service.auth import service
from service.auth.models import Role, User
from service.cli.common import cli_actor, console, ensure_schema_current, fail
from service.core.db import session_scope
from service.core.errors import TandemError

users_app = typer.Typer(help="Users and API tokens.", no_args_is_help=True)


@users_app.command("create")
def create(
    username: str,
    role: Role = typer.Option(..., help="cell_operator, cell_admin, gemeente_user, parket_user, auditor"),
    org: str = typer.Option(..., help="AGODI, SCOS, PARKET, or a gemeente NIS code such as 21004"),
    full_name: str = typer.Option("", help="Shown on case timelines"),
    language: str = typer.Option("nl", help="nl or fr: the language of the user's screens"),
    password: str = typer.Option(None, help="Prompted for when not given", show_default=False),
    token: bool = typer.Option(False, help="Also issue an API token (valid 90 days) and print it once"),
) -> None:
    """Create a user (the first one is usually a cell_admin of AGODI or SCOS)."""
    ensure_schema_current()
    if password is None:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        with session_scope() as session:
            user = service.create_account(
                session,
                username=username,
                role=role,
                organisation=org,
                language=language,
                password=password,
                full_name=full_name,
            )
            clear = service.issue_token(session, user, name="cli", ttl=timedelta(days=90)) if token else None
    except TandemError as exc:
        raise fail(exc) from None
    console.print(f"created user [bold]{username}[/bold] ({role.value} of {org.upper()})")
    if clear:
        console.print(f"API token (shown once): {clear}")


@users_app.command("token")
def token(
    username: str,
    days: int = typer.Option(90, min=1, max=service.MAX_TOKEN_TTL.days, help="Validity in days (1-3650)"),
) -> None:
    """Issue a new API token for a user; it is printed once and stored only as a hash. Every token
    expires."""
    ensure_schema_current()
    with session_scope() as session:
        user = session.scalar(select(User).where(User.username == username))
        if user is None:
            raise fail(TandemError(f"no user '{username}'"))
        try:
            clear = service.issue_token(session, user, name="cli", ttl=timedelta(days=days))
        except TandemError as exc:
            raise fail(exc) from None
    console.print(clear)


@users_app.command("disable")
def disable(username: str) -> None:
    """Refuse a user from now on: no login, every API token revoked, every session ended (their
    history stays)."""
    ensure_schema_current()
    try:
        with session_scope() as session:
            ended = service.disable_account(session, cli_actor(), username=username)
    except TandemError as exc:
        raise fail(exc) from None
    console.print(
        f"user [bold]{username}[/bold] disabled; {ended.tokens} API token(s) revoked, "
        f"{ended.sessions} session(s) ended"
    )


@users_app.command("list")
def list_users() -> None:
    ensure_schema_current()
    with session_scope() as session:
        for u in session.scalars(select(User).order_by(User.id)):
            console.print(
                f"{u.id:>4}  {u.username:<24} {u.role:<14} {u.organisation.code:<8} {u.language}  "
                f"{'active' if u.active else 'disabled'}"
            )


@users_app.command("reset-password")
def reset_password(
    username: str,
    password: str = typer.Option(None, help="Prompted for when not given", show_default=False),
) -> None:
    """Set a new password for a user; their sign-ins made with the old one end."""
    ensure_schema_current()
    if password is None:
        password = typer.prompt("New password", hide_input=True, confirmation_prompt=True)
    try:
        with session_scope() as session:
            ended = service.reset_password(session, username=username, password=password)
    except TandemError as exc:
        raise fail(exc) from None
    console.print(
        f"password of [bold]{username}[/bold] reset; {ended.tokens + ended.sessions} sign-in(s) ended"
    )


@users_app.command("tokens")
def tokens(username: str) -> None:
    """A user's API tokens: name, issued, expiry, state (never the token itself)."""
    ensure_schema_current()
    try:
        with session_scope() as session:
            for t in service.list_api_tokens(session, username=username):
                expires = t.expires_at.date().isoformat() if t.expires_at else "never"
                console.print(
                    f"{t.id:>5}  {t.name:<20} issued {t.created_at.date().isoformat()}  "
                    f"expires {expires:<10}  {service.token_state(t)}"
                )
    except TandemError as exc:
        raise fail(exc) from None


@users_app.command("revoke")
def revoke(
    token_id: int, username: str = typer.Option(None, help="Only if the token is this user's")
) -> None:
    """Revoke one API token at once (see `tandem users tokens USER` for the ids)."""
    ensure_schema_current()
    try:
        with session_scope() as session:
            row = service.revoke_api_token(session, token_id=token_id, username=username)
            name = row.user.username
    except TandemError as exc:
        raise fail(exc) from None
    console.print(f"token {token_id} of [bold]{name}[/bold] revoked")
