"""What a run stores per child and per pair: statuses (one per register child) and link pairs.

`service.py` runs the linkage and re-exports what other modules read from here.
"""

from __future__ import annotations

from datetime import date
from itertools import repeat
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from service.core.db import bulk_insert
from service.core.school_age import compulsory_period
from service.linkage import engine
from service.linkage.engine import LinkResult
from service.linkage.models import ChildStatus, ChildStatusKind, LinkPair, Run

STATUS_OF_KIND = {
    "enrolment": ChildStatusKind.ENROLLED.value,
    "home_education": ChildStatusKind.HOME_EDUCATED.value,
    "exemption": ChildStatusKind.EXEMPTED.value,
}
KIND_ORDER = {"enrolment": 0, "home_education": 1, "exemption": 2}
METHOD_ORDER = {"hash": 0, "review_decision": 1, "fuzzy": 2}
STATUS_COLUMNS = (
    "run_id",
    "person_id",
    "status",
    "method",
    "record_kind",
    "record_id",
    "probability",
    "community",
    "school_id",
    "campus_id",
    "valid_from",
    "valid_until",
    "reason",
)
PAIR_COLUMNS = (
    "run_id",
    "person_id",
    "record_kind",
    "record_id",
    "batch_id",
    "outcome",
    "method",
    "probability",
    "gamma",
    "weights",
    "swapped",
    "record_fp",
)
PENDING_REVIEW = "pending_review"  # ChildStatus.reason of a residual child with candidates in review
CANDIDATES_PER_CHILD = 3  # near misses kept for `explain` of a child nothing accounted for


def compulsory_mask(birth_dates: pd.Series, start_age: int, reference_date: date) -> np.ndarray:
    """Whether each child is of compulsory-school age on the reference date (one call per birth date)."""
    births = pd.to_datetime(birth_dates, errors="coerce")
    codes, uniques = pd.factorize(births)
    covers = np.array(
        [compulsory_period(b.date(), start_age).covers(reference_date) for b in uniques], dtype=bool
    )
    out = np.zeros(len(births), dtype=bool)
    known = codes >= 0
    out[known] = covers[codes[known]]
    return out


def best_links(result: LinkResult, records: pd.DataFrame) -> pd.DataFrame:
    """The one link per child that its status shows: enrolment first, then the surest method."""
    links = result.links.copy()
    if links.empty:
        return links.assign(kind_order=[], method_order=[])
    links["kind_order"] = records["kind"].to_numpy()[links["rec"].to_numpy()]
    links["kind_order"] = links["kind_order"].map(KIND_ORDER)
    links["method_order"] = links["method"].map(METHOD_ORDER)
    links["p_sort"] = -links["probability"].fillna(1.0)
    links = links.sort_values(["pi", "kind_order", "method_order", "p_sort", "rec"], kind="mergesort")
    return links.drop_duplicates("pi")


def _none(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, float) and value != value:
        return None
    if value is pd.NaT:
        return None
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, pd.Timestamp):
        return value.date()
    return value


def statuses_frame(
    people: pd.DataFrame, records: pd.DataFrame, result: LinkResult, start_age: int, reference_date: date
) -> pd.DataFrame:
    n = len(people)
    out = pd.DataFrame({"person_id": people["person_id"].to_numpy()})
    for col in ("method", "record_kind", "community", "school_id", "campus_id", "reason"):
        out[col] = pd.Series([None] * n, dtype=object)
    out["record_id"] = pd.array([pd.NA] * n, dtype="Int64")
    out["probability"] = np.nan
    out["valid_from"] = pd.Series([None] * n, dtype=object)
    out["valid_until"] = pd.Series([None] * n, dtype=object)
    status = np.full(n, ChildStatusKind.RESIDUAL.value, dtype=object)
    best = best_links(result, records)
    if len(best):
        pi = best["pi"].to_numpy()
        rec = records.iloc[best["rec"].to_numpy()]
        status[pi] = rec["kind"].map(STATUS_OF_KIND).to_numpy()
        out.loc[pi, "method"] = best["method"].to_numpy()
        out.loc[pi, "record_kind"] = rec["kind"].to_numpy()
        out.loc[pi, "record_id"] = rec["record_id"].to_numpy()
        out.loc[pi, "probability"] = best["probability"].to_numpy()
        for col in ("community", "school_id", "campus_id", "reason", "valid_from", "valid_until"):
            out.loc[pi, col] = rec[col].to_numpy()
    # a child whose only candidates wait for review is not accounted for: it stays in the residual
    # (its case opens like any other), marked so that the cross-check looks at the candidates first
    in_review = np.zeros(n, dtype=bool)
    in_review[result.reviews["pi"].to_numpy()] = True
    pending = (status == ChildStatusKind.RESIDUAL.value) & in_review
    compulsory = compulsory_mask(people["birth_date"], start_age, reference_date)
    status = np.where(~compulsory, ChildStatusKind.NOT_COMPULSORY.value, status)
    out["status"] = status
    out.loc[pending & compulsory, "reason"] = PENDING_REVIEW
    out.loc[~compulsory & out["reason"].isna(), "reason"] = "age"
    return out


