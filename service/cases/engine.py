"""The case engine: fire a transition, add an event.

Everything the procedure allows comes from the workflow file (service/cases/workflow.py); this
module enforces it. A state changes only through `fire`, which checks who may act (role and
organisation, decided in service.auth.scope), the mandatory payload and the guards, moves the case
to the state the file names, writes the event, runs the effects in the same transaction, and bumps
`version` (optimistic locking: a concurrent change makes the later writer fail with Conflict / 409).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from service.auth.scope import ensure_case_visible, may_fire
from service.auth.service import Actor
from service.cases.models import Case, CaseEvent
from service.cases.workflow import ClosureMap, Transition, Workflow, get_workflow
from service.core import clock
from service.core.errors import Conflict, Forbidden, NotFound, Problem, TandemError, joined


class TransitionRefused(TandemError):
    """The transition cannot be fired as asked; `missing` names what is lacking (HTTP 422)."""

    status = 422

    def __init__(self, transition: str, missing: Sequence[str]) -> None:
        self.transition = transition
        self.missing = list(missing)
        head = Problem(
            f"cannot fire '{transition}', missing or wrong: ",
            nl="Ontbreekt of onjuist: ",
            fr="Manquant ou incorrect : ",
        )
        super().__init__(joined(self.missing, head=head))


VIA_PATHS = {
    "letters": "post the letter batch that holds the letter, or record the reply or returned mail "
    "through the letters service (POST /api/letters/...)",
}


def ensure_direct(t: Transition) -> None:
    """409 for a transition the file marks `via: <domain>`: it is taken through that path only."""
    if t.via is not None:
        raise Conflict(
            f"'{t.name}' is taken through the {t.via} service only, never fired by hand: "
            f"{VIA_PATHS.get(t.via, t.via)}"
        )


def available_transitions(case: Case, actor: Actor, wf: Workflow | None = None) -> list[str]:
    """The transitions this actor may fire from the case's current state (for screens)."""
    wf = wf or get_workflow()
    if case.closed_at is not None:
        return []
    return [t.name for t in wf.transitions_from(case.state) if may_fire(t, case, actor) is None]


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value == [] or value == {}


def _latest_event(session: Session, case_id: int, transition: str) -> CaseEvent | None:
    return session.scalar(
        select(CaseEvent)
        .where(CaseEvent.case_id == case_id, CaseEvent.transition == transition)
        .order_by(CaseEvent.id.desc())
        .limit(1)
    )


def _mapped_reason(wf: Workflow, t: Transition, spec: ClosureMap, value: Any) -> str:
    """The closure reason a payload value stands for (a map, or a manual reason chosen as is)."""
    if spec.map is None:
        reason = str(value)
        manual = [n for n, r in wf.closure_reasons.items() if r.manual]
        if reason not in manual:
            raise TransitionRefused(
                t.name,
                [f"a closure reason an operator may choose as '{spec.from_field}': {', '.join(manual)}"],
            )
        return reason
    if value not in spec.map:
        raise TransitionRefused(
            t.name, [f"'{spec.from_field}' that closes the case ({', '.join(spec.map)}); got '{value}'"]
        )
    return spec.map[value]


def _closure(
    session: Session, wf: Workflow, t: Transition, case: Case, payload: dict[str, Any]
) -> tuple[str | None, dict[str, Any]]:
    """The closure reason a transition gives, and the evidence recorded with it."""
    if t.closure is None:
        return None, payload
    evidence = dict(payload)
    if isinstance(t.closure, str):
        reason = t.closure
    else:
        spec: ClosureMap = t.closure
        if _blank(evidence.get(spec.from_field)) and spec.fallback_event:
            earlier = _latest_event(session, case.id, spec.fallback_event)
            if earlier is not None:
                evidence = {**earlier.payload, **{k: v for k, v in evidence.items() if not _blank(v)}}
                evidence.setdefault("from_event", earlier.id)
        value = evidence.get(spec.from_field)
        if _blank(value):
            raise TransitionRefused(t.name, [f"'{spec.from_field}' (it decides the closure reason)"])
        reason = _mapped_reason(wf, t, spec, value)
    lacking = [f for f in wf.closure_reasons[reason].evidence if _blank(evidence.get(f))]
    if lacking:
        raise TransitionRefused(t.name, [f"evidence for closure '{reason}': {', '.join(lacking)}"])
    return reason, evidence


def enter(wf: Workflow, case: Case, state: str, now: datetime) -> None:
    """Put the case in `state` and set its timer or deadline from the workflow file."""
    spec = wf.states[state]
    case.state = state
    case.state_entered_at = now
    case.reminded_at = None
    case.overdue_since = None
    if spec.timer is not None:
        case.due_at = now + wf.timer_delay(spec.timer)
    elif spec.deadline is not None:
        case.due_at = now + timedelta(days=wf.days(spec.deadline.days))
    else:
        case.due_at = None


