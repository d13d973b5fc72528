"""The letters domain's workflow effects, named in the workflow file as `letters.<name>`.

Signature: `(session, case, event, actor) -> None`, run in the transition's transaction.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from service.auth.service import Actor
from service.cases import service as cases
from service.letters import service


def cancel_pending(session: Session, case: cases.Case, event: cases.CaseEvent, actor: Actor) -> None:
    """Late information (or a closure) stops letters prepared but not yet posted.

    The print room sees them on the batch's pull list; the ids go on the event for the timeline.
    """
    cancelled = service.cancel_pending(session, case, event.transition or event.kind)
    if cancelled:
        event.payload = {**(event.payload or {}), "letters_cancelled": cancelled}
