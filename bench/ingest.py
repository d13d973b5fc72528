"""Ingest a Brussels-scale generated year and print rows per second and peak memory.

    .venv/bin/python bench/ingest.py [--children 220000] [--database-url URL] [--keep]

Generates the year once (cached under var/bench/), then ingests every list into a fresh database
(a temporary SQLite file by default, or the PostgreSQL URL given) and prints one line per file.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--children", type=int, default=220_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--database-url", default=None, help="default: a fresh temporary SQLite file")
    parser.add_argument("--pg-schema", default="bench_ingest", help="schema used on PostgreSQL (recreated)")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="tandem-bench-"))
    os.environ.setdefault("TANDEM_DATA_DIR", str(work))
    import _synthetic as synthetic

    synthetic.use_database(args.database_url, work, args.pg_schema)

    from sqlalchemy import text

    from service.auth.service import Actor
    from service.core import migrate
    from service.core.crypto import create_dev_keys
    from service.core.db import get_engine, session_scope
    from service.core.settings import get_settings
    from service.ingest.models import SourceKind
    from service.ingest.service import ingest_file
    from sim.generate.brussels import GeneratorConfig, generate_year
    from sim.generate.writers import YEAR_LISTS

    data = ROOT / "var" / "bench" / f"year-{args.children}-{args.seed}"
    if not (data / "manifest.json").exists():
        print(f"generating {args.children:,} children into {data} ...", flush=True)
        started = time.perf_counter()
        generate_year(data, GeneratorConfig(children=args.children, seed=args.seed))
        print(f"generated in {time.perf_counter() - started:.1f} s", flush=True)

    create_dev_keys(get_settings().resolved_key_dir)
    migrate.upgrade()
    print(f"database: {get_engine().dialect.name}")
    print(f"{'file':<24} {'rows':>10} {'seconds':>8} {'rows/s':>9} {'peak RSS MB':>12}")
    total_rows, total_time = 0, 0.0
    for name, kind in YEAR_LISTS:
        path = data / name
        started = time.perf_counter()
        with session_scope() as session:
            report = ingest_file(session, SourceKind(kind), path, "2025-2026", Actor.system("bench"))
        elapsed = time.perf_counter() - started
        total_rows += report.rows_total
        total_time += elapsed
        print(
            f"{name:<24} {report.rows_total:>10,} {elapsed:>8.1f} {report.rows_total / elapsed:>9,.0f} "
            f"{peak_rss_mb():>12,.0f}",
            flush=True,
        )
    print(
        f"{'total':<24} {total_rows:>10,} {total_time:>8.1f} {total_rows / total_time:>9,.0f} "
        f"{peak_rss_mb():>12,.0f}"
    )
    with get_engine().connect() as conn:
        stored = conn.execute(text("SELECT count(*) FROM enrolments")).scalar()
    print(f"enrolment rows stored: {stored:,}")


if __name__ == "__main__":
    main()
