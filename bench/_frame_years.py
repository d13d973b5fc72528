"""Years measured at engine level (no database) for the quality bench: the varied years of `_varied.py`
and FEBRL4 recast as a Brussels year, each scored for Tandem, exact-number-only and Splink on the
same input (Splink sees Tandem's stage-2 records and keeps Tandem's hash links, as on the generated
years).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import _varied
import linkage_febrl
import linkage_varied
import numpy as np
import pandas as pd

from service.linkage import engine

YEARS = {
    "varied default": "default-like",
    "no postcode or sex, 8x outside": "no-postcode-no-sex-8x-outside",
    "varied harsh": "harsh",
    "FEBRL4": "febrl4",
}
Splink = Callable[[pd.DataFrame, pd.DataFrame, np.ndarray, float], tuple[np.ndarray, np.ndarray, float, int]]


def frames(key: str, children: int | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(people, records) with `truth` (register position or -1) and `error` on the records."""
    if key == "febrl4":
        people, records, truth = linkage_febrl.febrl4()
        # FEBRL's people are adults: every one is in scope, and every one is listed
        records = records.assign(truth=truth, error="febrl", record_id=np.arange(1, len(records) + 1))
        extra = {c: None for c in ("valid_until", "community", "school_id", "campus_id", "reason")}
        return people.assign(in_scope=True, listed=True), records.assign(**extra)
    v = _varied.VARIANTS[key]
    if children:
        v = _varied.Variant(v.name, children, v.outside_factor, v.postcode, v.sex, v.errors, v.seed)
    return _varied.generate(v)


def _links_only(links: pd.DataFrame) -> engine.LinkResult:
    empty = pd.DataFrame({"rec": [], "pi": []}, dtype=np.int64)
    return engine.LinkResult(links.assign(probability=np.nan, pair=-1), empty, empty, None)  # type: ignore[arg-type]


def _row(method: str, people, records, result, seconds: float | None) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    s = linkage_varied.score(people, records, result)
    return {
        "method": method,
        "seconds": seconds,
        **s,
        "missed_truants": s["missed_truants"] + s["truants_in_review"],
        "truly_accounted": s["accounted"],
        "truly_not_accounted": s["truants"],
        "truly_accounted_in_review": s["children_in_review"] - s["truants_in_review"],
        "review_pairs": len(result.reviews),
    }


def measure(name: str, children: int | None, splink: Splink | None) -> list[dict[str, Any]]:
    people, records = frames(YEARS[name], children)
    t = time.perf_counter()
    people, records = engine.prepare_people(people), engine.prepare_records(records)
    result = engine.link(records, people)
    rows = [_row("tandem (stage 1 + 2)", people, records, result, time.perf_counter() - t)]
    exact = linkage_varied.exact_only(people, records)
    rows.append(_row("exact national number only", people, records, exact, None))
    if splink is not None:
        hash_links = result.links[result.links["method"] == "hash"][["rec", "pi", "method"]]
        rec, pi, seconds, _ = splink(records, people, result.stage2_records, 0.99)
        links = pd.concat([hash_links, pd.DataFrame({"rec": rec, "pi": pi, "method": "splink"})])
        rows.append(_row("Splink on the same stage-2 input", people, records, _links_only(links), seconds))
    health = result.model.training.get("health", {})
    print(f"\n== {name}: {len(people):,} children, {len(records):,} records (engine level) ==")
    print(f"model health: {health.get('verdict')} ({health.get('used')})")
    return rows


def summary(table: list[tuple[str, dict[str, Any]]]) -> None:
    """All years side by side, with the issue's targets."""
    print(
        "\n== summary (targets: wrongly flagged <= 2 per 10,000 accounted-for, missed truants <= 1% "
        "counting those in review, children in review <= 0.5%, F1 above Splink's; FEBRL4 F1 >= 0.95) =="
    )
    print(
        f"{'year':32} {'method':34} {'F1':>7} {'wrongly flagged':>15} {'/10k':>7} {'missed truants':>14} "
        f"{'in review':>9} {'seconds':>8}"
    )
    for year, r in table:
        secs = f"{r['seconds']:.1f}" if r.get("seconds") is not None else "-"
        print(
            f"{year:32} {r['method']:34} {r['f1']:7.4f} {r['wrongly_flagged']:15,} "
            f"{r['wrongly_flagged_per_10k']:7.2f} {100 * r['missed_truants_share']:13.2f}% "
            f"{100 * r['review_share']:8.3f}% {secs:>8}"
        )