def _write(
    session: Session,
    run: Run,
    people: pd.DataFrame,
    records: pd.DataFrame,
    result: LinkResult,
    statuses: pd.DataFrame,
) -> None:
    conn = session.connection()
    # column by column to plain Python values (None for missing): no per-value conversion calls
    values = [statuses[c].to_numpy(dtype=object, na_value=None).tolist() for c in STATUS_COLUMNS[1:]]
    rows = zip(repeat(run.id), *values)
    bulk_insert(conn, ChildStatus.__table__, STATUS_COLUMNS, rows)
    bulk_insert(conn, LinkPair.__table__, PAIR_COLUMNS, _pair_rows(run.id, people, records, result, statuses))


def _pair_rows(
    run_id: int, people: pd.DataFrame, records: pd.DataFrame, result: LinkResult, statuses: pd.DataFrame
) -> list[tuple[Any, ...]]:
    links = result.links.assign(outcome="link")
    reviews = result.reviews.assign(outcome="review", method="fuzzy")
    unaccounted = statuses["status"].isin([ChildStatusKind.RESIDUAL.value, ChildStatusKind.IN_REVIEW.value])
    near = result.scored[
        unaccounted.to_numpy()[result.scored["pi"].to_numpy()]
        & ~result.scored.set_index(["rec", "pi"]).index.isin(reviews.set_index(["rec", "pi"]).index)
        & ~result.scored.set_index(["rec", "pi"]).index.isin(links.set_index(["rec", "pi"]).index)
    ]
    near = near.sort_values(["pi", "probability"], ascending=[True, False], kind="mergesort")
    near = near.groupby("pi").head(CANDIDATES_PER_CHILD).assign(outcome="candidate")
    cols = ["rec", "pi", "outcome", "method", "probability", "pair"]
    swapped_of = dict(zip(result.scored["pair"].tolist(), result.scored["swapped"].tolist(), strict=True))
    frame = pd.concat([links[cols], reviews[cols], near[cols]], ignore_index=True)
    # in register order: the database's foreign-key and index lookups then walk its pages in order
    # (a quarter faster at 220,000 pairs than in list order)
    frame = frame.sort_values("pi", kind="mergesort", ignore_index=True)
    if frame.empty:
        return []
    gammas, weights = result.pair_strings(frame["pair"])
    fps = np.full(len(frame), None, dtype=object)
    needs_fp = (frame["outcome"] != "link").to_numpy() | (frame["method"] != "hash").to_numpy()
    fps[needs_fp] = engine.record_fingerprints(records, frame["rec"].to_numpy()[needs_fp])
    rec = records.iloc[frame["rec"].to_numpy()]
    person_ids = people["person_id"].to_numpy()[frame["pi"].to_numpy()]
    swapped = np.array([bool(swapped_of.get(p, False)) for p in frame["pair"].tolist()], dtype=bool)
    return [
        (run_id, int(pid), kind, int(rid), int(bid), outcome, method, _none(prob), g, w, bool(sw), fp)
        for pid, kind, rid, bid, outcome, method, prob, g, w, sw, fp in zip(
            person_ids,
            rec["kind"],
            rec["record_id"],
            rec["batch_id"],
            frame["outcome"],
            frame["method"],
            frame["probability"],
            gammas,
            weights,
            swapped,
            fps,
            strict=True,
        )
    ]
