"""Browser sessions of the web interface, kept in a table (`WebSession`).

The cookie carries a random token; the table keeps only its SHA-256, the session's CSRF token, when
it started and when it was last used. A session ends when its user signs out, stays idle longer
than the idle time-out, reaches its maximum age, or its user is disabled (`end_sessions_of`).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from service.auth.models import User, WebSession
from service.core import clock

LANGUAGES = ("nl", "fr")
# last_seen_at is rewritten at most this often, so that reading pages is not a write per request
TOUCH_EVERY = timedelta(seconds=30)


@dataclass(frozen=True)
class OpenSession:
    """What a page needs of a live session: its user, its CSRF token, a message left for it."""

    user: User
    csrf_token: str
    flash: str | None


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def start_session(session: Session, user: User) -> str:
    """Open a browser session for an authenticated, active user; returns the cookie's clear token."""
    token = secrets.token_urlsafe(32)
    now = clock.now()
    session.add(
        WebSession(
            token_hash=_digest(token),
            user_id=user.id,
            csrf_token=secrets.token_urlsafe(32),
            created_at=now,
            last_seen_at=now,
        )
    )
    session.flush()
    return token


def session_for_token(
    session: Session, token: str, *, idle: timedelta, max_age: timedelta, pop_flash: bool = True
) -> OpenSession | None:
    """The live session of `token`, touched; None (and the row ended) once idle or too old."""
    row = session.scalar(select(WebSession).where(WebSession.token_hash == _digest(token)))
    if row is None or row.ended_at is not None:
        return None
    now = clock.now()
    if not row.user.active or now - row.last_seen_at > idle or now - row.created_at > max_age:
        row.ended_at = now
        session.flush()
        return None
    if now - row.last_seen_at > TOUCH_EVERY:
        row.last_seen_at = now
    flash = row.flash
    if pop_flash and flash is not None:
        row.flash = None
    session.flush()
    return OpenSession(row.user, row.csrf_token, flash)


def set_flash(session: Session, token: str, message_key: str) -> None:
    """Leave a message (a catalogue key) for the next page this session shows."""
    session.execute(
        update(WebSession).where(WebSession.token_hash == _digest(token)).values(flash=message_key[:400])
    )


def end_session(session: Session, token: str) -> None:
    session.execute(
        update(WebSession)
        .where(WebSession.token_hash == _digest(token), WebSession.ended_at.is_(None))
        .values(ended_at=clock.now())
    )


def end_sessions_of(session: Session, user_id: int) -> int:
    """End every live browser session of a user (disabling them); returns how many were live."""
    result = session.execute(
        update(WebSession)
        .where(WebSession.user_id == user_id, WebSession.ended_at.is_(None))
        .values(ended_at=clock.now())
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def live_sessions(session: Session, user_id: int) -> int:
    return len(
        list(
            session.scalars(
                select(WebSession.id).where(WebSession.user_id == user_id, WebSession.ended_at.is_(None))
            )
        )
    )


def set_language(session: Session, user_id: int, language: str) -> None:
    """The language the user reads the web interface in (kept on the user record)."""
    if language not in LANGUAGES:
        raise ValueError(f"language must be one of {', '.join(LANGUAGES)}")
    session.execute(update(User).where(User.id == user_id).values(language=language))
