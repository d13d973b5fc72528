"""Cases through the API: list (filters, paging), read with timeline, fire, bulk actions, workflow.

Who may fire what is decided by the workflow file (`service.cases.service.fire`); the routes only
declare the coarse permission. Reads of cases carry personal data and are audited.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from service.audit import service as audit
from service.auth.deps import allow, get_session
from service.auth.service import Actor
from service.cases import service
from service.cases.models import Case, CaseEvent
from service.cases.workflow import get_workflow
from service.ingest.models import RegisterPerson, SchoolYear
from service.jobs import service as jobs

router = APIRouter(prefix="/api", tags=["cases"])
get_workflow()  # validate the workflow file when the API starts, not at the first request


class FireIn(BaseModel):
    payload: dict[str, Any] = Field(default_factory=dict)
    expected_version: int | None = None
    reason: str = ""


class BulkIn(BaseModel):
    transition: str
    payload: dict[str, Any] = Field(default_factory=dict)
    reason: str = ""
    dry_run: bool = False
    wait: bool = False
    state: list[str] | None = None
    nis_code: str | None = None
    community: str | None = None
    school_year: str | None = None
    overdue: bool | None = None
    run_id: int | None = None


def case_dict(case: Case, person: RegisterPerson | None = None, year: str | None = None) -> dict[str, Any]:
    wf = get_workflow()
    state = wf.states.get(case.state)
    data: dict[str, Any] = {
        "id": case.id,
        "version": case.version,
        "school_year": year,
        "state": case.state,
        "state_label": state.label.model_dump() if state else None,
        "owner_community": case.owner_community,
        "nis_code": case.nis_code,
        "person_id": case.person_id,
        "run_id": case.run_id,
        "opened_at": case.opened_at,
        "state_entered_at": case.state_entered_at,
        "due_at": case.due_at,
        "reminded_at": case.reminded_at,
        "overdue_since": case.overdue_since,
        "referred_at": case.referred_at,
        "compulsory_ends_on": case.compulsory_ends_on,
        "closed_at": case.closed_at,
        "closure_reason": case.closure_reason,
        "closure_label": (
            wf.closure_reasons[case.closure_reason].label.model_dump()
            if case.closure_reason in wf.closure_reasons
            else None
        ),
        "closure": case.closure,
        "previous_case_id": case.previous_case_id,
    }
    if person is not None:
        data["child"] = {
            "last_name": person.last_name,
            "first_names": person.first_names,
            "birth_date": person.birth_date,
            "sex": person.sex,
            "street": person.street,
            "house_number": person.house_number,
            "box": person.box,
            "postcode": person.postcode,
            "nis_code": person.nis_code,
        }
    return data


def event_dict(e: CaseEvent) -> dict[str, Any]:
    return {
        "id": e.id,
        "at": e.at,
        "actor": e.actor,
        "actor_org": e.actor_org,
        "kind": e.kind,
        "transition": e.transition,
        "from_state": e.from_state,
        "to_state": e.to_state,
        "reason": e.reason,
        "payload": e.payload,
    }


def _year_labels(session: Session) -> dict[int, str]:
    return dict(session.execute(select(SchoolYear.id, SchoolYear.label)).all())


@router.get("/cases")
def list_cases(
    response: Response,
    state: list[str] | None = Query(None),
    nis_code: str | None = None,
    community: str | None = None,
    school_year: str | None = None,
    overdue: bool | None = None,
    open: bool | None = None,
    closure_reason: str | None = None,
    run_id: int | None = None,
    limit: int = 100,
    offset: int = 0,
    actor: Actor = Depends(allow("cases:read")),
    session: Session = Depends(get_session),
) -> list[dict[str, Any]]:
    """A page of cases; the total is in the X-Total-Count header."""
    filters = service.CaseFilter(
        state, nis_code, community, school_year, overdue, open, closure_reason, run_id
    )
    total, items = service.list_cases(session, actor, filters, limit=limit, offset=offset)
    people = {
        p.id: p
        for p in session.scalars(
            select(RegisterPerson).where(RegisterPerson.id.in_([c.person_id for c in items]))
        )
    }
    audit.record(session, actor, "read", "case", [c.id for c in items], "list cases")
    response.headers["X-Total-Count"] = str(total)
    years = _year_labels(session)
    return [case_dict(c, people.get(c.person_id), years.get(c.school_year_id)) for c in items]


@router.get("/cases/funnel")
def funnel(
    school_year: str | None = None,
    actor: Actor = Depends(allow("cases:read")),
    session: Session = Depends(get_session),
) -> dict[str, Any]:
    """Counts per stage and per closure reason, within what the actor may see."""
    return service.funnel(session, actor, school_year)


@router.get("/cases/{case_id}")
def get_case(
    case_id: int, actor: Actor = Depends(allow("cases:read")), session: Session = Depends(get_session)
) -> dict[str, Any]:
    """A case with its child, its timeline and the transitions the reader may fire now."""
    case = service.get_case(session, case_id, actor)
    audit.record(session, actor, "read", "case", [case.id], "read case with timeline")
    data = case_dict(
        case, session.get(RegisterPerson, case.person_id), _year_labels(session).get(case.school_year_id)
    )
    data["timeline"] = [event_dict(e) for e in service.timeline(session, case.id)]
    data["available_transitions"] = service.available_transitions(case, actor)
    return data


@router.get("/cases/{case_id}/timeline")
def get_timeline(
    case_id: int, actor: Actor = Depends(allow("cases:read")), session: Session = Depends(get_session)
) -> list[dict[str, Any]]:
    case = service.get_case(session, case_id, actor)
    audit.record(session, actor, "read", "case_event", [case.id], "read case timeline")
    return [event_dict(e) for e in service.timeline(session, case.id)]


@router.post("/cases/{case_id}/transitions/{transition}")
def fire_transition(
    case_id: int,
    transition: str,
    body: FireIn | None = None,
    actor: Actor = Depends(allow("cases:transition")),
    session: Session = Depends(get_session),
) -> dict[str, Any]:
    """Fire a transition (replies are `record_reply`, reassignment `reassign_owner`, ...).

    403 when the workflow does not let this actor fire it, 409 when the case changed meanwhile
    (`expected_version`) or is not in a state the transition starts from, 422 when the payload or a
    guard lacks something (the message names it).
    """
    body = body or FireIn()
    service.get_case(session, case_id, actor)  # 404 outside the actor's scope, before anything else
    case = service.fire(
        session,
        case_id,
        transition,
        actor,
        body.payload,
        expected_version=body.expected_version,
        reason=body.reason,
    )
    return case_dict(case, year=_year_labels(session).get(case.school_year_id))


@router.post("/cases/bulk", status_code=202)
def bulk(
    body: BulkIn, actor: Actor = Depends(allow("cases:write")), session: Session = Depends(get_session)
) -> dict[str, Any]:
    """Fire one transition on every case matching the filters, as a background job."""
    filters = service.CaseFilter(
        body.state, body.nis_code, body.community, body.school_year, body.overdue, True, None, body.run_id
    )

    def work(job_session: Session, progress: jobs.JobProgress) -> dict[str, Any]:
        return service.bulk_fire(
            job_session,
            actor,
            filters,
            body.transition,
            body.payload,
            reason=body.reason,
            dry_run=body.dry_run,
            progress=lambda done, total: progress(done, total, body.transition),
        )

    return jobs.start(session, "cases_bulk", actor.user_id, work, wait=body.wait)


@router.get("/workflow")
def workflow(actor: Actor = Depends(allow("reference:read"))) -> dict[str, Any]:
    """The procedure in force: states, transitions (who may fire them), closure reasons, timers."""
    wf = get_workflow()
    return {
        "name": wf.spec.name,
        "version": wf.spec.version,
        "settings": wf.spec.settings,
        "states": {n: s.model_dump(exclude_none=True) for n, s in wf.states.items()},
        "closure_reasons": {n: r.model_dump() for n, r in wf.closure_reasons.items()},
        "transitions": {
            t.name: {
                "from": list(t.sources),
                "to": t.targets,
                "roles": sorted(t.roles),
                "organisation": t.organisation,
                "required": list(t.required),
                "choices": {k: list(v) for k, v in t.choices.items()},
                "guards": [g for g, _ in t.guards],
                "effects": [e for e, _ in t.effects],
            }
            for t in wf.transitions.values()
        },
    }
