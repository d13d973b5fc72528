"""Users, passwords (argon2) and API tokens (random, stored as SHA-256)."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError
from sqlalchemy import select
from sqlalchemy.orm import Session

from service.auth import throttle
from service.auth.models import ApiToken, Organisation, Role, User
from service.auth.policy import ROLE_ORGANISATIONS
from service.auth.sessions import (
    LANGUAGES,
    OpenSession,
    end_session,
    end_sessions_of,
    live_sessions,
    session_for_token,
    set_flash,
    set_language,
    start_session,
)
from service.core import clock
from service.core.errors import Conflict, NotFound, TandemError, Unauthenticated

_hasher = PasswordHasher()
__all__ = [
    "LANGUAGES",
    "OpenSession",
    "end_session",
    "end_sessions_of",
    "live_sessions",
    "session_for_token",
    "set_flash",
    "set_language",
    "start_session",
]
TOKEN_PREFIX = "tdm_"
MIN_PASSWORD_LENGTH = 12
DEFAULT_TOKEN_TTL = timedelta(days=90)
MAX_TOKEN_TTL = timedelta(days=3650)


@dataclass(frozen=True)
class Actor:
    """Who is acting: an API user or a local command. Carried into audit events and case timelines."""

    name: str
    role: Role
    user_id: int | None = None
    organisation_code: str | None = None
    community: str | None = None  # nl / fr for cell users
    nis_code: str | None = None  # for gemeente users

    @classmethod
    def from_user(cls, user: User) -> Actor:
        org = user.organisation
        return cls(user.username, Role(user.role), user.id, org.code, org.community, org.nis_code)

    @classmethod
    def system(cls, name: str = "system", community: str | None = None) -> Actor:
        """Local commands (CLI, tick, demo) run with cell-admin rights under a recognisable name."""
        return cls(name, Role.CELL_ADMIN, None, "SYSTEM", community, None)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise TandemError(
            f"a password needs at least {MIN_PASSWORD_LENGTH} characters (a passphrase is best)"
        )


def verify_password(stored: str | None, password: str) -> bool:
    if not stored:
        return False
    try:
        return _hasher.verify(stored, password)
    except (VerifyMismatchError, InvalidHashError):
        return False


def organisation_by_code(session: Session, code: str) -> Organisation:
    org = session.scalar(select(Organisation).where(Organisation.code == code.upper()))
    if org is None:
        raise NotFound(f"unknown organisation '{code}' (use AGODI, SCOS, PARKET or a gemeente NIS code)")
    return org


def create_user(
    session: Session,
    username: str,
    role: Role,
    organisation_code: str,
    password: str | None = None,
    full_name: str = "",
    language: str = "nl",
) -> User:
    org = organisation_by_code(session, organisation_code)
    if org.kind not in ROLE_ORGANISATIONS[role]:
        raise TandemError(f"role {role} cannot belong to organisation {org.code} ({org.kind})")
    if password is not None:
        check_password(password)
    if session.scalar(select(User).where(User.username == username)) is not None:
        raise Conflict(f"user '{username}' already exists")
    user = User(
        username=username,
        full_name=full_name,
        role=role.value,
        organisation_id=org.id,
        password_hash=hash_password(password) if password else None,
        created_at=clock.now(),
        active=True,
        language=language if language in LANGUAGES else "nl",
    )
    user.organisation = org
    session.add(user)
    session.flush()
    return user


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_token(session: Session, user: User, name: str = "", ttl: timedelta = DEFAULT_TOKEN_TTL) -> str:
    """Create an API token; the clear token is returned once and never stored. Every token expires:
    a validity of zero, below zero or beyond MAX_TOKEN_TTL is refused."""
    if not timedelta(0) < ttl <= MAX_TOKEN_TTL:
        raise TandemError(f"a token's validity must be more than 0 and at most {MAX_TOKEN_TTL.days} days")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = clock.now()
    session.add(
        ApiToken(
            user_id=user.id,
            token_hash=_token_digest(token),
            name=name,
            created_at=now,
            expires_at=now + ttl,
        )
    )
    session.flush()
    return token


@lru_cache
def _no_user_hash() -> str:
    return _hasher.hash(secrets.token_urlsafe(16))


def authenticate(session: Session, username: str, password: str, address: str = "local") -> User:
    """The active user with this name and password; 401 otherwise (the same answer for every cause).

    Throttled per user name and per `address` (service.auth.throttle); a failed attempt is committed
    before the refusal, so it counts."""
    throttle.check(session, username, address)
    user = session.scalar(select(User).where(User.username == username))
    stored = user.password_hash if user is not None else None
    # The same argon2 work whether the user exists, has a password or is disabled: otherwise the
    # response time would tell which user names exist.
    matches = verify_password(stored or _no_user_hash(), password) and stored is not None
    if user is None or not user.active or not matches:
        throttle.record(session, username, address, succeeded=False)
        session.commit()
        raise Unauthenticated("unknown user or wrong password")
    throttle.record(session, username, address, succeeded=True)
    return user


def login(
    session: Session,
    username: str,
    password: str,
    ttl: timedelta = timedelta(hours=12),
    address: str = "local",
) -> str:
    return issue_token(session, authenticate(session, username, password, address), name="login", ttl=ttl)


def disable_user(session: Session, username: str) -> int:
    """Refuse a user from now on (login, API, web) and revoke their tokens and end their browser
    sessions; returns how many tokens were live."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"no user '{username}'")
    user.active = False
    now = clock.now()
    live = list(
        session.scalars(select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None)))
    )
    for row in live:
        row.revoked_at = now
    end_sessions_of(session, user.id)
    session.flush()
    return len(live)


