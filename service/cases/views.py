"""Cases through the API: list (filters, paging), read with timeline, fire, bulk actions, workflow.

Who may fire what is decided by the workflow file (`service.cases.service.fire`); the routes only
declare the coarse permission. Reads of cases carry personal data and are audited.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel, ConfigDict, Field, computed_field
from sqlalchemy.orm import Session

from service.audit import service as audit
from service.auth.deps import allow, db_session
from service.auth.service import Actor
from service.cases import service
from service.cases.models import Case
from service.cases.workflow import Labels, get_workflow
from service.ingest import service as ingest
from service.jobs import service as jobs

router = APIRouter(prefix="/api", tags=["cases"])


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


class ChildOut(BaseModel):
    """The register child a case is about (personal data: every read is audited)."""

    model_config = ConfigDict(from_attributes=True)
    last_name: str | None
    first_names: str | None
    birth_date: date | None
    sex: str | None
    street: str | None
    house_number: str | None
    box: str | None
    postcode: str | None
    nis_code: str | None


class CaseOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    version: int
    school_year: str | None = None
    state: str
    owner_community: str
    nis_code: str
    person_id: int
    run_id: int | None
    opened_at: datetime
    state_entered_at: datetime
    due_at: datetime | None
    reminded_at: datetime | None
    overdue_since: datetime | None
    referred_at: datetime | None
    compulsory_ends_on: date | None
    closed_at: datetime | None
    closure_reason: str | None
    closure: dict[str, Any] | None
    previous_case_id: int | None
    child: ChildOut | None = None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def state_label(self) -> Labels | None:
        state = get_workflow().states.get(self.state)
        return state.label if state else None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def closure_label(self) -> Labels | None:
        reason = get_workflow().closure_reasons.get(self.closure_reason or "")
        return reason.label if reason else None

    @classmethod
    def of(cls, case: Case, person: Any = None, year: str | None = None) -> CaseOut:
        out = cls.model_validate(case)
        out.school_year = year
        out.child = ChildOut.model_validate(person) if person is not None else None
        return out


class CaseEventOut(BaseModel):
    """One line of a case's timeline, as every route shows it."""

    model_config = ConfigDict(from_attributes=True)
    id: int
    at: datetime
    actor: str
    actor_org: str | None
    kind: str
    transition: str | None
    from_state: str | None
    to_state: str | None
    reason: str
    payload: dict[str, Any]


class CaseDetailOut(CaseOut):
    timeline: list[CaseEventOut] = []
    available_transitions: list[str] = []


class FunnelOut(BaseModel):
    states: dict[str, int]
    closure_reasons: dict[str, int]
    open: int
    overdue: int
    total: int


class TransitionOut(BaseModel):
    from_: list[str] = Field(serialization_alias="from")
    to: dict[str, str]
    roles: list[str]
    organisation: str
    required: list[str]
    choices: dict[str, list[str]]
    guards: list[str]
    effects: list[str]
    via: str | None = None


class WorkflowOut(BaseModel):
    name: str
    version: int
    settings: dict[str, int]
    states: dict[str, dict[str, Any]]
    closure_reasons: dict[str, dict[str, Any]]
    transitions: dict[str, TransitionOut]


def _year(session: Session, case: Case) -> str | None:
    return ingest.school_year_labels(session).get(case.school_year_id)


@router.get("/cases", response_model=list[CaseOut])
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
    session: Session = db_session,
) -> list[CaseOut]:
    """A page of cases; the total is in the X-Total-Count header."""
    filters = service.CaseFilter(
        state, nis_code, community, school_year, overdue, open, closure_reason, run_id
    )
    total, items = service.list_cases(session, actor, filters, limit=limit, offset=offset)
    people = ingest.people_by_id(session, person_ids=[c.person_id for c in items])
    audit.record(session, actor, "read", "case", [c.id for c in items], "list cases")
    response.headers["X-Total-Count"] = str(total)
    years = ingest.school_year_labels(session)
    return [CaseOut.of(c, people.get(c.person_id), years.get(c.school_year_id)) for c in items]


