"""Opening cases from a linkage run: one case per residual child and school year, owner chosen by
the workflow's ownership rule; open cases whose child the run found are closed.

The run and its children come from the linkage service, the school year and earlier enrolments
from the ingest service: this module reads no table but the case domain's own.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, or_, select
from sqlalchemy.orm import Session

from service.auth.scope import COMMUNITIES
from service.auth.service import Actor
from service.cases.engine import fire
from service.cases.models import Case, CaseEvent
from service.cases.workflow import Workflow, get_workflow
from service.core import clock, labels
from service.core.errors import NotFound, TandemError
from service.core.school_age import compulsory_period
from service.ingest import service as ingest
from service.linkage import service as linkage

log = logging.getLogger(__name__)

CHUNK = 1000
Existing = dict[str, list[tuple[int, int, bool, str]]]  # child key -> (case id, year id, open, owner)


def chunks(items: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _child_key(nn_hash: str | None, person_id: int) -> str:
    return nn_hash or f"p:{person_id}"


def _existing_cases(session: Session, keys: list[str]) -> Existing:
    existing: Existing = {}
    for chunk in chunks(keys):
        for cid, key, year_id, closed_at, owner in session.execute(
            select(Case.id, Case.child_key, Case.school_year_id, Case.closed_at, Case.owner_community).where(
                Case.child_key.in_(chunk)
            )
        ):
            existing.setdefault(key, []).append((cid, year_id, closed_at is None, owner))
    return existing


def _open_load(session: Session) -> Counter[str]:
    rows = session.execute(
        select(Case.owner_community, func.count())
        .where(Case.closed_at.is_(None))
        .group_by(Case.owner_community)
    ).all()
    return Counter(dict(rows))


class _Owners:
    """The workflow's ownership rule, applied child by child (the balance follows the new cases)."""

    def __init__(self, wf: Workflow, load: Counter[str], enrolment_community: dict[str, str]) -> None:
        self.rules = wf.spec.ownership.rule
        self.load = load
        self.enrolment_community = enrolment_community

    def choose(self, child: Any, previous: tuple[int, int, bool, str] | None) -> tuple[str, str]:
        owner, how = None, ""
        for rule in self.rules:
            if rule == "admin_language" and child.admin_language in COMMUNITIES:
                owner, how = child.admin_language, rule
            elif rule == "last_known_community":
                owner = self.enrolment_community.get(child.nn_hash or "") or (
                    previous[3] if previous else None
                )
                how = rule
            elif rule == "balanced":
                owner, how = self._balanced(), rule
            if owner:
                break
        if owner is None:  # the rule list ends without a fallback: balance anyway, and say so
            owner, how = self._balanced(), "balanced"
        self.load[owner] += 1
        return owner, how

    def _balanced(self) -> str:
        return min(COMMUNITIES, key=lambda c: (self.load[c], c))


def _new_rows(
    session: Session, wf: Workflow, run: Any, year: Any, report: Counter[str]
) -> list[dict[str, Any]]:
    """One row per residual child that gets a case (report counts the others by reason)."""
    residual = linkage.residual_children(session, run_id=run.id)
    report["residual"] = len(residual)
    keys = [_child_key(r.nn_hash, r.person_id) for r in residual]
    existing = _existing_cases(session, keys)
    hashes = [r.nn_hash for r in residual if r.nn_hash]
    owners = _Owners(wf, _open_load(session), ingest.last_enrolment_communities(session, nn_hashes=hashes))
    now = clock.now()
    rows: list[dict[str, Any]] = []
    for r, key in zip(residual, keys, strict=True):
        cases = existing.get(key, [])
        if any(y == year.id for _, y, _, _ in cases):
            report["already_has_case_this_year"] += 1
            continue
        if any(is_open for _, _, is_open, _ in cases):
            report["open_case_in_other_year"] += 1
            continue
        previous = max(cases, default=None)  # the latest earlier-year case (all closed here)
        owner, how = owners.choose(r, previous)
        report[f"owner_{owner}_by_{how}"] += 1
        if previous:
            report["linked_to_previous_case"] += 1
        rows.append(_case_row(wf, run.id, year, r, key, owner, previous, now))
    return rows


