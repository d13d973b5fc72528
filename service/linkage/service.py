"""Runs: link a school year's register against its lists and store one status per register child.

`run_linkage` is the yearly reconciliation; `relink_children` re-links a few children (open cases)
against late batches with the model of the year's latest run; `latest_run` finds that run.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy import and_, case, extract, func, or_, select
from sqlalchemy.orm import Session

from service.audit import service as audit
from service.auth.service import Actor
from service.core import clock
from service.core.db import remap_column
from service.core.errors import NotFound, TandemError
from service.ingest.models import RegisterPerson, SchoolYear, SourceBatch, SourceKind
from service.ingest.service import current_batches
from service.linkage import engine
from service.linkage.compare import COMPARISONS
from service.linkage.engine import LinkResult
from service.linkage.frames import comparable_numbers, load_people, load_records
from service.linkage.model import FSModel
from service.linkage.models import ChildStatus, ChildStatusKind, ReviewDecision, Run
from service.linkage.results import (  # noqa: F401 - re-exported: the domain's public face
    PENDING_REVIEW,
    STATUS_OF_KIND,
    _none,
    _write,
    best_links,
    compulsory_mask,
    statuses_frame,
)
from service.linkage.settings import LinkSettings
from service.linkage.training import default_model

Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class LinkMatch:
    """A confident link of a register child to a record of a (late) list."""

    person_id: int
    status: str  # enrolled / home_educated / exempted
    record_kind: str  # enrolment / home_education / exemption
    record_id: int
    method: str  # hash / fuzzy / review_decision
    probability: float | None
    community: str | None
    school_id: str | None
    school_name: str | None
    reason: str | None  # exemption reason


# -- lookups --------------------------------------------------------------------------------------
def get_school_year(session: Session, label: str) -> SchoolYear:
    year = session.scalar(select(SchoolYear).where(SchoolYear.label == label))
    if year is None:
        raise NotFound(f"school year {label} has no data")
    return year


def latest_run(session: Session, school_year: str) -> Run | None:
    """The most recent finished run of the year (the one cases and re-linking build on)."""
    return session.scalar(
        select(Run)
        .join(SchoolYear, SchoolYear.id == Run.school_year_id)
        .where(SchoolYear.label == school_year, Run.status == "done")
        .order_by(Run.id.desc())
        .limit(1)
    )


def get_run(session: Session, run_id: int) -> Run:
    run = session.get(Run, run_id)
    if run is None:
        raise NotFound("run not found")
    return run


def load_decisions(session: Session, school_year_id: int) -> dict[tuple[str, str], str]:
    rows = session.execute(
        select(ReviewDecision.record_fp, ReviewDecision.person_key, ReviewDecision.decision).where(
            ReviewDecision.school_year_id == school_year_id
        )
    )
    return {(fp, key): decision for fp, key, decision in rows}


def run_model(run: Run | None) -> tuple[FSModel | None, LinkSettings]:
    if run is None or not run.model.get("model"):
        return None, LinkSettings()
    return FSModel.from_json(run.model["model"]), LinkSettings.from_dict(run.model.get("settings", {}))


# -- the run --------------------------------------------------------------------------------------
def _batch_ids(batches: list[SourceBatch]) -> tuple[list[int], list[SourceBatch]]:
    register = [b.id for b in batches if b.kind == SourceKind.REGISTER.value]
    lists = [b for b in batches if b.kind != SourceKind.REGISTER.value]
    return register, lists


def _start_run(session: Session, school_year: str, reference_date: date, actor: Actor):  # type: ignore[no-untyped-def]
    """Check the year and its inputs and add the run (status running); returns it with the inputs."""
    year = get_school_year(session, school_year)
    if not year.starts_on <= reference_date <= year.ends_on:
        # Every list would have lapsed (or not begun): a run full of false residual children.
        raise TandemError(
            f"reference date {reference_date} lies outside school year {school_year}"
            f" ({year.starts_on} to {year.ends_on})"
        )
    batches = current_batches(session, school_year)
    register_ids, list_batches = _batch_ids(batches)
    if not register_ids:
        raise TandemError(f"school year {school_year} has no register extract: ingest one first")
    run = Run(
        school_year_id=year.id,
        reference_date=reference_date,
        status="running",
        created_at=clock.now(),
        created_by=actor.name,
        batch_ids=[b.id for b in batches],
        model={},
        counts={},
    )
    session.add(run)
    session.flush()
    return year, run, register_ids, list_batches


STAGE1_DESCRIPTION = {
    "join": "keyed hash (HMAC-SHA256) of the national number",
    "distrust": "at least two of: first name different, surname different, birth date more than "
    "one digit or swap away; or a twin in the register, the first name not close, and another twin "
    "of the group fitting the first name at least as well",
    "valid_number_not_in_register": "regular valid number consistent with the record, absent from the "
    "register: the pupil is not a register child; never trained on; compared only with register children "
    "of the same first name, surname and birth date (none if the record's postcode is outside Brussels), "
    "and without a Brussels postcode on the record at most sent to review",
    "to_fuzzy": "no number, invalid number, bis number or number inconsistent with the record, "
    "absent from the register; and distrusted hash links",
}
TWIN_RULE = (
    "same surname, birth date and address as another register child and a different first name: never a "
    "match, unless the record's first name is closer to this child's than to every other child of the group"
)


def _model_json(people: pd.DataFrame, result: LinkResult, settings: LinkSettings, reference_date: date):  # type: ignore[no-untyped-def]
    """What the run stores about how it decided: settings, model, its health, rules."""
    return {
        "settings": settings.as_dict(),
        "model": result.model.to_json(),
        "health": model_health(result),
        "stage1": STAGE1_DESCRIPTION,
        "blocking_rules": result.blocking,
        "comparisons": COMPARISONS,
        "twin_rule": TWIN_RULE,
        "one_to_one": "a record links to at most one child; a child to at most one record per list",
        "term_frequencies": {
            f: {
                "distinct_values": int(people[c][people[c] != ""].nunique()),
                "max_frequency": float(people[c][people[c] != ""].value_counts(normalize=True).max() or 0),
            }
            for f, c in (("first_name", "fn"), ("surname", "sn"))
            if len(people)
        },
        "reference_date": reference_date.isoformat(),
    }


def model_health(result: LinkResult) -> dict[str, Any]:
    """The model's health verdict (ok / implausible, the problems, which m was used)."""
    return dict(result.model.training.get("health", {"verdict": "ok", "problems": [], "used": "given"}))