def bump(case: Case) -> None:
    """One change of the case, one new version (the UPDATE still checks the version read)."""
    case.version = case.version + 1


def flush(session: Session, case: Case) -> None:
    case_id = case.id  # read before a failed flush expires the object
    try:
        session.flush()
    except StaleDataError:
        raise Conflict(
            f"case {case_id} was changed by someone else meanwhile; reload it and try again"
        ) from None


def _admit(
    session: Session, t: Transition, case: Case, actor: Actor, expected_version: int | None, direct: bool
) -> None:
    """Scope, organisation rule, the path the transition must come through, version and state."""
    ensure_case_visible(session, actor, case)
    refusal = may_fire(t, case, actor)
    if refusal:
        raise Forbidden(refusal)
    if direct:
        ensure_direct(t)
    if expected_version is not None and expected_version != case.version:
        raise Conflict(
            f"case {case.id} is at version {case.version}, not {expected_version}: "
            "someone changed it meanwhile; reload it and try again"
        )
    if case.state not in t.sources:
        raise Conflict(f"'{t.name}' is not possible from state '{case.state}' (case {case.id})")


def _checked_payload(
    session: Session, t: Transition, case: Case, payload: dict[str, Any] | None, reason: str
) -> dict[str, Any]:
    """The payload with what the file requires present, the choices respected and the guards met."""
    payload = dict(payload or {})
    if reason and _blank(payload.get("reason")) and "reason" in t.required:
        payload["reason"] = reason
    missing = [f"payload field '{f}'" for f in t.required if _blank(payload.get(f))]
    for fname, allowed in t.choices.items():
        value = payload.get(fname)
        if not _blank(value) and value not in allowed:
            missing.append(f"a valid '{fname}' (one of {', '.join(allowed)})")
    if missing:
        raise TransitionRefused(t.name, missing)
    for _name, guard in t.guards:
        missing.extend(guard(session, case, payload))
    if missing:
        raise TransitionRefused(t.name, missing)
    return payload


def _close(
    case: Case, actor: Actor, t: Transition, reason: str | None, evidence: dict[str, Any], now: datetime
) -> None:
    case.closed_at = now
    case.closure_reason = reason
    case.closure = {
        "reason": reason,
        "by": actor.name,
        "organisation": actor.organisation_code,
        "at": now.isoformat(),
        "transition": t.name,
        "evidence": evidence,
    }
    case.due_at = None


def fire(
    session: Session,
    case_id: int | Case,
    transition: str,
    actor: Actor,
    payload: dict[str, Any] | None = None,
    *,
    expected_version: int | None = None,
    reason: str = "",
    direct: bool = False,
) -> Case:
    """Fire a workflow transition on a case (see the module docstring for what is checked).

    `direct`: a person asked for this transition by name (API, CLI, bulk action); a transition the
    file marks `via: <domain>` is then refused, it only comes through that domain's own path.
    """
    wf = get_workflow()
    t = wf.transitions.get(transition)
    if t is None:
        raise NotFound(f"unknown transition '{transition}'")
    case = case_id if isinstance(case_id, Case) else session.get(Case, case_id)
    if case is None:
        raise NotFound("case not found")
    _admit(session, t, case, actor, expected_version, direct)
    payload = _checked_payload(session, t, case, payload, reason)
    closure_reason, evidence = _closure(session, wf, t, case, payload)
    source, target = case.state, t.target_from(case.state)
    now = clock.now()
    event = CaseEvent(
        case_id=case.id,
        at=now,
        actor=actor.name,
        actor_org=actor.organisation_code,
        kind="transition",
        transition=transition,
        from_state=source,
        to_state=target,
        reason=(reason or str(payload.get("reason") or ""))[:1000],
        payload=payload,
    )
    if not t.internal:
        enter(wf, case, target, now)
    if target in wf.final_states:
        _close(case, actor, t, closure_reason, evidence, now)
    bump(case)  # every transition bumps the version once, even one that stays in its state
    session.add(event)
    flush(session, case)  # a concurrent change fails here, before any effect runs
    for _name, effect in t.effects:
        effect(session, case, event, actor)
    if not t.internal:
        for _name, effect in wf.on_enter.get(target, ()):
            effect(session, case, event, actor)
    flush(session, case)
    return case


def add_event(
    session: Session,
    case: Case,
    kind: str,
    actor: Actor,
    payload: dict[str, Any] | None = None,
    reason: str = "",
) -> CaseEvent:
    """An event that is not a transition (reminder, note, letter prepared...); the state is unchanged."""
    event = CaseEvent(
        case_id=case.id,
        at=clock.now(),
        actor=actor.name,
        actor_org=actor.organisation_code,
        kind=kind,
        from_state=case.state,
        to_state=case.state,
        reason=reason[:1000],
        payload=dict(payload or {}),
    )
    session.add(event)
    session.flush()
    return event
