"""Organisation scoping: the one place that decides whether an actor may reach an object.

Objects outside an actor's scope are reported as "not found" (404), so a gemeente cannot even learn
that another gemeente's case exists.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, true

from service.auth.models import Role
from service.auth.service import Actor
from service.core.errors import NotFound


def gemeente_filter(actor: Actor, nis_column: ColumnElement[str]) -> ColumnElement[bool]:
    """A WHERE clause restricting a query to what the actor's organisation may see by gemeente."""
    if actor.role == Role.GEMEENTE_USER:
        return nis_column == actor.nis_code
    return true()


def ensure_gemeente(actor: Actor, nis_code: str | None, what: str = "object") -> None:
    """Raise 404 when a gemeente user reaches for another gemeente's data."""
    if actor.role == Role.GEMEENTE_USER and nis_code != actor.nis_code:
        raise NotFound(f"{what} not found")
