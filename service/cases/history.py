"""A child's case changes as its audit report shows them (service.audit.report): every event of
every case of the child, named in Dutch and French from the workflow file."""

from __future__ import annotations

from sqlalchemy.orm import Session

from service.audit.report import Change
from service.cases.queries import case_events, case_ids_of_child
from service.cases.workflow import get_workflow

EVENT_KINDS: dict[str, tuple[str, str]] = {
    "opened": ("dossier geopend", "dossier ouvert"),
    "reminder": ("herinnering", "rappel"),
    "overdue": ("termijn verstreken", "délai dépassé"),
    "letter_prepared": ("brief voorbereid", "lettre préparée"),
    "letter_returned": ("brief teruggekomen", "lettre revenue"),
    "note": ("notitie", "note"),
}


def child_changes(session: Session, person_id: int) -> list[Change]:
    wf = get_workflow()
    changes: list[Change] = []
    for case_id in sorted(case_ids_of_child(session, person_id=person_id)):
        for e in case_events(session, case_id=case_id):
            t = wf.transitions.get(e.transition or "") if e.kind == "transition" else None
            if t is not None:
                nl, fr = t.label.nl, t.label.fr
                state = wf.states.get(e.to_state or "")
                if state is not None and e.to_state != e.from_state:
                    nl, fr = f"{nl} → {state.label.nl}", f"{fr} → {state.label.fr}"
            else:
                nl, fr = EVENT_KINDS.get(e.kind, (e.kind, e.kind))
            changes.append(Change(e.at, e.actor, e.actor_org, case_id, nl, fr, e.reason))
    return changes
