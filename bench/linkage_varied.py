"""Linkage quality on years unlike `tandem generate`'s defaults (see _varied.py), engine-level.

For each variant it prints, against the truth and beside exact-number-only linkage: F1 of record
links, wrongly flagged children (no link although listed; children with candidates in review count),
children in review, missed truants (linked although not listed), records with a missing / mistyped
number linked correctly, stage-2 records and pairs, the model's health verdict, wall time.

    .venv/bin/python bench/linkage_varied.py                      # the three 20,000-child variants
    .venv/bin/python bench/linkage_varied.py --variant no-postcode-no-sex-8x-outside --children 5000
    nice .venv/bin/python bench/linkage_varied.py --scale          # Brussels: 220,000 + 1.8 M outside
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import _varied  # noqa: E402

from service.linkage import engine  # noqa: E402
from service.linkage.service import statuses_frame  # noqa: E402
from service.linkage.settings import LinkSettings  # noqa: E402
from service.linkage.stage1 import reachable  # noqa: E402

REF = pd.Timestamp("2025-10-01").date()


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def score(people: pd.DataFrame, records: pd.DataFrame, result: engine.LinkResult) -> dict[str, Any]:
    """Record-link F1 and child-level errors, the way the issue counts them."""
    truth = records["truth"].to_numpy()
    links = result.links
    rec, pi = links["rec"].to_numpy(), links["pi"].to_numpy()
    correct = int((truth[rec] == pi).sum())
    n_true = int((truth >= 0).sum())
    precision = correct / len(rec) if len(rec) else 1.0
    recall = correct / n_true if n_true else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    statuses = statuses_frame(people, records, result, 5, REF)
    listed = np.zeros(len(people), dtype=bool)
    listed[truth[truth >= 0]] = True
    if "listed" in people:  # records dropped before linkage still make their child accounted for
        listed = people["listed"].to_numpy(dtype=bool)
    compulsory = (statuses["status"] != "not_compulsory").to_numpy()
    if "in_scope" in people:  # FEBRL's adults: every one counts
        compulsory = people["in_scope"].to_numpy(dtype=bool)
    linked = np.zeros(len(people), dtype=bool)
    linked[pi] = True
    in_review = np.zeros(len(people), dtype=bool)  # no link, candidates waiting in review
    in_review[result.reviews["pi"].to_numpy(dtype=np.int64)] = True
    in_review &= ~linked
    accounted, none = listed & compulsory, ~listed & compulsory
    out = {
        "f1": f1,
        "precision": precision,
        "recall": recall,
        "wrongly_flagged": int((accounted & ~linked).sum()),
        "wrongly_flagged_per_10k": 10_000 * (accounted & ~linked).sum() / max(accounted.sum(), 1),
        "children_in_review": int((compulsory & in_review).sum()),
        "review_share": (compulsory & in_review).sum() / max(compulsory.sum(), 1),
        "truants": int(none.sum()),
        "truants_in_review": int((none & in_review).sum()),
        "missed_truants": int((none & linked).sum()),
        # a truant hidden in review is missed as surely as one linked to someone else's record
        "missed_truants_share": (none & (linked | in_review)).sum() / max(none.sum(), 1),
        "accounted": int(accounted.sum()),
    }
    link_of = pd.Series(pi, index=rec)
    for kind in ("missing", "invalid", "sibling", "bis", "valid_typo"):
        rows = np.flatnonzero(records["error"].to_numpy() == kind)
        got = link_of.reindex(rows).to_numpy()
        out[f"{kind}_linked"] = (int((got == truth[rows]).sum()), len(rows))
    return out


def exact_only(people: pd.DataFrame, records: pd.DataFrame) -> engine.LinkResult:
    """Links by number alone: what a join on the hash gives."""
    pos = pd.Series(np.arange(len(people)), index=people["nn_hash"])
    hit = records["nn_hash"].map(pos)
    rec = np.flatnonzero(hit.notna().to_numpy())
    links = pd.DataFrame({"rec": rec, "pi": hit.to_numpy()[rec].astype(np.int64), "method": "hash"})
    empty = pd.DataFrame({"rec": [], "pi": []}, dtype=np.int64)
    return engine.LinkResult(links.assign(probability=np.nan, pair=-1), empty, empty, None)  # type: ignore[arg-type]


def report(name: str, people: pd.DataFrame, records: pd.DataFrame, result: Any, seconds: float) -> None:
    ours, base = score(people, records, result), score(people, records, exact_only(people, records))
    c, health = result.counts, result.model.training.get("health", {})
    print(
        f"\n== {name}: {len(people):,} children, {len(records):,} records ({seconds:.1f} s, peak {peak_mb():,.0f} MB)"
    )
    print(
        f"   stage 1: {c['hash_links']:,} hash links; foreign numbers {c['valid_number_not_in_register']:,}, "
        f"{c['valid_number_not_in_register_tight_route']:,} kept by the tight route; stage 2: "
        f"{c['stage2_records']:,} records, {c['candidate_pairs']:,} pairs"
    )
    print(f"   model health: {health.get('verdict')} ({health.get('used')}) {health.get('problems', [])}")
    print(f"   {'':28} {'tandem':>14} {'exact number':>14}")
    for key in ours:
        a, b = ours[key], base[key]
        fmt = (
            (lambda x: f"{x[0]:,}/{x[1]:,}")
            if isinstance(a, tuple)
            else ((lambda x: f"{x:.4f}") if isinstance(a, float) else (lambda x: f"{x:,}"))
        )
        print(f"   {key:28} {fmt(a):>14} {fmt(b):>14}")


def run_variant(v: _varied.Variant) -> None:
    people, records = _varied.generate(v)
    t = time.perf_counter()
    people_p, records_p = engine.prepare_people(people), engine.prepare_records(records)
    result = engine.link(records_p, people_p)
    report(v.name, people_p, records_p, result, time.perf_counter() - t)
    print("   link threshold (default 0.99): F1, wrongly flagged, children in review, missed truants")
    for p in (0.95, 0.9):
        s = score(people_p, records_p, engine.link(records_p, people_p, LinkSettings(link_probability=p)))
        print(
            f"     {p:.2f}: F1 {s['f1']:.4f}, {s['wrongly_flagged']:,} wrongly flagged, "
            f"{s['children_in_review']:,} in review, {s['missed_truants']:,} missed truants"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--variant", choices=sorted(_varied.VARIANTS), action="append")
    parser.add_argument("--children", type=int)
    parser.add_argument("--scale", action="store_true", help="Brussels scale, no postcode, no sex")
    parser.add_argument("--generate-to", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.generate_to:
        v = _varied.Variant("brussels-no-postcode", 220_000, 1_820_000 / 220_000, postcode=False, sex=False)
        pd.to_pickle(_varied.generate(v), args.generate_to)
        return
    if args.scale:
        path = ROOT / "var" / "bench" / "varied-brussels.pkl"
        if not path.exists():  # generated in a child process: its memory is not the linkage's
            path.parent.mkdir(parents=True, exist_ok=True)
            subprocess.run([sys.executable, __file__, "--generate-to", str(path)], check=True)
        people, records = pd.read_pickle(path)
        print(
            f"loaded {len(people):,} children and {len(records):,} records; peak so far {peak_mb():,.0f} MB"
        )
        t = time.perf_counter()
        # what frames.py does in SQL on the way out of the database: rows that cannot link stay there
        people["listed"] = np.isin(np.arange(len(people)), records["truth"].to_numpy())
        records = records[reachable(records, people)].reset_index(drop=True)
        print(
            f"  {time.perf_counter() - t:6.1f} s  {len(records):,} records can link (SQL's pre-filter, in pandas)"
        )
        people_p, records_p = engine.prepare_people(people), engine.prepare_records(records)
        result = engine.link(
            records_p, people_p, progress=lambda d, n, m: print(f"  {time.perf_counter() - t:6.1f} s  {m}")
        )
        report("brussels-no-postcode", people_p, records_p, result, time.perf_counter() - t)
        usage = resource.getrusage(resource.RUSAGE_SELF)
        print(
            f"   process CPU (user + system) {usage.ru_utime + usage.ru_stime:.1f} s; load {os.getloadavg()[0]:.1f}"
        )
        return
    for name in args.variant or list(_varied.VARIANTS):
        v = _varied.VARIANTS[name]
        if args.children:
            v = dataclasses.replace(v, children=args.children)
        run_variant(v)


if __name__ == "__main__":
    main()
