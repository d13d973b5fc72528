"""The review queue and explanations: pairs side by side, with each field's part in the score.

A waterfall lists the prior match weight and then each comparison's weight (log2 Bayes factor, the
way Splink's waterfall chart does), the running total, and the probability it amounts to. Decisions
are stored per school year under the record's content fingerprint and the child's keyed hash, so a
later run of the same year reuses them; the decision also updates the run it was made on.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service.audit import service as audit
from service.auth.service import Actor
from service.core import clock
from service.core.errors import Conflict, NotFound, TandemError
from service.ingest.models import RegisterPerson, SourceBatch
from service.linkage.compare import COMPARISONS, FIELDS
from service.linkage.frames import PERIODS, RECORD_KINDS
from service.linkage.models import ChildStatus, ChildStatusKind, LinkPair, ReviewDecision, Run
from service.linkage.service import PENDING_REVIEW, STATUS_OF_KIND

DECISIONS = ("accept", "reject")


def waterfall(run: Run, pair: LinkPair) -> dict[str, Any] | None:
    """Each field's contribution to the pair's match weight, from the run's stored model."""
    if not pair.weights or not pair.gamma:
        return None
    model = run.model.get("model", {})
    prior = float(model.get("prior_match_weight", 0.0))
    levels = [int(v) for v in pair.gamma.split(",")]
    weights = [float(v) for v in pair.weights.split(",")]
    steps = [
        {"step": "prior", "label": "two random records are the same child", "weight": prior, "total": prior}
    ]
    total = prior
    for field, level, weight in zip(FIELDS, levels, weights, strict=False):
        total += weight
        steps.append(
            {
                "step": field,
                "level": level,
                "label": "missing on one side" if level < 0 else COMPARISONS[field][level],
                "weight": round(weight, 2),
                "total": round(total, 2),
            }
        )
    probability = 1.0 / (1.0 + 2.0 ** (-total))
    return {
        "steps": steps,
        "match_weight": round(total, 2),
        "probability": probability,
        "swapped": pair.swapped,
    }


def person_side(p: RegisterPerson) -> dict[str, Any]:
    return {
        "person_id": p.id,
        "last_name": p.last_name,
        "first_names": p.first_names,
        "birth_date": p.birth_date,
        "sex": p.sex,
        "postcode": p.postcode,
        "nis_code": p.nis_code,
        "address": f"{p.street} {p.house_number}{(' bus ' + p.box) if p.box else ''}".strip(),
    }


def record_side(session: Session, kind: str, record_id: int) -> dict[str, Any]:
    model = RECORD_KINDS[kind]
    r = session.get(model, record_id)
    if r is None:
        raise NotFound("record not found")
    batch = session.get(SourceBatch, r.batch_id)
    start, end = PERIODS[kind]
    out = {
        "record_kind": kind,
        "record_id": r.id,
        "list": batch.source if batch else None,
        "row": r.row_number,
        "national_number": r.nn_status + (" (bis)" if r.nn_bis else ""),  # the status, never the number
        "last_name": r.last_name,
        "first_names": r.first_names,
        "birth_date": r.birth_date,
        "sex": r.sex,
        "postcode": r.postcode,
        "valid_from": getattr(r, start),
        "valid_until": getattr(r, end),
    }
    for extra in ("community", "school_id", "school_name", "campus_id", "reason"):
        if hasattr(r, extra):
            out[extra] = getattr(r, extra)
    return out


def pair_view(session: Session, pair: LinkPair, run: Run | None = None) -> dict[str, Any]:
    run = run or session.get(Run, pair.run_id)
    assert run is not None
    person = session.get(RegisterPerson, pair.person_id)
    assert person is not None
    return {
        "pair_id": pair.id,
        "run_id": pair.run_id,
        "outcome": pair.outcome,
        "method": pair.method,
        "probability": pair.probability,
        "child": person_side(person),
        "record": record_side(session, pair.record_kind, pair.record_id),
        "waterfall": waterfall(run, pair),
    }


def review_queue(
    session: Session,
    run_id: int,
    actor: Actor,
    *,
    limit: int = 50,
    offset: int = 0,
    pending_only: bool = True,
) -> dict[str, Any]:
    run = session.get(Run, run_id)
    if run is None:
        raise NotFound("run not found")
    outcomes = ["review"] if pending_only else ["review", "accepted", "rejected"]
    base = select(LinkPair).where(LinkPair.run_id == run_id, LinkPair.outcome.in_(outcomes))
    total = session.scalar(select(func.count()).select_from(base.subquery())) or 0
    pairs = list(
        session.scalars(
            base.order_by(LinkPair.probability.desc(), LinkPair.id).limit(min(limit, 500)).offset(offset)
        )
    )
    audit.record(session, actor, "read", "register_person", [p.person_id for p in pairs], "review queue")
    children = int((run.counts or {}).get("children", 0))
    return {
        "run_id": run_id,
        "total": total,
        "children": children,  # the queue's size is read against the register (target: 0.5%)
        "pairs": [pair_view(session, p, run) for p in pairs],
    }


def get_pair(session: Session, pair_id: int, actor: Actor) -> dict[str, Any]:
    pair = session.get(LinkPair, pair_id)
    if pair is None:
        raise NotFound("pair not found")
    audit.record(session, actor, "read", "register_person", [pair.person_id], "review pair")
    return pair_view(session, pair)


