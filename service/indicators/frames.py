"""The data the indicators count, read once per school year through the other domains' faces.

One `YearData` holds, without any name, address or national number (the child key is the keyed
hash the cases already carry): every register child of the year's reference run with its status
and breakdown fields, the year's cases, their state changes, the gemeente assignments and the
parket referrals. Everything else in this domain is arithmetic on these frames.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from service.cases import service as cases
from service.core.errors import NotFound
from service.gemeenten import service as gemeenten
from service.linkage import service as linkage
from service.parket import service as parket

CHILD_COLUMNS = ("person_id", "nn_hash", "status", "nis_code", "stat_sector", "sex", "birth_date", "age")
COUNT_COLUMNS = ("status", "nis_code", "stat_sector", "sex", "age", "n")
CASE_COLUMNS = tuple(c.key for c in cases.INDICATOR_CASE_COLUMNS)
EVENT_COLUMNS = ("case_id", "at", "transition", "from_state", "to_state")
ASSIGNMENT_COLUMNS = (
    "case_id",
    "nis_code",
    "step",
    "status",
    "assigned_at",
    "due_at",
    "answered_at",
    "closed_at",
)
REFERRAL_COLUMNS = ("case_id", "nis_code", "referred_at", "status", "outcome", "outcome_at")
UNKNOWN = "unknown"


@dataclass
class YearData:
    school_year: str
    school_year_id: int
    run_id: int
    reference_date: date
    run_counts: dict[str, Any]
    run_health: dict[str, Any]
    children: pd.DataFrame  # one row per residual child of the run (CHILD_COLUMNS + key)
    cases: pd.DataFrame
    events: pd.DataFrame
    assignments: pd.DataFrame
    referrals: pd.DataFrame
    counts: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=list(COUNT_COLUMNS)))

    @property
    def residual(self) -> pd.DataFrame:
        return self.children[self.children["status"] == "residual"]

    @property
    def population(self) -> pd.DataFrame:
        """The denominator, counted (`n`) by gemeente, sector, sex and age: the register children
        of compulsory-school age on the reference date."""
        return self.counts[self.counts["status"] != "not_compulsory"]


def frame(rows: list[Any], columns: tuple[str, ...]) -> pd.DataFrame:
    if not rows:
        return pd.DataFrame(columns=list(columns))
    return pd.DataFrame.from_records([tuple(r) for r in rows], columns=list(columns))


def counts_of(children: pd.DataFrame) -> pd.DataFrame:
    """Per-child rows counted the way `linkage.indicator_counts` counts them in the database."""
    return children.groupby(list(COUNT_COLUMNS[:-1])).size().rename("n").reset_index()


def _clean(df: pd.DataFrame) -> pd.DataFrame:
    df["stat_sector"] = df["stat_sector"].fillna(UNKNOWN).replace("", UNKNOWN)
    df["sex"] = df["sex"].fillna(UNKNOWN)
    df["age"] = df["age"].astype(int)
    return df


def _counts(session: Session, run: Any) -> pd.DataFrame:
    rows = linkage.indicator_counts(session, run_id=run.id, reference_date=run.reference_date)
    counts = _clean(frame(rows, COUNT_COLUMNS))
    counts["n"] = counts["n"].astype(int)
    return counts


def child_keys(children: pd.DataFrame) -> pd.Series:
    """The key a case carries for the child: the national-number hash, else `p:<register row>`."""
    fallback = "p:" + children["person_id"].astype(str)
    return children["nn_hash"].where(children["nn_hash"].notna(), fallback)


def reference_run(session: Session, school_year: str, run_id: int | None, case_runs: pd.Series) -> Any:
    """The run whose residual is the start reading: the one given, else the run the year's cases
    were first opened from, else the year's latest finished run."""
    if run_id is not None:
        run = linkage.find_run(session, run_id=run_id)
        if run is None:
            raise NotFound("run not found")
        return run
    opened_from = case_runs.dropna()
    if len(opened_from):
        run = linkage.find_run(session, run_id=int(opened_from.min()))
        if run is not None:
            return run
    run = linkage.latest_run(session, school_year)
    if run is None:
        raise NotFound(f"school year {school_year} has no finished linkage run")
    return run


def _utc(df: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    for c in columns:
        if c in df:
            df[c] = pd.to_datetime(df[c], utc=True)
    return df


def load_year(session: Session, school_year: str, *, run_id: int | None = None) -> YearData:
    """Everything the indicators of one school year count, read through the other domains' faces."""
    year = linkage.get_school_year(session, school_year)
    case_df = _utc(
        frame(cases.indicator_cases(session, school_year_id=year.id), CASE_COLUMNS),
        ("opened_at", "state_entered_at", "due_at", "closed_at", "referred_at"),
    )
    run = reference_run(session, school_year, run_id, case_df["run_id"])
    residual = linkage.indicator_children(
        session, run_id=run.id, statuses=["residual"], reference_date=run.reference_date
    )
    children = _clean(frame(residual, CHILD_COLUMNS))
    children["key"] = child_keys(children)
    counts = _counts(session, run)
    ids = cases.case_ids_of_year(school_year_id=year.id)
    events = _utc(frame(cases.indicator_events(session, school_year_id=year.id), EVENT_COLUMNS), ("at",))
    assignments = _utc(
        frame(gemeenten.indicator_assignments(session, case_ids=ids), ASSIGNMENT_COLUMNS),
        ("assigned_at", "due_at", "answered_at", "closed_at"),
    )
    referrals = _utc(
        frame(parket.indicator_referrals(session, case_ids=ids), REFERRAL_COLUMNS),
        ("referred_at", "outcome_at"),
    )
    return YearData(
        school_year=school_year,
        school_year_id=year.id,
        run_id=run.id,
        reference_date=run.reference_date,
        run_counts=dict(run.counts or {}),
        run_health=dict((run.model or {}).get("health", {}) or run.counts.get("model_health", {})),
        children=children,
        cases=case_df,
        events=events,
        assignments=assignments,
        referrals=referrals,
        counts=counts,
    )


def restrict(data: YearData, nis_code: str | None) -> YearData:
    """The year's data limited to the children and cases of one gemeente."""
    if nis_code is None:
        return data
    children = data.children[data.children["nis_code"] == nis_code]
    mine = data.cases["child_key"].isin(set(children["key"])) | (data.cases["nis_code"] == nis_code)
    keep = set(data.cases.loc[mine, "id"])
    return replace(
        data,
        children=children,
        cases=data.cases[data.cases["id"].isin(keep)],
        events=data.events[data.events["case_id"].isin(keep)],
        assignments=data.assignments[data.assignments["nis_code"] == nis_code],
        referrals=data.referrals[data.referrals["case_id"].isin(keep)],
        counts=data.counts[data.counts["nis_code"] == nis_code],
    )


def days_between(start: pd.Series, end: pd.Series | datetime) -> pd.Series:
    """Days from `start` to `end` as floats (NaN where either is missing)."""
    start = pd.to_datetime(start, utc=True)
    end = pd.to_datetime(end, utc=True) if isinstance(end, pd.Series) else pd.Timestamp(end)
    return (end - start).dt.total_seconds() / 86400.0


def median(values: pd.Series) -> float | None:
    values = values.dropna()
    return float(np.median(values)) if len(values) else None
