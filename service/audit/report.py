"""The report for one child: who consulted or changed what about this child, when and why.

It is the answer a family gets when it asks (as Belgian citizens can for the national register):
every audited read of the child's data (`about_child`: the register record, the cases, their
timelines, letters, assignments, referrals) and every change of the child's cases. Audit sits
below the domains, so the cases domain provides the changes (`register_child_changes`) and the
register the child's identity (`register_child_identity`), both at start-up (service.wiring).
Everything in it is in Dutch and French; the PDF is rendered by the one stack in core.pdf.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from service.audit import vocabulary
from service.audit.models import AuditEvent
from service.audit.schemas import Change, Identity
from service.audit.search import AuditQuery, matching
from service.auth import service as auth
from service.core import clock, pdf
from service.core.errors import NotFound

TEMPLATES = Path(__file__).parent / "templates"
MAX_EVENTS = 20_000


ChildChanges = Callable[[Session, int], list[Change]]
ChildIdentity = Callable[[Session, int], Identity | None]
_changes: list[ChildChanges] = []
_identity: list[ChildIdentity] = []


def register_child_changes(fn: ChildChanges) -> ChildChanges:
    if fn not in _changes:
        _changes.append(fn)
    return fn


def register_child_identity(fn: ChildIdentity) -> ChildIdentity:
    _identity[:] = [fn]
    return fn


@dataclass(frozen=True)
class ReportLine:
    at: datetime
    kind: str  # consulted / changed
    actor: str
    organisation_nl: str
    organisation_fr: str
    what_nl: str
    what_fr: str
    why_nl: str
    why_fr: str
    case_id: int | None = None


@dataclass
class ChildReport:
    child_id: int
    generated_at: datetime
    identity: Identity | None
    lines: list[ReportLine] = field(default_factory=list)

    @property
    def consulted(self) -> int:
        return sum(1 for x in self.lines if x.kind == "consulted")

    @property
    def changed(self) -> int:
        return sum(1 for x in self.lines if x.kind == "changed")

    @property
    def organisations(self) -> list[tuple[str, str]]:
        return sorted({(x.organisation_nl, x.organisation_fr) for x in self.lines})


def _organisation(names: dict[str, tuple[str, str]], code: str | None, actor: str) -> tuple[str, str]:
    if code and code in names:
        return names[code]
    return vocabulary.actor_without_organisation(actor)


def _consulted(session: Session, found: list[AuditEvent]) -> list[ReportLine]:
    orgs = auth.user_organisations(session, user_ids=[e.user_id for e in found if e.user_id])
    names = auth.organisation_names(session, codes=set(orgs.values()))
    lines = []
    for e in found:
        org_nl, org_fr = _organisation(names, orgs.get(e.user_id or 0), e.actor)
        action_nl, action_fr = vocabulary.action(e.action)
        what_nl, what_fr = vocabulary.entity(e.entity)
        why_nl, why_fr = vocabulary.purpose(e.purpose)
        lines.append(
            ReportLine(
                at=e.at,
                kind=vocabulary.kind_of(e.action),
                actor=e.actor,
                organisation_nl=org_nl,
                organisation_fr=org_fr,
                what_nl=f"{what_nl}: {action_nl}" + (f" ({e.count})" if e.count > 1 else ""),
                what_fr=f"{what_fr} : {action_fr}" + (f" ({e.count})" if e.count > 1 else ""),
                why_nl=why_nl,
                why_fr=why_fr,
            )
        )
    return lines


def _changed(session: Session, changes: list[Change]) -> list[ReportLine]:
    names = auth.organisation_names(session, codes={c.organisation for c in changes if c.organisation})
    lines = []
    for c in changes:
        org_nl, org_fr = _organisation(names, c.organisation, c.actor)
        lines.append(
            ReportLine(
                at=c.at,
                kind="changed",
                actor=c.actor,
                organisation_nl=org_nl,
                organisation_fr=org_fr,
                what_nl=c.what_nl,
                what_fr=c.what_fr,
                why_nl=c.why or "-",
                why_fr=c.why or "-",
                case_id=c.case_id,
            )
        )
    return lines


def report_for_child(
    session: Session, child_id: int, *, since: datetime | None = None, until: datetime | None = None
) -> ChildReport:
    """Every audited read and every case change about one register child, oldest first.

    The caller records its own read of the report (an auditor's consultation is itself audited)."""
    identity = _identity[0](session, child_id) if _identity else None
    if _identity and identity is None:
        raise NotFound("child not found")
    found = matching(session, AuditQuery(child_id=child_id, since=since, until=until), MAX_EVENTS)
    changes = [
        c
        for fn in _changes
        for c in fn(session, child_id)
        if (since is None or c.at >= since) and (until is None or c.at < until)
    ]
    lines = _consulted(session, found) + _changed(session, changes)
    lines.sort(key=lambda x: x.at)
    return ChildReport(child_id=child_id, generated_at=clock.now(), identity=identity, lines=lines)


def report_pdf(report: ChildReport, *, first: str = "nl") -> bytes:
    """The report as a bilingual A4 PDF, the family's language first."""
    return pdf.render_pdf(
        TEMPLATES,
        "child_report.html",
        {"report": report, "first": first if first in ("nl", "fr") else "nl"},
    )
