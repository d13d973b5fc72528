"""What goes in each envelope of a letter run: the cases' register rows, the reply window, the
date of the earlier letter, and the template variables, checked before anything is rendered.

Also the school-year check: a letter prints "in het schooljaar 2025-2026"; sent after that year
has ended it asks a family about a year that is over, so that takes an explicit override.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.cases import service as cases
from service.cases.workflow import get_workflow
from service.core.errors import ConfigurationError, Conflict
from service.core.labels import fmt_date
from service.ingest import service as ingest
from service.letters.context import CaseInfo, Recipient, letter_context, recipients_for
from service.letters.models import Letter, LetterStatus
from service.letters.templates import MissingVariable, check_context, templates


def reply_days(kind: str) -> int:
    """The reply window printed on the letter: the workflow's timer on the step's "sent" state."""
    spec = templates().manifest.kind(kind)
    wf = get_workflow()
    state = wf.states.get(spec.sent_state)
    if state is None or state.timer is None:
        raise ConfigurationError(f"the workflow has no reply timer on state '{spec.sent_state}'")
    return wf.days(state.timer.after_days)


def step_of_state(state: str) -> str | None:
    """letter_1_sent -> letter_1: the letter a reply in this state answers (late replies included)."""
    for kind in templates().manifest.kinds.values():
        if state == kind.sent_state or state in kind.late_reply_states:
            return kind.name
    return None


def _previous_letter_dates(session: Session, case_ids: list[int]) -> dict[int, date]:
    """When letter 1 went out, per case: the posted letter's date, else the send_letter_1 event."""
    found: dict[int, date] = {}
    for i in range(0, len(case_ids), 1000):
        rows = session.execute(
            select(Letter.case_id, Letter.letter_date).where(
                Letter.case_id.in_(case_ids[i : i + 1000]),
                Letter.kind == "letter_1",
                Letter.status.in_([LetterStatus.POSTED, LetterStatus.RETURNED]),
            )
        )
        for case_id, day in rows:
            found[case_id] = min(day, found.get(case_id, day))
    missing = [c for c in case_ids if c not in found]
    for case_id, at in cases.first_transition_at(session, missing, "send_letter_1").items():
        found[case_id] = at.date()
    return found


class SchoolYearOver(Conflict):
    """Letters would be dated after the end of the school year they speak of."""


def ended_school_years(session: Session, found: list[cases.Case], letter_date: date) -> list[str]:
    """The school years of these cases that are over on `letter_date`, each with its case count
    (`2025-2026 (ended 31/08/2026, 3 cases)`); empty when every year is still running."""
    years = ingest.school_years_by_id(session, (c.school_year_id for c in found))
    over: dict[int, int] = {}
    for case in found:
        if years[case.school_year_id].ends_on < letter_date:
            over[case.school_year_id] = over.get(case.school_year_id, 0) + 1
    return [
        f"{years[y].label} (ended {fmt_date(years[y].ends_on)}, {n} case{'s' if n > 1 else ''})"
        for y, n in sorted(over.items(), key=lambda item: years[item[0]].label)
    ]


def check_school_year(
    session: Session, found: list[cases.Case], letter_date: date, *, allow_ended: bool
) -> list[str]:
    """Refuse letters about a school year that is over, unless `allow_ended`; returns the warnings
    to show when it was allowed."""
    over = ended_school_years(session, found, letter_date)
    if over and not allow_ended:
        raise SchoolYearOver(
            f"letters dated {letter_date.isoformat()} would speak of a school year that is over: "
            f"{'; '.join(over)}. Close or move these cases, or prepare them anyway with "
            "--past-school-year (API: allow_past_school_year)"
        )
    return [f"letters dated after the end of school year {text}" for text in over]


@dataclass
class PlannedLetter:
    """One envelope to render: the case, who it goes to and the template variables."""

    case: cases.Case
    recipient: Recipient
    recipients_total: int
    context: dict[str, Any]

    @property
    def reference(self) -> str:
        return self.context["letter"]["reference"]


def plan_letters(
    session: Session,
    found: list[cases.Case],
    kind: str,
    *,
    letter_date: date,
    channel: str,
    preview: bool = False,
) -> tuple[list[PlannedLetter], list[dict[str, Any]]]:
    """The envelopes for these cases, checked against the declared variables.

    A case whose letter cannot be filled (a register row without a birth date, say) is skipped and
    named by id with the missing variable, so one bad row never stops the print run.
    """
    manifest = templates().manifest
    manifest.kind(kind)
    days = reply_days(kind)
    years = ingest.school_years_by_id(session, (c.school_year_id for c in found))
    people = ingest.register_persons(session, (c.person_id for c in found))
    previous = _previous_letter_dates(session, [c.id for c in found]) if kind == "letter_2" else {}
    planned: list[PlannedLetter] = []
    skipped: list[dict[str, Any]] = []
    for case in found:
        person = people.get(case.person_id)
        if person is None:
            skipped.append({"case_id": case.id, "reason": "register row not found"})
            continue
        info = CaseInfo(case.id, years[case.school_year_id].label, case.owner_community)
        prev = previous.get(case.id)
        if kind == "letter_2" and prev is None and preview:
            prev = letter_date - timedelta(days=reply_days("letter_1"))  # a preview only: watermarked
        recipients = recipients_for(person, case.owner_community)
        try:
            for recipient in recipients:
                context = letter_context(
                    kind=kind,
                    case=info,
                    person=person,
                    recipient=recipient,
                    separate=len(recipients) > 1,
                    letter_date=letter_date,
                    reply_days=days,
                    channel=channel,
                    previous_letter_date=prev,
                    preview=preview,
                )
                check_context(manifest, kind, context)
                planned.append(PlannedLetter(case, recipient, len(recipients), context))
        except MissingVariable as exc:
            planned = [p for p in planned if p.case.id != case.id]
            skipped.append({"case_id": case.id, "reason": str(exc)})
    return planned, skipped
