"""The case engine: open cases from a run, fire transitions, add events, tick the timers.

Everything the procedure allows comes from the workflow file (service/cases/workflow.py); this
module enforces it. A state changes only through `fire`, which checks who may act (role and
organisation), the mandatory payload and the guards, lets python-statemachine perform the
transition, writes the event, runs the effects in the same transaction, and bumps `version`
(optimistic locking: a concurrent change makes the later writer fail with Conflict / HTTP 409).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, false, func, insert, or_, select, true
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from service.auth.models import Role
from service.auth.policy import CELL as CELL_ROLES
from service.auth.scope import ensure_gemeente, gemeente_filter
from service.auth.service import Actor
from service.cases.models import Case, CaseEvent
from service.cases.workflow import ClosureMap, Transition, Workflow, get_workflow
from service.core import clock, labels
from service.core.errors import Conflict, Forbidden, NotFound, TandemError
from service.core.school_age import compulsory_period
from service.ingest.models import Enrolment, RegisterPerson, SchoolYear
from service.linkage.models import ChildStatus, ChildStatusKind, Run

log = logging.getLogger(__name__)

COMMUNITIES = ("nl", "fr")
SYSTEM_ORG = "SYSTEM"
CHUNK = 1000
COMMIT_EVERY = 200  # cases per transaction in tick and bulk actions (each in its own savepoint)
# Which record accounts for a child, by the status a run (or a re-link) gave it.
STATUS_RECORD_KIND = {
    ChildStatusKind.ENROLLED.value: "enrolment",
    ChildStatusKind.HOME_EDUCATED.value: "home_education",
    ChildStatusKind.EXEMPTED.value: "exemption",
}


class TransitionRefused(TandemError):
    """The transition cannot be fired as asked; `missing` names what is lacking (HTTP 422)."""

    status = 422

    def __init__(self, transition: str, missing: Sequence[str]) -> None:
        self.transition = transition
        self.missing = list(missing)
        super().__init__(f"cannot fire '{transition}', missing or wrong: {'; '.join(self.missing)}")


# -- who may see and act ---------------------------------------------------------------------


def is_system(actor: Actor) -> bool:
    return actor.organisation_code == SYSTEM_ORG


def case_scope(actor: Actor) -> ColumnElement[bool]:
    """The cases an actor may see: a gemeente its own, the parket referred ones, the cell all."""
    if actor.role == Role.PARKET_USER:
        return Case.referred_at.is_not(None)
    if actor.role == Role.GEMEENTE_USER:
        return gemeente_filter(actor, Case.nis_code)
    if actor.role in CELL_ROLES:
        return true()
    return false()


def ensure_visible(actor: Actor, case: Case) -> None:
    """404 for a case outside the actor's scope, so its existence does not leak."""
    ensure_gemeente(actor, case.nis_code, "case")
    if actor.role == Role.PARKET_USER and case.referred_at is None:
        raise NotFound("case not found")


def may_fire(t: Transition, case: Case, actor: Actor) -> str | None:
    """None when the actor may fire `t` on `case`; otherwise why not (role and organisation rule)."""
    system = is_system(actor)
    if system:
        role_ok = "system" in t.roles or Role.CELL_ADMIN.value in t.roles
    else:
        role_ok = actor.role in t.roles
    if not role_ok:
        return f"role {actor.role} may not fire '{t.name}' (allowed: {', '.join(sorted(t.roles))})"
    rule = t.organisation
    cell = actor.role in CELL_ROLES
    if rule == "system":
        ok = system
    elif rule == "owner_community":
        ok = system or (cell and actor.community == case.owner_community)
    elif rule == "other_community":
        ok = system or (cell and actor.community in COMMUNITIES and actor.community != case.owner_community)
    elif rule == "cell":
        ok = system or cell
    elif rule == "case_gemeente":
        ok = actor.role == Role.GEMEENTE_USER and actor.nis_code == case.nis_code
    elif rule == "parket":
        ok = actor.role == Role.PARKET_USER and case.referred_at is not None
    else:  # the loader only admits the rules above
        ok = False
    if not ok:
        return (
            f"'{t.name}' is for the {rule.replace('_', ' ')}; your organisation may not fire it on this case"
        )
    return None