def user_for_token(session: Session, token: str) -> User | None:
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == _token_digest(token)))
    if row is None or row.revoked_at is not None:
        return None
    if row.expires_at is not None and row.expires_at <= clock.now():
        return None
    if not row.user.active:
        return None
    return row.user


# Reads for other domains


def organisation_codes(session: Session, ids: Iterable[int]) -> dict[int, str]:
    """Organisation codes (AGODI, SCOS, PARKET, a NIS code) by id."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    return dict(
        session.execute(select(Organisation.id, Organisation.code).where(Organisation.id.in_(wanted))).all()
    )


def organisation_emails(session: Session) -> dict[int, str]:
    """Where each organisation that gave an address wants its notifications e-mailed, by id."""
    rows = session.execute(
        select(Organisation.id, Organisation.email).where(
            Organisation.email.is_not(None), Organisation.email != ""
        )
    )
    return {org_id: email for org_id, email in rows}


def set_organisation_contact(
    session: Session, code: str, *, default_visitor: str | None = None, email: str | None = None
) -> Organisation:
    """A gemeente's own settings: who visits by default, where notifications go ('' clears it).
    The caller has checked the actor may change this organisation."""
    org = organisation_by_code(session, code)
    if default_visitor is not None:
        org.default_visitor = default_visitor
    if email is not None:
        org.email = email.strip() or None
    return org


def user_organisations(session: Session, *, user_ids: Iterable[int]) -> dict[int, str]:
    """The organisation code of each user, by user id (who acted for which organisation)."""
    wanted = sorted(set(user_ids))
    if not wanted:
        return {}
    rows = session.execute(
        select(User.id, Organisation.code)
        .join(Organisation, User.organisation_id == Organisation.id)
        .where(User.id.in_(wanted))
    )
    return {user_id: code for user_id, code in rows}


def organisation_names(session: Session, *, codes: Iterable[str]) -> dict[str, tuple[str, str]]:
    """Each organisation's Dutch and French name, by code."""
    wanted = sorted(set(codes))
    if not wanted:
        return {}
    rows = session.execute(
        select(Organisation.code, Organisation.name_nl, Organisation.name_fr).where(
            Organisation.code.in_(wanted)
        )
    )
    return {code: (nl, fr) for code, nl, fr in rows}


# User administration (service.auth.admin builds on the functions above), for the routes, the
# commands and the web pages: imported last, so that admin finds this module complete.
from service.auth.admin import (  # noqa: E402
    MAX_TOKEN_DAYS,
    Ended,
    create_account,
    disable_account,
    enable_account,
    issue_api_token,
    list_accounts,
    list_api_tokens,
    list_organisations,
    reset_password,
    revoke_api_token,
    token_state,
    user_by_id,
)

__all__ += [
    "MAX_TOKEN_DAYS",
    "Ended",
    "create_account",
    "disable_account",
    "enable_account",
    "issue_api_token",
    "list_accounts",
    "list_api_tokens",
    "list_organisations",
    "reset_password",
    "revoke_api_token",
    "token_state",
    "user_by_id",
]
