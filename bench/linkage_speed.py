"""A whole linkage run at Brussels scale: wall time, peak memory, candidate pairs, and Splink's time.

Generates (once) a year of 220,000 register children with community-wide lists of about 2 million
records, ingests it (once, in a child process, so its memory does not count), then times
`run_linkage` reading from the database and writing every status back, and reports the process's
peak resident memory (ru_maxrss: numpy and pandas allocate outside tracemalloc's view). Splink then
runs on the same stage-2 input for comparison (after the peak has been read).

    .venv/bin/pip install -e ".[bench]"
    .venv/bin/python bench/linkage_speed.py                       # PostgreSQL at 127.0.0.1:5432/test
    .venv/bin/python bench/linkage_speed.py --database-url sqlite:///var/bench/speed.sqlite3
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

PG = "postgresql://postgres@127.0.0.1:5432/test"


def pg_schema_url(schema: str) -> str:
    from sqlalchemy import text

    from service.core import db

    admin = db.make_engine(PG)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA IF NOT EXISTS {schema}"))
    admin.dispose()
    return f"{PG}?options=-csearch_path%3D{schema}"


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    import linkage_quality as lq

    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--children", type=int, default=220_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--work-dir", type=Path, default=ROOT / "var" / "bench" / "linkage")
    parser.add_argument("--database-url", default=None, help="default: PostgreSQL schema bench_linkage_speed")
    parser.add_argument("--no-splink", action="store_true")
    parser.add_argument("--prepare-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.work_dir.mkdir(parents=True, exist_ok=True)
    lq.bench_env(args.work_dir)
    url = args.database_url or pg_schema_url("bench_linkage_speed")
    data_dir = args.work_dir / f"default-{args.children}-{args.seed}"
    if args.prepare_only:
        manifest = lq.generate(data_dir, args.children, args.seed, "default")
        lq.prepare_database(url, data_dir, manifest["school_year"])
        return
    # generation and ingest in a child process: only the run counts for time and memory
    subprocess.run(
        [
            sys.executable,
            __file__,
            "--prepare-only",
            "--children",
            str(args.children),
            "--seed",
            str(args.seed),
            "--work-dir",
            str(args.work_dir),
            "--database-url",
            url,
        ],
        check=True,
    )
    import json

    from service.auth.service import Actor
    from service.core import db
    from service.core.settings import reset_settings_cache
    from service.linkage.service import run_linkage

    os.environ["TANDEM_DATABASE_URL"] = url
    reset_settings_cache()
    db.reset_engine_cache()
    manifest = json.loads((data_dir / "manifest.json").read_text(encoding="utf-8"))
    before = peak_mb()
    cpu_before = cpu_seconds()
    marks: list[tuple[str, float]] = []
    start = time.perf_counter()
    with db.session_scope() as session:
        run = run_linkage(
            session,
            manifest["school_year"],
            date.fromisoformat(manifest["recommended_reference_date"]),
            Actor.system("bench"),
            progress=lambda done, total, message: marks.append((message, time.perf_counter() - start)),
        )
        wall = time.perf_counter() - start
        cpu = cpu_seconds() - cpu_before
        peak = peak_mb()
        counts = run.counts
        print(
            f"\n== whole run at {args.children:,} register children ({db.get_engine().dialect.name}), {os.cpu_count()} cores =="
        )
        print(
            f"wall time {wall:.1f} s (this process used {cpu:.1f} s of CPU; the rest is the database or other "
            f"load); peak memory (ru_maxrss) {peak:,.0f} MB (before the run: {before:,.0f} MB)"
        )
        linkage = counts["linkage"]
        print(
            f"records read {linkage['records']:,}; hash links {linkage['hash_links']:,}; stage-2 records "
            f"{linkage['stage2_records']:,}; candidate pairs {linkage['candidate_pairs']:,}; fuzzy links "
            f"{linkage['fuzzy_links']:,}; review pairs {linkage['review_pairs']:,}"
        )
        print("statuses: " + ", ".join(f"{k} {v:,}" for k, v in counts["statuses"].items()))
        previous = 0.0
        for message, at in marks:
            print(f"  {at - previous:6.1f} s  then: {message}")
            previous = at
        if not args.no_splink:
            people, records = lq.load_inputs(session, run)
            from service.linkage import engine

            t = time.perf_counter()
            result = engine.link(records.copy(), people)
            ours_stage2 = time.perf_counter() - t
            _, _, seconds, links = lq.splink_stage2(
                records, people, result.stage2_records, run.model["settings"]["link_probability"]
            )
            print(
                f"stage 2 on the same input ({len(result.stage2_records):,} records x {len(people):,} children): "
                f"tandem engine (stage 1 + 2, in memory) {ours_stage2:.1f} s; Splink (DuckDB, training + predict) "
                f"{seconds:.1f} s, {links:,} links"
            )


if __name__ == "__main__":
    main()