def available_transitions(case: Case, actor: Actor, wf: Workflow | None = None) -> list[str]:
    """The transitions this actor may fire from the case's current state (for screens)."""
    wf = wf or get_workflow()
    if case.closed_at is not None:
        return []
    return [t.name for t in wf.transitions_from(case.state) if may_fire(t, case, actor) is None]


# -- firing ----------------------------------------------------------------------------------


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value == [] or value == {}


def _latest_event(session: Session, case_id: int, transition: str) -> CaseEvent | None:
    return session.scalar(
        select(CaseEvent)
        .where(CaseEvent.case_id == case_id, CaseEvent.transition == transition)
        .order_by(CaseEvent.id.desc())
        .limit(1)
    )


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
        if spec.map is None:
            reason = str(value)
            manual = [n for n, r in wf.closure_reasons.items() if r.manual]
            if reason not in manual:
                raise TransitionRefused(
                    t.name,
                    [f"a closure reason an operator may choose as '{spec.from_field}': {', '.join(manual)}"],
                )
        else:
            if value not in spec.map:
                raise TransitionRefused(
                    t.name,
                    [f"'{spec.from_field}' that closes the case ({', '.join(spec.map)}); got '{value}'"],
                )
            reason = spec.map[value]
    lacking = [f for f in wf.closure_reasons[reason].evidence if _blank(evidence.get(f))]
    if lacking:
        raise TransitionRefused(t.name, [f"evidence for closure '{reason}': {', '.join(lacking)}"])
    return reason, evidence


def _enter(wf: Workflow, case: Case, state: str, now: datetime) -> None:
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


def _bump(case: Case) -> None:
    """One change of the case, one new version (the UPDATE still checks the version read)."""
    case.version = case.version + 1


def _flush(session: Session, case: Case) -> None:
    case_id = case.id  # read before a failed flush expires the object
    try:
        session.flush()
    except StaleDataError:
        raise Conflict(
            f"case {case_id} was changed by someone else meanwhile; reload it and try again"
        ) from None


def fire(
    session: Session,
    case_id: int | Case,
    transition: str,
    actor: Actor,
    payload: dict[str, Any] | None = None,
    *,
    expected_version: int | None = None,
    reason: str = "",
) -> Case:
    """Fire a workflow transition on a case (see the module docstring for what is checked)."""
    wf = get_workflow()
    t = wf.transitions.get(transition)
    if t is None:
        raise NotFound(f"unknown transition '{transition}'")
    case = case_id if isinstance(case_id, Case) else session.get(Case, case_id)
    if case is None:
        raise NotFound("case not found")
    if not is_system(actor):
        ensure_visible(actor, case)
    refusal = may_fire(t, case, actor)
    if refusal:
        raise Forbidden(refusal)
    if expected_version is not None and expected_version != case.version:
        raise Conflict(
            f"case {case.id} is at version {case.version}, not {expected_version}: "
            "someone changed it meanwhile; reload it and try again"
        )
    if case.state not in t.sources:
        raise Conflict(f"'{transition}' is not possible from state '{case.state}' (case {case.id})")

    payload = dict(payload or {})
    if reason and _blank(payload.get("reason")) and "reason" in t.required:
        payload["reason"] = reason
    missing = [f"payload field '{f}'" for f in t.required if _blank(payload.get(f))]
    for fname, allowed in t.choices.items():
        value = payload.get(fname)
        if not _blank(value) and value not in allowed:
            missing.append(f"a valid '{fname}' (one of {', '.join(allowed)})")
    if missing:
        raise TransitionRefused(transition, missing)
    for _name, guard in t.guards:
        missing.extend(guard(session, case, payload))
    if missing:
        raise TransitionRefused(transition, missing)
    closure_reason, evidence = _closure(session, wf, t, case, payload)

    source = case.state
    target = wf.next_state(source, transition)
    if target != t.target_from(source):  # the machine and the file must agree
        raise TandemError(f"state machine moved to '{target}', the workflow says '{t.target_from(source)}'")

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
        _enter(wf, case, target, now)
    if target in wf.final_states:
        case.closed_at = now
        case.closure_reason = closure_reason
        case.closure = {
            "reason": closure_reason,
            "by": actor.name,
            "organisation": actor.organisation_code,
            "at": now.isoformat(),
            "transition": transition,
            "evidence": evidence,
        }
        case.due_at = None
    _bump(case)  # every transition bumps the version once, even one that stays in its state
    session.add(event)
    _flush(session, case)  # a concurrent change fails here, before any effect runs
    for _name, effect in t.effects:
        effect(session, case, event, actor)
    if not t.internal:
        for _name, effect in wf.on_enter.get(target, ()):
            effect(session, case, event, actor)
    _flush(session, case)
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


