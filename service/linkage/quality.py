"""Quality of a run against the ground truth a synthetic year comes with (demo and bench only).

The generator writes `truth_children.csv` (register row -> child uid, true status) and
`truth_records.csv` (list file and row -> child uid, empty for pupils who are not register children).
A child is truly accounted for when one of its records in the run's lists is active on the reference
date: that is what a perfect linkage could see.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from service.ingest.models import RegisterPerson, SourceBatch
from service.linkage.frames import PERIODS, RECORD_KINDS
from service.linkage.models import ChildStatus, LinkPair, Run

ACCOUNTED = ("enrolled", "home_educated", "exempted")


def truth_pairs(session: Session, run: Run, data_dir: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(children: person_id, uid, true_status), (true active pairs: kind, record_id, person_id)."""
    batches = list(session.scalars(select(SourceBatch).where(SourceBatch.id.in_(run.batch_ids))))
    register = [b.id for b in batches if b.kind == "register"]
    people = pd.DataFrame(
        session.execute(
            select(RegisterPerson.id, RegisterPerson.row_number).where(RegisterPerson.batch_id.in_(register))
        ).all(),
        columns=["person_id", "register_row"],
    )
    tc = pd.read_csv(data_dir / "truth_children.csv", dtype={"child_uid": str, "true_status": str})
    children = people.merge(tc[["register_row", "child_uid", "true_status"]], on="register_row", how="left")
    frames = []
    for kind, model in RECORD_KINDS.items():
        start, end = (getattr(model, c) for c in PERIODS[kind])
        rows = session.execute(
            select(model.id, model.row_number, SourceBatch.file_name)
            .join(SourceBatch, SourceBatch.id == model.batch_id)
            .where(
                model.batch_id.in_(run.batch_ids),
                start <= run.reference_date,
                (end.is_(None)) | (end >= run.reference_date),
            )
        ).all()
        frames.append(pd.DataFrame(rows, columns=["record_id", "row", "file"]).assign(kind=kind))
    active = pd.concat(frames, ignore_index=True)
    tr = pd.read_csv(data_dir / "truth_records.csv", dtype={"child_uid": str, "file": str})
    tr = tr[tr["child_uid"].notna() & (tr["child_uid"] != "")]
    pairs = active.merge(tr[["file", "row", "child_uid"]], on=["file", "row"], how="inner")
    pairs = pairs.merge(children[["child_uid", "person_id"]], on="child_uid", how="inner")
    return children, pairs[["kind", "record_id", "person_id"]]


def evaluate(session: Session, run: Run, data_dir: Path) -> dict[str, Any]:
    children, true_pairs = truth_pairs(session, run, data_dir)
    links = pd.DataFrame(
        session.execute(
            select(LinkPair.record_kind, LinkPair.record_id, LinkPair.person_id, LinkPair.outcome).where(
                LinkPair.run_id == run.id, LinkPair.outcome.in_(["link", "review"])
            )
        ).all(),
        columns=["kind", "record_id", "person_id", "outcome"],
    )
    statuses = pd.DataFrame(
        session.execute(
            select(ChildStatus.person_id, ChildStatus.status, ChildStatus.reason).where(
                ChildStatus.run_id == run.id
            )
        ).all(),
        columns=["person_id", "status", "reason"],
    )
    return score(children, true_pairs, links, statuses)


def score(
    children: pd.DataFrame, true_pairs: pd.DataFrame, links: pd.DataFrame, statuses: pd.DataFrame
) -> dict[str, Any]:
    """Link precision/recall/F1 and status-level errors. `links` has an `outcome` column (link/review)."""
    key = ["kind", "record_id", "person_id"]
    predicted = links[links["outcome"] == "link"][key].drop_duplicates()
    truth = true_pairs[key].drop_duplicates()
    correct = len(predicted.merge(truth, on=key))
    precision = correct / len(predicted) if len(predicted) else 1.0
    recall = correct / len(truth) if len(truth) else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    merged = children.merge(statuses, on="person_id", how="left")
    compulsory = merged["true_status"] != "not_compulsory"
    truly_accounted = merged["person_id"].isin(truth["person_id"]) & compulsory
    truly_none = ~merged["person_id"].isin(truth["person_id"]) & compulsory
    flagged = merged["status"] == "residual"
    accounted = merged["status"].isin(ACCOUNTED)
    # residual children with candidates in review count as flagged (they are in the residual's work)
    reason = merged["reason"] if "reason" in merged else pd.Series(None, index=merged.index)
    in_review = (merged["status"] == "in_review") | (reason == "pending_review")
    flagged = flagged | (merged["status"] == "in_review")
    wrongly_flagged = int((truly_accounted & flagged).sum())
    # a truant waiting unseen in review is missed as surely as one linked to someone else's record
    missed = int((truly_none & (accounted | in_review)).sum())
    n_accounted, n_none = int(truly_accounted.sum()), int(truly_none.sum())
    reviews = int((links["outcome"] == "review").sum())
    return {
        "links_predicted": int(len(predicted)),
        "links_true": int(len(truth)),
        "links_correct": correct,
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "truly_accounted": n_accounted,
        "truly_not_accounted": n_none,
        "wrongly_flagged": wrongly_flagged,
        "wrongly_flagged_per_10k": 10_000 * wrongly_flagged / n_accounted if n_accounted else 0.0,
        "truly_accounted_in_review": int((truly_accounted & in_review).sum()),
        "truly_not_accounted_in_review": int((truly_none & in_review).sum()),
        "children_in_review": int((compulsory & in_review).sum()),
        "missed_truants": missed,
        "missed_truants_share": missed / n_none if n_none else 0.0,
        "review_pairs": reviews,
        "review_share": int((compulsory & in_review).sum()) / max(int(compulsory.sum()), 1),
        "children": int(len(children)),
        "not_compulsory_agree": int(
            ((merged["true_status"] == "not_compulsory") == (merged["status"] == "not_compulsory")).sum()
        ),
    }
