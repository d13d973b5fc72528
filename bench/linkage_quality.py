"""Linkage quality against the generator's ground truth, side by side with two baselines.

For each error profile (default, harsh) it generates a year, ingests it into a fresh database, runs
`run_linkage`, and prints, against the truth: precision / recall / F1 of links, wrongly flagged
children (count and per 10,000 accounted-for), missed truants (count and share of the truly
non-enrolled), the share sent to review, and per blocking rule its candidate pairs and pair
completeness. The same figures are printed for exact-national-number-only linkage and for Splink
(DuckDB backend, configured as its documentation recommends) on the same stage-2 input.

    .venv/bin/pip install -e ".[bench]"
    .venv/bin/python bench/linkage_quality.py --children 20000
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import _frame_years  # noqa: E402


# -- preparing a year -------------------------------------------------------------------------------
def generate(data_dir: Path, children: int, seed: int, profile: str) -> dict[str, Any]:
    import json

    from sim.generate.brussels import GeneratorConfig, generate_year
    from sim.generate.errors import ErrorRates

    manifest = data_dir / "manifest.json"
    if not manifest.exists():
        t = time.perf_counter()
        config = GeneratorConfig(
            children=children, seed=seed, errors=ErrorRates.preset(profile), error_preset=profile, xlsx=False
        )
        generate_year(data_dir, config)
        print(f"  generated {children:,} children ({profile}) in {time.perf_counter() - t:.0f} s")
    return json.loads(manifest.read_text(encoding="utf-8"))


def prepare_database(url: str, data_dir: Path, school_year: str) -> None:
    """Migrate and ingest the year once (a marker file remembers it)."""
    from service.auth.service import Actor
    from service.core import db
    from service.ingest.models import SourceKind
    from service.ingest.service import ingest_file
    from sim.generate.writers import YEAR_LISTS

    marker = data_dir / f".ingested-{hashlib.sha256(url.encode()).hexdigest()[:12]}"
    if marker.exists():
        prepare_url(url, migrate_it=False)
        return
    prepare_url(url)
    actor = Actor.system("bench")
    t = time.perf_counter()
    rows = 0
    for name, kind in YEAR_LISTS:
        with db.session_scope() as session:
            report = ingest_file(session, SourceKind(kind), data_dir / name, school_year, actor, source=name)
            rows += report.rows_total
    print(f"  ingested {rows:,} rows in {time.perf_counter() - t:.0f} s")
    marker.write_text("ok")


def prepare_url(url: str, *, migrate_it: bool = True) -> None:
    """Point the service at `url` and bring its schema to the head revision."""
    from service.core import crypto, db, migrate
    from service.core.settings import reset_settings_cache

    os.environ["TANDEM_DATABASE_URL"] = url
    reset_settings_cache()
    db.reset_engine_cache()
    if migrate_it:
        migrate.upgrade(url)
        crypto.cached_keyring.cache_clear()


def bench_env(work: Path) -> None:
    """Development keys for the bench (never production keys)."""
    from service.core import crypto
    from service.core.settings import reset_settings_cache

    os.environ.setdefault("TANDEM_DATA_DIR", str(work / "var"))
    os.environ.setdefault("TANDEM_KEY_DIR", str(work / "var" / "keys"))
    reset_settings_cache()
    crypto.create_dev_keys(Path(os.environ["TANDEM_KEY_DIR"]))
    crypto.cached_keyring.cache_clear()


def default_url(work: Path, name: str) -> str:
    return f"sqlite:///{work / (name + '.sqlite3')}"


# -- the same inputs the run used, for baselines, Splink and blocking completeness -----------------
def load_inputs(session: Any, run: Any) -> tuple[pd.DataFrame, pd.DataFrame]:
    from service.ingest.models import SourceBatch
    from service.linkage import engine
    from service.linkage.frames import load_people, load_records

    batches = [session.get(SourceBatch, b) for b in run.batch_ids]
    register = [b.id for b in batches if b.kind == "register"]
    lists = [b for b in batches if b.kind != "register"]
    people = engine.prepare_people(load_people(session, register))
    records = engine.prepare_records(load_records(session, lists, run.reference_date, register))
    return people, records


def truth_codes(true_pairs: pd.DataFrame, records: pd.DataFrame, people: pd.DataFrame) -> pd.DataFrame:
    """True pairs as positions in the frames."""
    rec_pos = pd.DataFrame(
        {"kind": records["kind"], "record_id": records["record_id"], "rec": np.arange(len(records))}
    )
    per_pos = pd.DataFrame({"person_id": people["person_id"], "pi": np.arange(len(people))})
    return true_pairs.merge(rec_pos, on=["kind", "record_id"]).merge(per_pos, on="person_id")


def links_frame(records: pd.DataFrame, people: pd.DataFrame, rec: np.ndarray, pi: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "kind": records["kind"].to_numpy()[rec],
            "record_id": records["record_id"].to_numpy()[rec],
            "person_id": people["person_id"].to_numpy()[pi],
            "outcome": "link",
        }
    )


def statuses_from_links(people: pd.DataFrame, links: pd.DataFrame) -> pd.DataFrame:
    linked = set(links["person_id"].tolist())
    return pd.DataFrame(
        {
            "person_id": people["person_id"],
            "status": np.where(people["person_id"].isin(linked), "enrolled", "residual"),
        }
    )


def exact_only(records: pd.DataFrame, people: pd.DataFrame) -> pd.DataFrame:
    """Link by keyed hash alone, trusting every number."""
    hashed = pd.DataFrame({"nn_hash": records["nn_hash"], "rec": np.arange(len(records))}).dropna()
    per = pd.DataFrame({"nn_hash": people["nn_hash"], "pi": np.arange(len(people))}).dropna()
    joined = hashed.merge(per, on="nn_hash")
    return links_frame(records, people, joined["rec"].to_numpy(), joined["pi"].to_numpy())


def splink_stage2(
    records: pd.DataFrame, people: pd.DataFrame, stage2: np.ndarray, link_probability: float
) -> tuple[np.ndarray, np.ndarray, float, int]:
    """Splink (DuckDB) on our stage-2 records against the register; best candidate per record."""
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    def table(frame: pd.DataFrame, ids: np.ndarray) -> pd.DataFrame:
        dob = frame["dob"].to_numpy()
        return pd.DataFrame(
            {
                "unique_id": ids,
                "first_name": frame["fn"].replace("", None).to_numpy(),
                "surname": frame["sn"].replace("", None).to_numpy(),
                "dob": [f"{d // 10000:04d}-{(d // 100) % 100:02d}-{d % 100:02d}" if d else None for d in dob],
                "birth_year": [str(d // 10000) if d else None for d in dob],
                "sex": frame["sex"].replace("", None).to_numpy(),
                "postcode": frame["postcode"].replace("", None).to_numpy(),
                "street": frame["addr_street"].replace("", None).to_numpy(),
                "house": frame["addr_house"].replace("", None).to_numpy(),
            }
        )

    t = time.perf_counter()
    left = table(records.iloc[stage2].reset_index(drop=True), stage2)
    right = table(people, np.arange(len(people)))
    with_street = bool(left["street"].notna().any())
    api = DuckDBAPI()
    settings = SettingsCreator(
        link_type="link_only",
        comparisons=[
            cl.NameComparison("first_name").configure(term_frequency_adjustments=True),
            cl.NameComparison("surname").configure(term_frequency_adjustments=True),
            cl.DateOfBirthComparison("dob", input_is_string=True),
            cl.ExactMatch("sex"),
            cl.ExactMatch("postcode"),
            # the address where the list carries one (FEBRL's street and number), as Tandem uses it
            *([cl.JaroWinklerAtThresholds("street", [0.92]), cl.ExactMatch("house")] if with_street else []),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("dob"),
            block_on("surname", "birth_year"),
            block_on("first_name", "surname"),
        ],
        retain_intermediate_calculation_columns=False,
    )
    linker = Linker(
        [api.register(left, table_name="lists"), api.register(right, table_name="register")],
        settings,
        log_level="ERROR",
    )
    linker.training.estimate_probability_two_random_records_match(
        [block_on("first_name", "surname", "dob")], recall=0.8
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=5e6, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("dob"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("first_name", "surname"))
    pred = linker.inference.predict(threshold_match_probability=0.01).as_pandas_dataframe()
    seconds = time.perf_counter() - t
    if pred.empty:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), seconds, 0
    lid = "unique_id_l" if "unique_id_l" in pred else "unique_id_l"
    # which side is the list: Splink orders the two inputs; find the column holding list ids
    if pred["source_dataset_l"].iloc[0] == "register":
        pred = pred.rename(columns={"unique_id_l": "pi", "unique_id_r": "rec"})
    else:
        pred = pred.rename(columns={lid: "rec", "unique_id_r": "pi"})
    pred = pred.sort_values(["rec", "match_probability"], ascending=[True, False]).drop_duplicates("rec")
    pred = pred[pred["match_probability"] >= link_probability]
    return pred["rec"].to_numpy(np.int64), pred["pi"].to_numpy(np.int64), seconds, len(pred)


# -- one profile --------------------------------------------------------------------------------------
def measure(profile: str, args: argparse.Namespace, work: Path) -> list[dict[str, Any]]:
    from service.auth.service import Actor
    from service.core.db import session_scope
    from service.linkage import engine
    from service.linkage.blocking import RULES, candidate_pairs
    from service.linkage.quality import evaluate, score, truth_pairs
    from service.linkage.service import run_linkage

    data_dir = work / f"{profile}-{args.children}-{args.seed}"
    manifest = generate(data_dir, args.children, args.seed, profile)
    school_year = manifest["school_year"]
    ref = date.fromisoformat(manifest["recommended_reference_date"])
    url = args.database_url or default_url(work, f"{profile}-{args.children}-{args.seed}")
    prepare_database(url, data_dir, school_year)
    rows: list[dict[str, Any]] = []
    with session_scope() as session:
        t = time.perf_counter()
        run = run_linkage(session, school_year, ref, Actor.system("bench"))
        seconds = time.perf_counter() - t
        ours = evaluate(session, run, data_dir)
        rows.append({"method": "tandem (stage 1 + 2)", "seconds": seconds, **ours})
        children, true_pairs = truth_pairs(session, run, data_dir)
        people, records = load_inputs(session, run)

        exact = exact_only(records, people)
        rows.append(
            {
                "method": "exact national number only",
                "seconds": None,
                **score(children, true_pairs, exact, statuses_from_links(people, exact)),
            }
        )

        # blocking: candidate pairs and pair completeness of each rule on the stage-2 records
        marks: dict[str, float] = {}
        t_link = time.perf_counter()
        result = engine.link(
            records.copy(),
            people,
            progress=lambda d, n, m: marks.setdefault(m.split(" (")[0], time.perf_counter()),
        )
        stage2_seconds = time.perf_counter() - marks.get("stage 2: blocking", t_link)
        stage2 = result.stage2_records
        sub = records.iloc[stage2].reset_index(drop=True)
        candidates = candidate_pairs(sub, people)
        truth = truth_codes(true_pairs, records, people)
        pos = pd.Series(np.arange(len(stage2)), index=stage2)
        t2 = truth[truth["rec"].isin(stage2)]
        n = max(len(people), 1)
        codes = pos.loc[t2["rec"].to_numpy()].to_numpy() * n + t2["pi"].to_numpy()
        union = candidates.ri * n + candidates.pi  # sorted
        found = np.isin(codes, union)
        where = np.searchsorted(union, codes[found])
        true_bits = candidates.rules[where]
        blocking = [
            {
                "rule": r.name,
                "pairs": candidates.count(r.name),
                "completeness": (true_bits & (1 << k) != 0).sum() / max(len(codes), 1),
                "only_pairs": int(candidates.only(r.name).sum()),
                "only_true": int((true_bits == (1 << k)).sum()),
            }
            for k, r in enumerate(RULES)
        ] + [
            {
                "rule": "all rules",
                "pairs": len(candidates),
                "completeness": found.mean() if len(codes) else 1.0,
                "only_pairs": None,
                "only_true": None,
            }
        ]

        if not args.no_splink:
            hash_links = result.links[result.links["method"] == "hash"]
            rec, pi, splink_seconds, _ = splink_stage2(
                records, people, stage2, run.model["settings"]["link_probability"]
            )
            links = pd.concat(
                [
                    links_frame(records, people, hash_links["rec"].to_numpy(), hash_links["pi"].to_numpy()),
                    links_frame(records, people, rec, pi),
                ],
                ignore_index=True,
            )
            rows.append(
                {
                    "method": "Splink on the same stage-2 input",
                    "seconds": splink_seconds,
                    **score(children, true_pairs, links, statuses_from_links(people, links)),
                }
            )
    print_profile(f"generated {profile}", args.children, rows, blocking, run.counts["linkage"])
    print(
        f"stage 2 alone on the same input, in memory: tandem {stage2_seconds:.1f} s"
        + ("" if args.no_splink else f", Splink {splink_seconds:.1f} s")
        + " (the 'seconds' column: tandem's whole run with database reads and writes, Splink's stage 2)"
    )
    return rows


def print_profile(
    profile: str,
    children: int,
    rows: list[dict[str, Any]],
    blocking: list[dict[str, Any]],
    counts: dict[str, int],
) -> None:
    print(f"\n== {profile}, {children:,} register children ==")
    print(
        f"{'method':36} {'precision':>9} {'recall':>8} {'F1':>8} {'wrongly flagged':>17} {'/10k':>7} "
        f"{'missed truants':>15} {'share':>7} {'review':>8} {'seconds':>8}"
    )
    for r in rows:
        secs = f"{r['seconds']:.1f}" if r.get("seconds") is not None else "-"
        print(
            f"{r['method']:36} {r['precision']:9.5f} {r['recall']:8.5f} {r['f1']:8.5f} {r['wrongly_flagged']:17,} "
            f"{r['wrongly_flagged_per_10k']:7.2f} {r['missed_truants']:15,} {100 * r['missed_truants_share']:6.2f}% "
            f"{100 * r['review_share']:7.3f}% {secs:>8}"
        )
    tandem = rows[0]
    print(
        f"truly accounted-for {tandem['truly_accounted']:,}, truly not accounted-for {tandem['truly_not_accounted']:,}; "
        f"tandem: {tandem['review_pairs']} pairs in review, {tandem['truly_accounted_in_review']} accounted-for "
        f"children waiting in review"
    )
    print("stage 1/2 counts: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
    print(
        f"{'blocking rule':22} {'candidate pairs':>16} {'pair completeness':>18} {'pairs only it finds':>20} "
        f"{'true pairs only it finds':>25}"
    )
    for b in blocking:
        only = "" if b["only_pairs"] is None else f"{b['only_pairs']:20,} {b['only_true']:25,}"
        print(f"{b['rule']:22} {b['pairs']:16,} {b['completeness']:18.5f} {only}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--children", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--profiles", default="default,harsh", help="generated years (through the database)")
    parser.add_argument(
        "--years",
        default=";".join(_frame_years.YEARS),
        help="engine-level years, separated by ';': " + "; ".join(_frame_years.YEARS) + " ('' for none)",
    )
    parser.add_argument("--work-dir", type=Path, default=ROOT / "var" / "bench" / "linkage")
    parser.add_argument(
        "--database-url", default=None, help="default: one SQLite file per profile in the work dir"
    )
    parser.add_argument("--no-splink", action="store_true")
    args = parser.parse_args()
    args.work_dir.mkdir(parents=True, exist_ok=True)
    bench_env(args.work_dir)
    table: list[tuple[str, dict[str, Any]]] = []
    for profile in filter(None, (p.strip() for p in args.profiles.split(","))):
        table += [(f"generated {profile}", r) for r in measure(profile, args, args.work_dir)]
    for name in filter(None, (y.strip() for y in args.years.split(";"))):
        rows = _frame_years.measure(name, None, None if args.no_splink else splink_stage2)
        table += [(name, r) for r in rows]
    _frame_years.summary(table)


if __name__ == "__main__":
    main()