def get_case(session: Session, case_id: int, actor: Actor) -> Case:
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound("case not found")
    if not is_system(actor):
        ensure_visible(actor, case)
    return case


def timeline(session: Session, case_id: int) -> list[CaseEvent]:
    return list(session.scalars(select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id)))


# -- opening cases from a run ----------------------------------------------------------------


def _chunks(items: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _child_key(nn_hash: str | None, person_id: int) -> str:
    return nn_hash or f"p:{person_id}"


def _last_enrolment_community(session: Session, hashes: list[str]) -> dict[str, str]:
    """The community of each child's most recent enrolment on any list we hold (any year)."""
    found: dict[str, tuple[date, str]] = {}
    for chunk in _chunks(hashes):
        rows = session.execute(
            select(Enrolment.nn_hash, Enrolment.community, Enrolment.enrolled_from).where(
                Enrolment.nn_hash.in_(chunk)
            )
        )
        for h, community, start in rows:
            if community in COMMUNITIES and (h not in found or start > found[h][0]):
                found[h] = (start, community)
    return {h: c for h, (_, c) in found.items()}


def open_cases_for_run(session: Session, run_id: int, actor: Actor) -> dict[str, Any]:
    """Open a case for every residual child of a run; idempotent (a repeated run opens no duplicate).

    A child who already has a case this school year (open or closed) or an open case from an
    earlier year gets no new one; a child whose earlier-year case is closed gets a new case linked
    to it (`previous_case_id`). Open cases of the year whose child this run found are closed with
    the workflow's `late_information.relinked_match` transition.
    """
    wf = get_workflow()
    run = session.get(Run, run_id)
    if run is None:
        raise NotFound(f"run {run_id} not found")
    if run.status != "done":
        raise TandemError(f"run {run_id} is {run.status}, not done: cases open only from a finished run")
    year = session.get(SchoolYear, run.school_year_id)
    assert year is not None
    residual = session.execute(
        select(
            ChildStatus.person_id,
            RegisterPerson.nn_hash,
            RegisterPerson.nis_code,
            RegisterPerson.admin_language,
            RegisterPerson.birth_date,
        )
        .join(RegisterPerson, RegisterPerson.id == ChildStatus.person_id)
        .where(ChildStatus.run_id == run_id, ChildStatus.status == ChildStatusKind.RESIDUAL.value)
        .order_by(ChildStatus.person_id)
    ).all()
    report: Counter[str] = Counter(residual=len(residual))
    keys = [_child_key(r.nn_hash, r.person_id) for r in residual]
    existing: dict[str, list[tuple[int, int, bool, str]]] = {}
    for chunk in _chunks(keys):
        for cid, key, year_id, closed_at, owner in session.execute(
            select(Case.id, Case.child_key, Case.school_year_id, Case.closed_at, Case.owner_community).where(
                Case.child_key.in_(chunk)
            )
        ):
            existing.setdefault(key, []).append((cid, year_id, closed_at is None, owner))
    enrolment_community = _last_enrolment_community(session, [r.nn_hash for r in residual if r.nn_hash])
    open_load = Counter(
        dict(
            session.execute(
                select(Case.owner_community, func.count())
                .where(Case.closed_at.is_(None))
                .group_by(Case.owner_community)
            ).all()
        )
    )
    now = clock.now()
    rows: list[dict[str, Any]] = []
    rules = wf.spec.ownership.rule
    for r, key in zip(residual, keys, strict=True):
        cases = existing.get(key, [])
        if any(y == year.id for _, y, _, _ in cases):
            report["already_has_case_this_year"] += 1
            continue
        if any(is_open for _, _, is_open, _ in cases):
            report["open_case_in_other_year"] += 1
            continue
        previous = max(cases, default=None)  # the latest earlier-year case (all closed here)
        owner, how = None, ""
        for rule in rules:
            if rule == "admin_language" and r.admin_language in COMMUNITIES:
                owner, how = r.admin_language, rule
            elif rule == "last_known_community":
                owner = enrolment_community.get(r.nn_hash or "") or (previous[3] if previous else None)
                how = rule
            elif rule == "balanced":
                owner, how = min(COMMUNITIES, key=lambda c: (open_load[c], c)), rule
            if owner:
                break
        if owner is None:  # the rule list ends without a fallback: balance anyway, and say so
            owner, how = min(COMMUNITIES, key=lambda c: (open_load[c], c)), "balanced"
        open_load[owner] += 1
        report[f"owner_{owner}_by_{how}"] += 1
        ends = compulsory_period(r.birth_date, year.start_age).end if r.birth_date else None
        rows.append(
            {
                "school_year_id": year.id,
                "person_id": r.person_id,
                "child_key": key,
                "run_id": run_id,
                "state": wf.initial_state,
                "owner_community": owner,
                "nis_code": r.nis_code,
                "opened_at": now,
                "state_entered_at": now,
                "due_at": None,
                "compulsory_ends_on": ends,
                "previous_case_id": previous[0] if previous else None,
                "version": 1,
            }
        )
        if previous:
            report["linked_to_previous_case"] += 1
    initial = wf.states[wf.initial_state]
    if initial.timer is not None:
        due = now + wf.timer_delay(initial.timer)
        for row in rows:
            row["due_at"] = due
    new_ids: list[int] = []
    for chunk in _chunks(rows):
        new_ids.extend(session.scalars(insert(Case).returning(Case.id, sort_by_parameter_order=True), chunk))
    if new_ids:
        session.execute(
            insert(CaseEvent),
            [
                {
                    "case_id": cid,
                    "at": now,
                    "actor": actor.name,
                    "actor_org": actor.organisation_code,
                    "kind": "opened",
                    "transition": None,
                    "from_state": None,
                    "to_state": wf.initial_state,
                    "reason": f"residual of run {run_id}",
                    "payload": {"run_id": run_id, "previous_case_id": row["previous_case_id"]},
                }
                for cid, row in zip(new_ids, rows, strict=True)
            ],
        )
        if wf.on_enter.get(wf.initial_state):
            for case, opened in session.execute(
                select(Case, CaseEvent)
                .join(CaseEvent, CaseEvent.case_id == Case.id)
                .where(Case.id.in_(new_ids), CaseEvent.kind == "opened")
            ):
                for _name, effect in wf.on_enter[wf.initial_state]:
                    effect(session, case, opened, actor)
    report["opened"] = len(new_ids)
    report["closed_found_by_run"] = _close_found_by_run(session, wf, run, actor)
    session.flush()
    log.info("cases opened for run %s: %s", run_id, dict(report))
    return {"run_id": run_id, "school_year": year.label, **dict(report)}


def _close_found_by_run(session: Session, wf: Workflow, run: Run, actor: Actor) -> int:
    """Close open cases of the run's year whose child this run found enrolled / home-educated / exempt."""
    name = wf.spec.late_information.relinked_match
    if name is None:
        return 0
    found = session.execute(
        select(Case, ChildStatus)
        .join(RegisterPerson, RegisterPerson.id == ChildStatus.person_id)
        .join(
            Case,
            and_(
                Case.school_year_id == run.school_year_id,
                Case.closed_at.is_(None),
                or_(Case.person_id == ChildStatus.person_id, Case.child_key == RegisterPerson.nn_hash),
            ),
        )
        .where(ChildStatus.run_id == run.id, ChildStatus.status.in_(list(STATUS_RECORD_KIND)))
    ).all()
    closed = 0
    for case, status in found:
        payload = {
            "record_kind": STATUS_RECORD_KIND[status.status],
            "record_id": status.record_id,
            "run_id": run.id,
            "method": status.method,
            "probability": status.probability,
            "community": status.community,
            "school_id": status.school_id,
        }
        fire(session, case, name, actor, payload, reason=labels.reason("found_by_run", run=run.id))
        closed += 1
    return closed


# -- timers ----------------------------------------------------------------------------------


@dataclass
class TickReport:
    fired: Counter[str] = field(default_factory=Counter)
    reminders: int = 0
    overdue: int = 0
    conflicts: int = 0
    errors: int = 0
    failed: set[int] = field(default_factory=set)  # cases not retried within the same tick

    def as_dict(self) -> dict[str, Any]:
        return {
            "fired": dict(self.fired),
            "reminders": self.reminders,
            "overdue": self.overdue,
            "conflicts": self.conflicts,
            "errors": self.errors,
        }


def _each(session: Session, query: Any, report: TickReport, action: Any) -> None:
    """Apply `action(case)` to each case the query returns, each case in its own savepoint.

    One case failing (a concurrent change, an effect refusing) is rolled back alone and leaves the
    others untouched; the work is committed every `COMMIT_EVERY` cases, so a tick interrupted
    halfway keeps complete units of work and the next tick carries on.
    """
    ids = list(session.scalars(query))
    for chunk in _chunks(ids, COMMIT_EVERY):
        loaded = {c.id: c for c in session.scalars(select(Case).where(Case.id.in_(chunk)))}
        for case_id in chunk:
            case = loaded.get(case_id)
            if case is None or case_id in report.failed:
                continue
            try:
                with session.begin_nested():
                    action(case)
            except Conflict:
                report.conflicts += 1
                report.failed.add(case_id)
            except TandemError as exc:
                report.errors += 1
                report.failed.add(case_id)
                log.warning("tick: case %s: %s", case_id, exc)
        session.commit()


def _timer_reason(wf: Workflow, state: str, days: int) -> str:
    label = wf.states[state].label
    return labels.reason("timer_elapsed", state_nl=label.nl, state_fr=label.fr, days=days)


def tick(session: Session, actor: Actor | None = None) -> TickReport:
    """Fire whatever is due now (time from service.core.clock); idempotent, safe every few minutes.

    In order: close cases whose child left compulsory-school age; close cases in the parket margin
    states whose age ends within the margin; fire due timers (repeatedly, so a 0-day timer chains);
    add a reminder event (and run the reminder effects) before a deadline; flag overdue cases.
    """
    wf = get_workflow()
    actor = actor or Actor.system("tick")
    report = TickReport()
    now = clock.now()
    today = now.date()
    open_case = Case.closed_at.is_(None)

    def firing(name: str, reason: str) -> Any:
        def action(case: Case) -> None:
            fire(session, case, name, actor, reason=reason)
            report.fired[name] += 1

        return action

    _each(
        session,
        select(Case.id).where(open_case, Case.compulsory_ends_on < today).order_by(Case.id),
        report,
        firing(wf.spec.age.ended, labels.reason("age_ended")),
    )
    if wf.spec.age.margin_fire and wf.spec.age.margin_states:
        limit = today + timedelta(days=wf.parket_margin_days)
        _each(
            session,
            select(Case.id)
            .where(open_case, Case.state.in_(wf.spec.age.margin_states), Case.compulsory_ends_on <= limit)
            .order_by(Case.id),
            report,
            firing(
                wf.spec.age.margin_fire,
                labels.reason("age_margin", days=wf.parket_margin_days),
            ),
        )
    timer_states = {name: s.timer for name, s in wf.states.items() if s.timer is not None}
    for _round in range(len(timer_states) + 1):
        before = sum(report.fired.values())
        for name, timer in timer_states.items():
            _each(
                session,
                select(Case.id).where(open_case, Case.state == name, Case.due_at <= now).order_by(Case.id),
                report,
                firing(timer.fire, _timer_reason(wf, name, wf.days(timer.after_days))),
            )
        if sum(report.fired.values()) == before:
            break

    for name, s in wf.states.items():
        if s.deadline is None:
            continue
        before_days = wf.days(s.deadline.reminder_before_days)
        effects = wf.reminder_effects.get(name, ())

        def remind(case: Case, _effects: Any = effects, _days: int = before_days) -> None:
            case.reminded_at = now
            _bump(case)
            event = add_event(
                session,
                case,
                "reminder",
                actor,
                {"due_at": case.due_at.isoformat() if case.due_at else None, "state": case.state},
                reason=labels.reason("deadline_near", days=_days),
            )
            _flush(session, case)
            for _name, effect in _effects:
                effect(session, case, event, actor)
            _flush(session, case)
            report.reminders += 1

        _each(
            session,
            select(Case.id)
            .where(
                open_case,
                Case.state == name,
                Case.reminded_at.is_(None),
                Case.due_at <= now + timedelta(days=before_days),
            )
            .order_by(Case.id),
            report,
            remind,
        )

        def flag(case: Case) -> None:
            case.overdue_since = now
            _bump(case)
            add_event(
                session,
                case,
                "overdue",
                actor,
                {"due_at": case.due_at.isoformat() if case.due_at else None, "state": case.state},
                reason=labels.reason("deadline_passed"),
            )
            _flush(session, case)
            report.overdue += 1

        _each(
            session,
            select(Case.id)
            .where(open_case, Case.state == name, Case.overdue_since.is_(None), Case.due_at <= now)
            .order_by(Case.id),
            report,
            flag,
        )
    session.commit()
    return report


# -- lists, bulk actions and the funnel -----------------------------------------------------


@dataclass
class CaseFilter:
    state: list[str] | None = None
    nis_code: str | None = None
    community: str | None = None
    school_year: str | None = None
    overdue: bool | None = None
    open: bool | None = None
    closure_reason: str | None = None
    run_id: int | None = None

    def where(self, wf: Workflow, now: datetime) -> list[ColumnElement[bool]]:
        clauses: list[ColumnElement[bool]] = []
        if self.state:
            unknown = [s for s in self.state if s not in wf.states]
            if unknown:
                raise TandemError(f"unknown state(s): {', '.join(unknown)}")
            clauses.append(Case.state.in_(self.state))
        if self.nis_code:
            clauses.append(Case.nis_code == self.nis_code)
        if self.community:
            clauses.append(Case.owner_community == self.community)
        if self.school_year:
            clauses.append(
                Case.school_year_id.in_(select(SchoolYear.id).where(SchoolYear.label == self.school_year))
            )
        if self.open is not None:
            clauses.append(Case.closed_at.is_(None) if self.open else Case.closed_at.is_not(None))
        if self.closure_reason:
            clauses.append(Case.closure_reason == self.closure_reason)
        if self.run_id is not None:
            clauses.append(Case.run_id == self.run_id)
        if self.overdue is not None:
            deadline_states = [n for n, s in wf.states.items() if s.deadline is not None]
            overdue = and_(Case.closed_at.is_(None), Case.state.in_(deadline_states), Case.due_at <= now)
            clauses.append(overdue if self.overdue else ~overdue)
        return clauses


def list_cases(
    session: Session, actor: Actor, filters: CaseFilter, *, limit: int = 100, offset: int = 0
) -> tuple[int, list[Case]]:
    """One page of the cases the actor may see, with the total count for paging."""
    wf = get_workflow()
    where = [case_scope(actor), *filters.where(wf, clock.now())]
    total = session.scalar(select(func.count()).select_from(Case).where(*where)) or 0
    items = session.scalars(
        select(Case).where(*where).order_by(Case.id).limit(max(1, min(limit, 1000))).offset(max(0, offset))
    )
    return total, list(items)


def bulk_fire(
    session: Session,
    actor: Actor,
    filters: CaseFilter,
    transition: str,
    payload: dict[str, Any] | None = None,
    *,
    reason: str = "",
    dry_run: bool = False,
    progress: Any = None,
) -> dict[str, Any]:
    """Fire one transition on every case matching the filters (each case in its own savepoint).

    Cases that refuse (wrong state, missing guard item, concurrent change) are counted by reason
    and left as they were; a dry run only reports what would be refused or fired.
    """
    wf = get_workflow()
    if transition not in wf.transitions:
        raise NotFound(f"unknown transition '{transition}'")
    where = [case_scope(actor), *filters.where(wf, clock.now())]
    ids = list(session.scalars(select(Case.id).where(*where).order_by(Case.id)))
    outcome: Counter[str] = Counter()
    t = wf.transitions[transition]
    for i, case_id in enumerate(ids, 1):
        case = session.get(Case, case_id)
        if case is None:
            continue
        if dry_run:
            refusal = may_fire(t, case, actor)
            if refusal:
                outcome["forbidden"] += 1
            elif case.state not in t.sources:
                outcome[f"not possible from {case.state}"] += 1
            else:
                outcome["would fire"] += 1
            continue
        try:
            with session.begin_nested():
                fire(session, case, transition, actor, payload, reason=reason)
            outcome["fired"] += 1
        except TandemError as exc:
            key = type(exc).__name__
            if isinstance(exc, Conflict) and case.state not in t.sources:
                key = f"not possible from {case.state}"
            elif isinstance(exc, TransitionRefused):
                key = str(exc)
            outcome[key] += 1
        if i % COMMIT_EVERY == 0:
            session.commit()
        if progress:
            progress(i, len(ids))
    session.commit()
    return {"transition": transition, "matched": len(ids), "dry_run": dry_run, "outcome": dict(outcome)}


def funnel(session: Session, actor: Actor, school_year: str | None = None) -> dict[str, Any]:
    """How many cases are at each stage and how many closed for each reason (no personal data)."""
    wf = get_workflow()
    where = [case_scope(actor), *CaseFilter(school_year=school_year).where(wf, clock.now())]
    by_state = dict(
        session.execute(select(Case.state, func.count()).where(*where).group_by(Case.state)).all()
    )
    by_reason = dict(
        session.execute(
            select(Case.closure_reason, func.count())
            .where(*where, Case.closure_reason.is_not(None))
            .group_by(Case.closure_reason)
        ).all()
    )
    overdue = session.scalar(
        select(func.count()).select_from(Case).where(*where, *CaseFilter(overdue=True).where(wf, clock.now()))
    )
    return {
        "states": {s: by_state.get(s, 0) for s in wf.states},
        "closure_reasons": {r: by_reason.get(r, 0) for r in wf.closure_reasons if by_reason.get(r)},
        "open": sum(n for s, n in by_state.items() if s not in wf.final_states),
        "overdue": overdue or 0,
        "total": sum(by_state.values()),
    }


# Reads for other domains


def case_by_id(session: Session, case_id: int) -> Case:
    """One case, unscoped: for a domain that has already decided the actor may see it (an
    assignment of the actor's gemeente, a letter of a batch) or acts as the system."""
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound("case not found")
    return case


def cases_by_id(session: Session, case_ids: Iterable[int]) -> dict[int, Case]:
    """Cases by id, unscoped (see `case_by_id`), fetched in chunks."""
    found: dict[int, Case] = {}
    for chunk in _chunks(sorted(set(case_ids))):
        found.update({c.id: c for c in session.scalars(select(Case).where(Case.id.in_(list(chunk))))})
    return found


def open_cases_in_state(
    session: Session,
    state: str,
    *,
    owner_community: str | None = None,
    case_ids: Sequence[int] | None = None,
) -> list[Case]:
    """Open cases in `state`, by gemeente then id (letters due, for example)."""
    query = select(Case).where(Case.state == state, Case.closed_at.is_(None)).order_by(Case.nis_code, Case.id)
    if owner_community:
        query = query.where(Case.owner_community == owner_community)
    if case_ids is not None:
        query = query.where(Case.id.in_(list(case_ids)))
    return list(session.scalars(query))


def first_transition_at(session: Session, case_ids: Sequence[int], transition: str) -> dict[int, datetime]:
    """When each case first took `transition` (cases that never did are left out)."""
    found: dict[int, datetime] = {}
    for chunk in _chunks(list(case_ids)):
        rows = session.execute(
            select(CaseEvent.case_id, func.min(CaseEvent.at))
            .where(CaseEvent.case_id.in_(list(chunk)), CaseEvent.transition == transition)
            .group_by(CaseEvent.case_id)
        )
        found.update({case_id: at for case_id, at in rows})
    return found
