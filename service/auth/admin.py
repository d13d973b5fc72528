"""User administration by the cell administrator: accounts (role, organisation, language), leavers,
password resets and API tokens with an expiry.

Who may call these is decided by the `users:admin` permission (service.auth.policy) at the route or
command; the rules that hold whoever calls (an administrator does not disable themself, a token
always expires, within a year) are here. Disabling a user or resetting a password ends what that
user had open, in the same transaction: API tokens and browser sessions (service.auth.sessions).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.auth import service
from service.auth.models import ApiToken, Organisation, Role, User
from service.auth.service import Actor
from service.core import clock
from service.core.errors import Conflict, NotFound, TandemError

LANGUAGES = service.LANGUAGES
MAX_TOKEN_DAYS = service.MAX_TOKEN_TTL.days  # one limit for every way a token is issued
LOGIN_TOKEN = "login"  # the name `service.login` gives the tokens a sign-in issues


@dataclass(frozen=True)
class Ended:
    """What disabling a user or resetting a password stopped."""

    tokens: int
    sessions: int


def _user(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"no user '{username}'")
    return user


def user_by_id(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("user not found")
    return user


def check_language(language: str) -> str:
    if language not in LANGUAGES:
        raise TandemError(f"language must be one of {', '.join(LANGUAGES)}")
    return language


def create_account(
    session: Session,
    *,
    username: str,
    role: Role,
    organisation: str,
    language: str,
    password: str | None = None,
    full_name: str = "",
) -> User:
    """A new user of one organisation, in the language their screens will use."""
    check_language(language)
    if not username.strip() or len(username) > 80:
        raise TandemError("a user name needs 1 to 80 characters")
    return service.create_user(session, username.strip(), role, organisation, password, full_name, language)


def _revoke(session: Session, user_id: int, *, only: str | None = None) -> int:
    query = select(ApiToken).where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
    if only is not None:
        query = query.where(ApiToken.name == only)
    now = clock.now()
    live = list(session.scalars(query))
    for row in live:
        row.revoked_at = now
    return len(live)


def disable_account(session: Session, actor: Actor, *, username: str) -> Ended:
    """A leaver: no sign-in from now on, every API token revoked, every open session ended."""
    user = _user(session, username)
    if actor.user_id is not None and actor.user_id == user.id:
        raise Conflict("an administrator cannot disable their own account")
    sessions = service.live_sessions(session, user.id)
    tokens = service.disable_user(session, username)  # revokes the tokens, ends the browser sessions
    ended = Ended(tokens=tokens, sessions=sessions)
    session.flush()
    return ended


def enable_account(session: Session, *, username: str) -> User:
    """Let a disabled user sign in again (their old tokens stay revoked)."""
    user = _user(session, username)
    user.active = True
    session.flush()
    return user


def reset_password(session: Session, *, username: str, password: str) -> Ended:
    """A new password set by the administrator; the sign-ins made with the old one end."""
    user = _user(session, username)
    service.check_password(password)
    user.password_hash = service.hash_password(password)
    ended = Ended(
        tokens=_revoke(session, user.id, only=LOGIN_TOKEN), sessions=service.end_sessions_of(session, user.id)
    )
    session.flush()
    return ended


def list_accounts(
    session: Session, *, organisation: str | None = None, active: bool | None = None
) -> list[User]:
    query = select(User).order_by(User.id)
    if organisation:
        query = query.join(Organisation, User.organisation_id == Organisation.id).where(
            Organisation.code == organisation.upper()
        )
    if active is not None:
        query = query.where(User.active.is_(active))
    return list(session.scalars(query))


def list_organisations(session: Session) -> list[Organisation]:
    return list(session.scalars(select(Organisation).order_by(Organisation.kind, Organisation.code)))


def issue_api_token(session: Session, *, username: str, name: str, days: int) -> tuple[str, ApiToken]:
    """A named API token valid `days` days (1 to MAX_TOKEN_DAYS: a token that never expires is not issued).
    Returns the clear token, shown once, and its stored row."""
    if not 1 <= days <= MAX_TOKEN_DAYS:
        raise TandemError(f"a token is valid 1 to {MAX_TOKEN_DAYS} days")
    if not name.strip() or len(name) > 80:
        raise TandemError("a token needs a name of 1 to 80 characters (what it is for)")
    if name.strip() == LOGIN_TOKEN:
        raise TandemError(f"'{LOGIN_TOKEN}' is the name of sign-in tokens; choose another")
    user = _user(session, username)
    if not user.active:
        raise Conflict(f"user '{username}' is disabled")
    clear = service.issue_token(session, user, name=name.strip(), ttl=timedelta(days=days))
    row = session.scalar(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc()))
    assert row is not None
    return clear, row


def list_api_tokens(session: Session, *, username: str) -> list[ApiToken]:
    user = _user(session, username)
    return list(session.scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id)))


def revoke_api_token(session: Session, *, token_id: int, username: str | None = None) -> ApiToken:
    """Revoke one token (idempotent); with `username`, only a token of that user is found."""
    row = session.get(ApiToken, token_id)
    if row is None or (username is not None and row.user.username != username):
        raise NotFound("token not found")
    if row.revoked_at is None:
        row.revoked_at = clock.now()
        session.flush()
    return row


def token_state(row: ApiToken, now: datetime | None = None) -> str:
    """active, expired or revoked."""
    now = now or clock.now()
    if row.revoked_at is not None:
        return "revoked"
    if row.expires_at is not None and row.expires_at <= now:
        return "expired"
    return "active"