def decide(session: Session, pair_id: int, decision: str, actor: Actor, note: str = "") -> dict[str, Any]:
    """Accept or reject a pair in review; the child's status in that run follows the decision."""
    if decision not in DECISIONS:
        raise TandemError("decision must be accept or reject")
    pair = session.get(LinkPair, pair_id, with_for_update=True)
    if pair is None:
        raise NotFound("pair not found")
    if pair.outcome != "review":
        raise Conflict(f"pair {pair_id} is not waiting for review (it is {pair.outcome})")
    run = session.get(Run, pair.run_id)
    person = session.get(RegisterPerson, pair.person_id)
    assert run is not None and person is not None
    if not pair.record_fp or not person.nn_hash:
        raise TandemError("pair cannot be decided: it has no stable key")
    existing = session.scalar(
        select(ReviewDecision).where(
            ReviewDecision.school_year_id == run.school_year_id,
            ReviewDecision.record_fp == pair.record_fp,
            ReviewDecision.person_key == person.nn_hash,
        )
    )
    if existing is None:
        existing = ReviewDecision(
            school_year_id=run.school_year_id, record_fp=pair.record_fp, person_key=person.nn_hash
        )
        session.add(existing)
    existing.decision = decision
    existing.decided_by = actor.name
    existing.decided_at = clock.now()
    existing.pair_id = pair.id
    existing.note = note[:300]
    pair.outcome = "accepted" if decision == "accept" else "rejected"
    _update_status(session, run, pair, decision)
    audit.record(session, actor, "write", "link_pair", [pair.id], f"review {decision}")
    session.flush()
    return pair_view(session, pair, run)


def _update_status(session: Session, run: Run, pair: LinkPair, decision: str) -> None:
    status = session.scalar(
        select(ChildStatus).where(ChildStatus.run_id == run.id, ChildStatus.person_id == pair.person_id)
    )
    if status is None or status.status == ChildStatusKind.NOT_COMPULSORY.value:
        return
    if decision == "accept" and status.status in (
        ChildStatusKind.IN_REVIEW.value,
        ChildStatusKind.RESIDUAL.value,
    ):
        record = record_side(session, pair.record_kind, pair.record_id)
        status.status = STATUS_OF_KIND[pair.record_kind]
        status.method = "review_decision"
        status.record_kind = pair.record_kind
        status.record_id = pair.record_id
        status.probability = pair.probability
        status.community = record.get("community")
        status.school_id = record.get("school_id")
        status.campus_id = record.get("campus_id")
        status.reason = record.get("reason")
        status.valid_from = record["valid_from"]
        status.valid_until = record["valid_until"]
    elif decision == "reject" and (
        status.status == ChildStatusKind.IN_REVIEW.value or status.reason == PENDING_REVIEW
    ):
        pending = session.scalar(
            select(func.count()).where(
                LinkPair.run_id == run.id,
                LinkPair.person_id == pair.person_id,
                LinkPair.outcome == "review",
                LinkPair.id != pair.id,
            )
        )
        if not pending:
            status.status = ChildStatusKind.RESIDUAL.value
            status.reason = None
    counts = dict(run.counts)
    statuses = dict(
        session.execute(
            select(ChildStatus.status, func.count())
            .where(ChildStatus.run_id == run.id)
            .group_by(ChildStatus.status)
        ).all()
    )
    counts["statuses"] = {k.value: int(statuses.get(k.value, 0)) for k in ChildStatusKind}
    run.counts = counts


def explain(session: Session, person_id: int, actor: Actor, run_id: int | None = None) -> dict[str, Any]:
    """How a register child got its status in a run (default: the latest run that includes the child)."""
    person = session.get(RegisterPerson, person_id)
    if person is None:
        raise NotFound("child not found")
    query = select(ChildStatus).where(ChildStatus.person_id == person_id)
    if run_id is not None:
        query = query.where(ChildStatus.run_id == run_id)
    status = session.scalar(query.order_by(ChildStatus.run_id.desc()).limit(1))
    if status is None:
        raise NotFound("no run has a status for this child")
    run = session.get(Run, status.run_id)
    assert run is not None
    pairs = list(
        session.scalars(
            select(LinkPair)
            .where(LinkPair.run_id == run.id, LinkPair.person_id == person_id)
            .order_by(LinkPair.outcome, LinkPair.probability.desc().nulls_first(), LinkPair.id)
        )
    )
    audit.record(session, actor, "read", "register_person", [person_id], "explain linkage status")
    return {
        "run_id": run.id,
        "school_year_reference_date": run.reference_date,
        "child": person_side(person),
        "status": status.status,
        "method": status.method,
        "record_kind": status.record_kind,
        "record_id": status.record_id,
        "probability": status.probability,
        "reason": status.reason,
        "summary": _summary(status, pairs, run),
        "pairs": [pair_view(session, p, run) for p in pairs],
    }


def _summary(status: ChildStatus, pairs: list[LinkPair], run: Run) -> str:
    settings = run.model.get("settings", {})
    link_p = settings.get("link_probability")
    review_p = settings.get("review_probability")
    if status.status == ChildStatusKind.NOT_COMPULSORY.value:
        return f"not of compulsory-school age on {run.reference_date} (age rules of the school year)"
    if status.method == "hash":
        return "a list record carries the same national number (keyed-hash match), and its names and birth date agree"
    if status.method == "fuzzy":
        return f"no usable number matched; names, birth date and other fields give probability {status.probability:.4f} (link threshold {link_p})"
    if status.method == "review_decision":
        return "an operator accepted the pair in review"
    if status.status == ChildStatusKind.IN_REVIEW.value or status.reason == PENDING_REVIEW:
        return f"a record scores between the review threshold ({review_p}) and the link threshold ({link_p}): waiting for an operator"
    near = [p for p in pairs if p.outcome in ("candidate", "rejected")]
    if near:
        return f"no record is active on {run.reference_date} with a strong enough match; the closest candidates are listed with their scores"
    return f"no list record active on {run.reference_date} matches this child by number, names or birth date"