@router.get("/cases/funnel", response_model=FunnelOut)
def funnel(
    school_year: str | None = None,
    actor: Actor = Depends(allow("cases:read")),
    session: Session = db_session,
) -> FunnelOut:
    """Counts per stage and per closure reason, within what the actor may see."""
    return FunnelOut(**service.funnel(session, actor, school_year))


@router.get("/cases/{case_id}", response_model=CaseDetailOut)
def get_case(
    case_id: int,
    actor: Actor = Depends(allow("cases:read")),
    session: Session = db_session,
) -> CaseDetailOut:
    """A case with its child, its timeline and the transitions the reader may fire now."""
    case = service.get_case(session, case_id, actor)
    audit.record(session, actor, "read", "case", [case.id], "read case with timeline")
    data = CaseDetailOut.of(case, ingest.find_person(session, person_id=case.person_id), _year(session, case))
    data.timeline = [CaseEventOut.model_validate(e) for e in service.timeline(session, case.id)]
    data.available_transitions = service.available_transitions(case, actor)
    return data


@router.get("/cases/{case_id}/timeline", response_model=list[CaseEventOut])
def get_timeline(
    case_id: int,
    actor: Actor = Depends(allow("cases:read")),
    session: Session = db_session,
) -> list[CaseEventOut]:
    case = service.get_case(session, case_id, actor)
    audit.record(session, actor, "read", "case_event", [case.id], "read case timeline")
    return [CaseEventOut.model_validate(e) for e in service.timeline(session, case.id)]


@router.post("/cases/{case_id}/transitions/{transition}", response_model=CaseOut)
def fire_transition(
    case_id: int,
    transition: str,
    body: FireIn | None = None,
    actor: Actor = Depends(allow("cases:transition")),
    session: Session = db_session,
) -> CaseOut:
    """Fire a transition (replies are `record_reply`, reassignment `reassign_owner`, ...).

    403 when the workflow does not let this actor fire it, 409 when the case changed meanwhile
    (`expected_version`) or is not in a state the transition starts from, 422 when the payload or a
    guard lacks something (the message names it). A transition the workflow marks `via: letters`
    (a letter sent, a reply or returned mail recorded) is refused with 409: it comes only through
    the letters routes, which hold the letter it speaks of.
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
        direct=True,
    )
    return CaseOut.of(case, year=_year(session, case))


@router.post("/cases/bulk", status_code=202, response_model=dict[str, Any])
def bulk(
    body: BulkIn,
    actor: Actor = Depends(allow("cases:write")),
    session: Session = db_session,
) -> dict[str, Any]:
    """Fire one transition on every case matching the filters, as a background job (the job's
    status, as `GET /api/jobs/{id}` gives it)."""
    transition = get_workflow().transitions.get(body.transition)
    if transition is not None:
        service.ensure_direct(transition)  # 409 now, not a failed job later
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


@router.get("/workflow", response_model=WorkflowOut, response_model_by_alias=True)
def workflow(actor: Actor = Depends(allow("reference:read"))) -> WorkflowOut:
    """The procedure in force: states, transitions (who may fire them), closure reasons, timers."""
    wf = get_workflow()
    return WorkflowOut(
        name=wf.spec.name,
        version=wf.spec.version,
        settings=wf.spec.settings,
        states={n: s.model_dump(exclude_none=True) for n, s in wf.states.items()},
        closure_reasons={n: r.model_dump() for n, r in wf.closure_reasons.items()},
        transitions={
            t.name: TransitionOut(
                from_=list(t.sources),
                to=t.targets,
                roles=sorted(t.roles),
                organisation=t.organisation,
                required=list(t.required),
                choices={k: list(v) for k, v in t.choices.items()},
                guards=[g for g, _ in t.guards],
                effects=[e for e, _ in t.effects],
                via=t.via,
            )
            for t in wf.transitions.values()
        },
    )