def run_linkage(
    session: Session,
    school_year: str,
    reference_date: date,
    actor: Actor,
    progress: Progress | None = None,
    settings: LinkSettings | None = None,
) -> Run:
    """Link the year's current batches and store a status per register child; commits when done.

    A run whose trained model failed its health checks is still done (it used the fallback m), but
    its counts carry the verdict and the problems, for the operator to read before opening cases.
    """
    settings = settings or LinkSettings()
    step = progress or (lambda done, total, message: None)
    year, run, register_ids, list_batches = _start_run(session, school_year, reference_date, actor)
    total = 10
    step(1, total, "reading the register")
    raw_people = load_people(session, register_ids)
    people = engine.prepare_people(raw_people)
    step(2, total, f"reading the lists ({len(people):,} register children)")
    raw_records = load_records(session, list_batches, reference_date, register_ids)
    records = engine.prepare_records(comparable_numbers(raw_records, raw_people))
    decisions = load_decisions(session, year.id)

    def engine_step(done: int, _total: int, message: str) -> None:
        step(2 + done, total, message)

    result = engine.link(records, people, settings, decisions=decisions, progress=engine_step)
    step(9, total, f"writing statuses ({len(people):,} children)")
    statuses = statuses_frame(people, records, result, year.start_age, reference_date)
    _write(session, run, people, records, result, statuses)
    counts = statuses["status"].value_counts().to_dict()
    run.counts = {
        "children": len(people),
        "statuses": {k.value: int(counts.get(k.value, 0)) for k in ChildStatusKind},
        "residual_pending_review": int((statuses["reason"] == PENDING_REVIEW).sum()),
        "model_health": model_health(result),
        "linkage": result.counts,
    }
    run.model = _model_json(people, result, settings, reference_date)
    run.status = "done"
    run.finished_at = clock.now()
    audit.record(session, actor, "process", "run", [run.id], f"linkage run {school_year} at {reference_date}")
    session.commit()
    step(total, total, "done")
    return run


# -- re-linking open cases against late lists -------------------------------------------------------
def relink_children(
    session: Session, person_ids: list[int], batch_ids: list[int], reference_date: date
) -> dict[int, LinkMatch]:
    """Link the given register children against the given (late) batches only, with the model of
    the year's latest run (hash first, then fuzzy). Returns confident links only, by person id.

    Every register child of the year stays a candidate, so a late record that belongs to another
    child is absorbed by that child instead of closing the wrong case.
    """
    wanted = set(person_ids)
    if not wanted or not batch_ids:
        return {}
    batches = list(session.scalars(select(SourceBatch).where(SourceBatch.id.in_(batch_ids))))
    if not batches:
        return {}
    year = session.get(SchoolYear, batches[0].school_year_id)
    assert year is not None
    register_ids = [b.id for b in current_batches(session, year.label, [SourceKind.REGISTER])]
    list_batches = [b for b in batches if b.kind != SourceKind.REGISTER.value]
    if not register_ids or not list_batches:
        return {}
    raw_people = load_people(session, register_ids)
    people = engine.prepare_people(raw_people)
    raw = comparable_numbers(load_records(session, list_batches, reference_date, None), raw_people)
    if raw.empty or people.empty:
        return {}
    records = engine.prepare_records(raw)
    model, settings = run_model(latest_run(session, year.label))
    if model is None:
        model = default_model(records, people, settings)
    result = engine.link(records, people, settings, model=model, decisions=load_decisions(session, year.id))
    best = best_links(result, records)
    out: dict[int, LinkMatch] = {}
    for rec_i, pi, method, prob in zip(
        best["rec"], best["pi"], best["method"], best["probability"], strict=True
    ):
        pid = int(people["person_id"].iat[int(pi)])
        if pid not in wanted:
            continue
        r = records.iloc[int(rec_i)]
        out[pid] = LinkMatch(
            person_id=pid,
            status=STATUS_OF_KIND[r["kind"]],
            record_kind=r["kind"],
            record_id=int(r["record_id"]),
            method=str(method),
            probability=_none(prob),
            community=_none(r["community"]),
            school_id=_none(r["school_id"]),
            school_name=_none(r["school_name"]),
            reason=_none(r["reason"]),
        )
    return out