def _case_row(wf: Workflow, run_id: int, year: Any, r: Any, key: str, owner: str,
              previous: tuple[int, int, bool, str] | None, now: datetime) -> dict[str, Any]:  # fmt: skip
    initial = wf.states[wf.initial_state]
    return {
        "school_year_id": year.id,
        "person_id": r.person_id,
        "child_key": key,
        "run_id": run_id,
        "state": wf.initial_state,
        "owner_community": owner,
        "nis_code": r.nis_code,
        "opened_at": now,
        "state_entered_at": now,
        "due_at": now + wf.timer_delay(initial.timer) if initial.timer is not None else None,
        "compulsory_ends_on": compulsory_period(r.birth_date, year.start_age).end if r.birth_date else None,
        "previous_case_id": previous[0] if previous else None,
        "version": 1,
    }


def _insert(
    session: Session, wf: Workflow, run_id: int, rows: list[dict[str, Any]], actor: Actor
) -> list[int]:
    """Insert the cases and their "opened" events in bulk, then run the initial state's effects."""
    new_ids: list[int] = []
    for chunk in chunks(rows):
        new_ids.extend(session.scalars(insert(Case).returning(Case.id, sort_by_parameter_order=True), chunk))
    if not new_ids:
        return new_ids
    opened = [
        {
            "case_id": cid,
            "at": row["opened_at"],
            "actor": actor.name,
            "actor_org": actor.organisation_code,
            "kind": "opened",
            "transition": None,
            "from_state": None,
            "to_state": wf.initial_state,
            "reason": labels.reason("opened_residual", run=run_id),
            "payload": {"run_id": run_id, "previous_case_id": row["previous_case_id"]},
        }
        for cid, row in zip(new_ids, rows, strict=True)
    ]
    session.execute(insert(CaseEvent), opened)
    if wf.on_enter.get(wf.initial_state):
        for case, event in session.execute(
            select(Case, CaseEvent)
            .join(CaseEvent, CaseEvent.case_id == Case.id)
            .where(Case.id.in_(new_ids), CaseEvent.kind == "opened")
        ):
            for _name, effect in wf.on_enter[wf.initial_state]:
                effect(session, case, event, actor)
    return new_ids


def open_cases_for_run(session: Session, run_id: int, actor: Actor) -> dict[str, Any]:
    """Open a case for every residual child of a run; idempotent (a repeated run opens no duplicate).

    A child who already has a case this school year (open or closed) or an open case from an
    earlier year gets no new one; a child whose earlier-year case is closed gets a new case linked
    to it (`previous_case_id`). Open cases of the year whose child this run found are closed with
    the workflow's `late_information.relinked_match` transition.
    """
    wf = get_workflow()
    run = linkage.find_run(session, run_id=run_id)
    if run is None:
        raise NotFound(f"run {run_id} not found")
    if run.status != "done":
        raise TandemError(f"run {run_id} is {run.status}, not done: cases open only from a finished run")
    year = ingest.find_school_year(session, school_year_id=run.school_year_id)
    assert year is not None
    report: Counter[str] = Counter()
    rows = _new_rows(session, wf, run, year, report)
    report["opened"] = len(_insert(session, wf, run_id, rows, actor))
    report["closed_found_by_run"] = _close_found_by_run(session, wf, run, actor)
    session.flush()
    log.info("cases opened for run %s: %s", run_id, dict(report))
    return {"run_id": run_id, "school_year": year.label, **dict(report)}


def _close_found_by_run(session: Session, wf: Workflow, run: Any, actor: Actor) -> int:
    """Close open cases of the run's year whose child this run found enrolled / home-educated / exempt."""
    name = wf.spec.late_information.relinked_match
    if name is None:
        return 0
    found = linkage.accounted_children(session, run_id=run.id)
    by_person = {f.person_id: f for f in found}
    by_hash = {f.nn_hash: f for f in found if f.nn_hash}
    closed = 0
    for chunk in chunks(found):
        open_cases = session.scalars(
            select(Case)
            .where(
                Case.school_year_id == run.school_year_id,
                Case.closed_at.is_(None),
                or_(
                    Case.person_id.in_([f.person_id for f in chunk]),
                    Case.child_key.in_([f.nn_hash for f in chunk if f.nn_hash]),
                ),
            )
            .order_by(Case.id)
        ).all()
        for case in open_cases:
            status = by_person.get(case.person_id) or by_hash.get(case.child_key)
            if status is None or case.closed_at is not None:
                continue
            payload = {
                "record_kind": linkage.RECORD_KIND_OF_STATUS[status.status],
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
