"""What other domains hand the audit domain for a child's report (see `audit.report`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True)
class Change:
    """One change of a child's case, as the cases domain describes it in both languages."""

    at: datetime
    actor: str
    organisation: str | None  # the organisation code the actor acted for
    case_id: int
    what_nl: str
    what_fr: str
    why: str = ""


@dataclass(frozen=True)
class Identity:
    """What the family recognises its child by on the report (shown to the family only)."""

    last_name: str
    first_names: str
    birth_date: date | None
