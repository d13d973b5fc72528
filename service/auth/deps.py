"""FastAPI dependencies: the database session, the authenticated actor, and permission checks."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from fastapi import Depends, HTTPException, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from service.auth.policy import roles_for
from service.auth.service import Actor, user_for_token
from service.core.db import session_scope

_bearer = HTTPBearer(auto_error=False)


def get_session() -> Iterator[Session]:
    """One session per request, committed when the route succeeds (core.db.session_scope).

    Routes take it as `db_session` (function scope), so the commit happens before the response is sent:
    a client never gets a 200 for a change whose commit then fails (a lost 409 race), and the page
    after a redirect reads what the POST wrote."""
    with session_scope() as session:
        yield session


db_session = Depends(
    get_session, scope="function"
)  # what routes and pages declare: `s: Session = db_session`


def current_actor(
    credentials: HTTPAuthorizationCredentials | None = Depends(_bearer),
    session: Session = db_session,
) -> Actor:
    if credentials is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, "authentication required", headers={"WWW-Authenticate": "Bearer"}
        )
    user = user_for_token(session, credentials.credentials)
    if user is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, "invalid or expired token", headers={"WWW-Authenticate": "Bearer"}
        )
    return Actor.from_user(user)


def allow(permission: str) -> Callable[..., Actor]:
    """Dependency that admits only the roles `policy.PERMISSIONS[permission]` lists."""
    roles = roles_for(permission)

    def check(actor: Actor = Depends(current_actor)) -> Actor:
        if actor.role not in roles:
            raise HTTPException(status.HTTP_403_FORBIDDEN, f"your role may not use '{permission}'")
        return actor

    check.permission = permission  # type: ignore[attr-defined]  # read by the route-coverage test
    return check
