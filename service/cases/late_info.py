"""Late information clears a case at any stage: re-link open cases when a list batch lands.

Registered with `service.ingest.hooks.on_batch_ingested` (imported by the package, so any code
that can ingest also re-links). Linkage does the matching (`relink_children`); the workflow's
`late_information.match` transition closes the case, and its effects (letters not yet sent are
cancelled, a pending gemeente assignment is withdrawn) are declared in the workflow file.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.auth.service import Actor
from service.cases.engine import fire
from service.cases.models import Case
from service.cases.workflow import get_workflow
from service.core import clock, labels
from service.core.errors import Conflict, TandemError
from service.ingest import service as ingest
from service.ingest.hooks import on_batch_ingested
from service.linkage import service as linkage

log = logging.getLogger(__name__)


def _reference_date(year: Any) -> date:
    """Today, kept inside the school year the batch belongs to: from 1 September to 30 June, the
    last day lists run to (a list ingested in the summer, or a year late, still clears its cases)."""
    last_school_day = date(year.ends_on.year, 6, 30)
    return min(max(clock.now().date(), year.starts_on), last_school_day)


def _current_people(session: Session, year: Any, open_cases: list[Case]) -> dict[int, int]:
    """Each case's child in the year's current register (a corrected register gives new row ids)."""
    keys = [c.child_key for c in open_cases if not c.child_key.startswith("p:")]
    now_by_key = ingest.current_register_ids(session, school_year=year.label, nn_hashes=keys)
    return {c.id: now_by_key.get(c.child_key, c.person_id) for c in open_cases}


def relink_open_cases(session: Session, batch_id: int, actor: Actor) -> dict[str, int]:
    """Close every open case of the batch's school year whose child the batch accounts for."""
    batch = ingest.list_batch(session, batch_id=batch_id)
    if batch is None:
        return {}
    open_cases = list(
        session.scalars(
            select(Case).where(Case.school_year_id == batch.school_year_id, Case.closed_at.is_(None))
        )
    )
    if not open_cases:
        return {}
    year = ingest.find_school_year(session, school_year_id=batch.school_year_id)
    assert year is not None
    person_of = _current_people(session, year, open_cases)
    found = linkage.relink_children(
        session, sorted(set(person_of.values())), [batch_id], _reference_date(year)
    )
    matches = {c.person_id: found[person_of[c.id]] for c in open_cases if person_of[c.id] in found}
    name = get_workflow().spec.late_information.match
    system = Actor.system("late-list")
    outcome: Counter[str] = Counter(open=len(open_cases))
    for case in open_cases:
        match = matches.get(case.person_id)
        if match is None:
            continue
        payload = {
            "record_kind": match.record_kind,
            "record_id": match.record_id,
            "batch_id": batch_id,
            "batch_source": batch.source,
            "method": match.method,
            "probability": match.probability,
            "community": match.community,
            "school_id": match.school_id,
            "school_name": match.school_name,
            "exemption_reason": match.reason,
            "ingested_by": actor.name,
        }
        try:
            fire(
                session,
                case,
                name,
                system,
                payload,
                reason=labels.reason("late_list", batch=batch_id, source=batch.source),
            )
            session.commit()
            outcome["closed"] += 1
        except Conflict:
            session.rollback()
            outcome["conflicts"] += 1
        except TandemError as exc:
            session.rollback()
            outcome["refused"] += 1
            log.warning("late list: case %s not closed: %s", case.id, exc)
    log.info("late list batch %s: %s", batch_id, dict(outcome))
    return dict(outcome)


on_batch_ingested(relink_open_cases)
