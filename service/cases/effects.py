"""The case domain's own effects, named in the workflow file as `cases.<name>`.

Signature: `(session, case, event, actor) -> None`, run after the state change in the same
transaction; they change the case itself and record what they did on the event's payload.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from service.auth.service import Actor
from service.cases.models import Case, CaseEvent
from service.cases.opening import COMMUNITIES
from service.core import reference
from service.core.errors import TandemError


def mark_referred(session: Session, case: Case, event: CaseEvent, actor: Actor) -> None:
    """From now on the parket may see and act on this case."""
    if case.referred_at is None:
        case.referred_at = event.at


def move_to_gemeente(session: Session, case: Case, event: CaseEvent, actor: Actor) -> None:
    """Hand the case to another Brussels gemeente (`new_nis_code`); both keep the hand-over event."""
    new = str(event.payload.get("new_nis_code") or "").strip()
    if not new:
        return  # reassigning back to the same gemeente
    if new not in reference.gemeenten():  # the reference list in core: cases reads no gemeenten table
        raise TandemError(f"'{new}' is not the NIS code of a Brussels gemeente")
    if new == case.nis_code:
        raise TandemError("the case is already with that gemeente")
    event.payload = {**event.payload, "from_nis_code": case.nis_code, "to_nis_code": new}
    case.nis_code = new


def reassign_owner(session: Session, case: Case, event: CaseEvent, actor: Actor) -> None:
    """Hand the case to the other community's operators (or the one named in `owner_community`)."""
    wanted = event.payload.get("owner_community") or next(c for c in COMMUNITIES if c != case.owner_community)
    if wanted not in COMMUNITIES:
        raise TandemError(f"owner_community must be one of {', '.join(COMMUNITIES)}")
    if wanted == case.owner_community:
        raise TandemError(f"the case is already owned by the '{wanted}' community")
    event.payload = {**event.payload, "from_community": case.owner_community, "to_community": wanted}
    case.owner_community = wanted
