"""Login throttling per user name and per client address, kept in the database (`login_attempts`)
so that it holds across API workers and restarts.

A user name is refused (429, with Retry-After) after `login_max_failures_per_user` failures within
`login_window_seconds` since its last successful login; a client address after
`login_max_failures_per_address` failures within the window, whatever the names tried. A refused
attempt is not counted (the wait does not grow while someone keeps trying) and is reported to the
registered listeners (the audit trail, wired at start-up: auth sits below audit).
Behind a reverse proxy, run uvicorn with `--proxy-headers --forwarded-allow-ips` set to the proxy,
so that the address is the client's, not the proxy's.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, delete, func, select
from sqlalchemy.orm import Session

from service.auth.models import LoginAttempt, User
from service.core import clock
from service.core.errors import TooManyRequests
from service.core.settings import get_settings

# (session, user name, user id or None, seconds to wait): told of every refused attempt.
ThrottleListener = Callable[[Session, str, int | None, int], None]
_listeners: list[ThrottleListener] = []


def on_throttled(fn: ThrottleListener) -> ThrottleListener:
    if fn not in _listeners:
        _listeners.append(fn)
    return fn


def _retry_after(session: Session, where: ColumnElement[bool], since: datetime, limit: int) -> int:
    """Seconds until the failures matching `where` after `since` fall below `limit` (0: not throttled)."""
    failures = select(LoginAttempt.at).where(where, ~LoginAttempt.succeeded, LoginAttempt.at > since)
    if (session.scalar(select(func.count()).select_from(failures.subquery())) or 0) < limit:
        return 0
    # The oldest failure that keeps the count at the limit decides when the next attempt is allowed.
    oldest = session.scalar(failures.order_by(LoginAttempt.at.desc()).offset(limit - 1).limit(1))
    window = timedelta(seconds=get_settings().login_window_seconds)
    return max(1, math.ceil(((oldest + window) - clock.now()).total_seconds())) if oldest else 0


def check(session: Session, username: str, address: str) -> None:
    """Raise TooManyRequests when this user name or this address must wait."""
    settings = get_settings()
    now = clock.now()
    window_start = now - timedelta(seconds=settings.login_window_seconds)
    last_success = session.scalar(
        select(func.max(LoginAttempt.at)).where(LoginAttempt.username == username, LoginAttempt.succeeded)
    )
    since_user = max(window_start, last_success) if last_success else window_start
    wait = max(
        _retry_after(
            session, LoginAttempt.username == username, since_user, settings.login_max_failures_per_user
        ),
        _retry_after(
            session, LoginAttempt.address == address, window_start, settings.login_max_failures_per_address
        ),
    )
    if wait:
        user_id = session.scalar(select(User.id).where(User.username == username))
        for listener in _listeners:
            listener(session, username, user_id, wait)
        session.commit()  # the audit event stays although the request fails
        raise TooManyRequests(f"too many failed logins: try again in {wait} seconds", retry_after=wait)


def record(session: Session, username: str, address: str, succeeded: bool) -> None:
    """Store one attempt (committed by the caller, or at once for a failure: see service.login)."""
    session.add(
        LoginAttempt(at=clock.now(), username=username[:80], address=address[:64], succeeded=succeeded)
    )
    # Attempts older than the window (and a day) serve no limit: keep the table small.
    keep = timedelta(seconds=max(86_400, get_settings().login_window_seconds))
    session.execute(delete(LoginAttempt).where(LoginAttempt.at < clock.now() - keep))