# Reads for other domains ---------------------------------------------------------------------
# Keyword-only look-ups the case and parket domains use instead of reading linkage tables.


def find_run(session: Session, *, run_id: int) -> Run | None:
    return session.get(Run, run_id)


def child_status(session: Session, *, run_id: int, person_id: int) -> str | None:
    """The status the run gave one register child (residual, enrolled, ...), None if it has none."""
    return session.scalar(
        select(ChildStatus.status).where(ChildStatus.run_id == run_id, ChildStatus.person_id == person_id)
    )


def residual_children(session: Session, *, run_id: int) -> list[Any]:
    """The children a run left unaccounted for, with what opening a case needs, by person id."""
    return list(
        session.execute(
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
    )


# The record kind that accounts for a child, by the status a run gave it.
RECORD_KIND_OF_STATUS = {
    ChildStatusKind.ENROLLED.value: "enrolment",
    ChildStatusKind.HOME_EDUCATED.value: "home_education",
    ChildStatusKind.EXEMPTED.value: "exemption",
}


def accounted_children(session: Session, *, run_id: int) -> list[Any]:
    """The children a run found (enrolled, home-educated, exempt), with the record that did it."""
    return list(
        session.execute(
            select(
                ChildStatus.person_id,
                RegisterPerson.nn_hash,
                ChildStatus.status,
                ChildStatus.record_id,
                ChildStatus.method,
                ChildStatus.probability,
                ChildStatus.community,
                ChildStatus.school_id,
            )
            .join(RegisterPerson, RegisterPerson.id == ChildStatus.person_id)
            .where(ChildStatus.run_id == run_id, ChildStatus.status.in_(list(RECORD_KIND_OF_STATUS)))
            .order_by(ChildStatus.person_id)
        ).all()
    )


def _age_on(birth: Any, on: date) -> Any:
    """Age in whole years on `on`, in SQL (-1 where the birth date is unknown)."""
    month, day = extract("month", birth), extract("day", birth)
    later = case((or_(month > on.month, and_(month == on.month, day > on.day)), 1), else_=0)
    return func.coalesce(on.year - extract("year", birth) - later, -1)


def indicator_counts(session: Session, *, run_id: int, reference_date: date) -> list[Any]:
    """How many register children of a run there are per status, gemeente, statistical sector, sex
    and age on the reference date: the indicators' denominators, counted in the database (one
    pass; a Brussels year gives some 40,000 cells instead of 220,000 rows)."""
    age = _age_on(RegisterPerson.birth_date, reference_date).label("age")
    columns = (
        ChildStatus.status,
        RegisterPerson.nis_code,
        RegisterPerson.stat_sector,
        RegisterPerson.sex,
        age,
    )
    return list(
        session.connection()
        .execute(
            select(*columns, func.count().label("n"))
            .join(RegisterPerson, RegisterPerson.id == ChildStatus.person_id)
            .where(ChildStatus.run_id == run_id)
            .group_by(*columns)
        )
        .all()
    )


def indicator_children(
    session: Session, *, run_id: int, statuses: Sequence[str], reference_date: date, age: int | None = None
) -> list[Any]:
    """The register children of a run with the given statuses (and age on the reference date),
    with what the indicators break them down by; no name, address or number."""
    age_on = _age_on(RegisterPerson.birth_date, reference_date)
    query = (
        select(
            ChildStatus.person_id,
            RegisterPerson.nn_hash,
            ChildStatus.status,
            RegisterPerson.nis_code,
            RegisterPerson.stat_sector,
            RegisterPerson.sex,
            RegisterPerson.birth_date,
            age_on.label("age"),
        )
        .join(RegisterPerson, RegisterPerson.id == ChildStatus.person_id)
        .where(ChildStatus.run_id == run_id, ChildStatus.status.in_(list(statuses)))
    )
    if age is not None:
        query = query.where(age_on == age)
    return list(session.connection().execute(query).all())


def done_runs(session: Session, *, school_year: str) -> list[Run]:
    """The year's finished runs, oldest first."""
    return list(
        session.scalars(
            select(Run)
            .join(SchoolYear, SchoolYear.id == Run.school_year_id)
            .where(SchoolYear.label == school_year, Run.status == "done")
            .order_by(Run.id)
        )
    )


def rekey_review_decisions(session: Session, *, mapping: dict[str, str]) -> int:
    """After a key rotation: operator decisions keyed by a child's old hash take its new one."""
    return remap_column(session, ReviewDecision.__table__, "person_key", mapping)
