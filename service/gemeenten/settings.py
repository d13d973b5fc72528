"""A gemeente's own settings: who visits by default (municipal staff or the neighbourhood police,
as each mayor chooses) and the address its notifications are e-mailed to."""

from __future__ import annotations

import re
from typing import Any

from service.auth import service as auth
from service.auth.scope import ensure_gemeente
from service.auth.service import Actor
from service.core.errors import NotFound, TandemError
from service.gemeenten.models import VisitorKind

_EMAIL = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[A-Za-z]{2,}$")


def check_email(email: str | None) -> None:
    """An address notifications can be sent to ('' clears it); the value is never echoed back."""
    if email is not None and email.strip() and not _EMAIL.match(email.strip()):
        raise TandemError("email: not an e-mail address (expected name@domain.be)")


def gemeente_settings(session: Any, actor: Actor, nis_code: str) -> dict[str, Any]:
    """What a gemeente chose (a gemeente user sees only its own; 404 for another)."""
    ensure_gemeente(actor, nis_code, "gemeente")
    try:
        org = auth.organisation_by_code(session, nis_code)
    except NotFound:
        raise NotFound("gemeente not found") from None
    if org.kind != "gemeente":
        raise NotFound("gemeente not found")
    return {
        "nis_code": nis_code,
        "default_visitor": org.default_visitor or VisitorKind.NEIGHBOURHOOD_POLICE.value,
        "email": org.email,
    }
