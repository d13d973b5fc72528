"""A child's case changes as its audit report shows them (service.audit.report): every event of
every case of the child, named in Dutch and French from the workflow file."""

from __future__ import annotations

from sqlalchemy.orm import Session

from service.audit.service import Change
from service.cases.models import CaseEvent
from service.cases.queries import case_events, case_ids_of_child
from service.cases.workflow import Workflow, get_workflow

EVENT_KINDS: dict[str, tuple[str, str]] = {
    "opened": ("dossier geopend", "dossier ouvert"),
    "reminder": ("herinnering", "rappel"),
    "overdue": ("termijn verstreken", "délai dépassé"),
    "letter_prepared": ("brief voorbereid", "lettre préparée"),
    "letter_returned": ("brief teruggekomen", "lettre revenue"),
    "note": ("notitie", "note"),
    "step": ("dossier bijgewerkt", "dossier mis à jour"),
}


def _described(wf: Workflow, e: CaseEvent) -> tuple[str, str]:
    """A step as the family reads it: the stage the case entered, else the transition's own label."""
    if e.kind != "transition":
        return EVENT_KINDS.get(e.kind, (e.kind, e.kind))
    state = wf.states.get(e.to_state or "")
    if state is not None and e.to_state != e.from_state:
        return f"nieuwe stap: {state.label.nl}", f"nouvelle étape : {state.label.fr}"
    t = wf.transitions.get(e.transition or "")
    if t is not None and t.label.nl != t.name:
        return t.label.nl, t.label.fr
    return EVENT_KINDS["step"]


def child_changes(session: Session, person_id: int) -> list[Change]:
    wf = get_workflow()
    changes: list[Change] = []
    for case_id in sorted(case_ids_of_child(session, person_id=person_id)):
        for e in case_events(session, case_id=case_id):
            nl, fr = _described(wf, e)
            changes.append(Change(e.at, e.actor, e.actor_org, case_id, nl, fr, e.reason))
    return changes
