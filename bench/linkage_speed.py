"""A whole linkage run at Brussels scale: wall time, peak memory, candidate pairs, and Splink's time.

Generates (once) a year of 220,000 register children with community-wide lists of about 2 million
records, ingests it (once, in a child process, so its memory does not count), then times
`run_linkage` reading from the database and writing every status back, and reports the process's
CPU time per step (the machine may be shared: the load average is printed beside the wall time),
and its peak resident memory (ru_maxrss: numpy and pandas allocate outside tracemalloc's view).
Splink then runs on the same stage-2 input for comparison (after the peak has been read).

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


def server_cpu(session, pid: int | None = None) -> tuple[int | None, float | None]:  # type: ignore[no-untyped-def]
    """(backend pid, its user + system CPU seconds) on PostgreSQL (read from /proc: the server runs
    on this machine); (None, None) elsewhere or when the backend changed."""
    from sqlalchemy import text

    if session.get_bind().dialect.name != "postgresql":
        return None, None
    current = int(session.execute(text("SELECT pg_backend_pid()")).scalar_one())
    if pid is not None and current != pid:
        return current, None
    try:
        fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return current, None
    return current, (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def cpu_seconds() -> float:
    """User + system CPU of this process (all its threads): less sensitive to other load than wall time."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def prepare_varied(url: str, data_dir: Path) -> None:
    """Store the no-postcode Brussels-scale year once per database (a marker file remembers it)."""
    import hashlib

    import _varied
    import _varied_db
    import linkage_quality as lq
    import pandas as pd

    from service.core import db

    marker = data_dir / f".stored-{hashlib.sha256(url.encode()).hexdigest()[:12]}"
    if marker.exists():
        return
    data_dir.mkdir(parents=True, exist_ok=True)
    frames = ROOT / "var" / "bench" / "varied-brussels.pkl"  # the one bench/linkage_varied.py --scale uses
    if not frames.exists():
        v = _varied.Variant("brussels-no-postcode", 220_000, 1_820_000 / 220_000, postcode=False, sex=False)
        pd.to_pickle(_varied.generate(v), frames)
    people, records = pd.read_pickle(frames)
    lq.prepare_url(url)
    t = time.perf_counter()
    with db.session_scope() as session:
        _varied_db.store(session, people, records)
    print(
        f"  stored {len(people):,} children and {len(records):,} records in {time.perf_counter() - t:.0f} s"
    )
    marker.write_text("ok")


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
    parser.add_argument(
        "--year",
        choices=("no-postcode", "generated"),
        default="no-postcode",
        help="no-postcode: bench/_varied.py's Brussels-scale year without postcode or sex (220,000 "
        "children, 1.8 million outside pupils; --children is ignored); generated: `tandem generate`'s",
    )
    parser.add_argument("--prepare-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.work_dir.mkdir(parents=True, exist_ok=True)
    lq.bench_env(args.work_dir)
    varied = args.year == "no-postcode"
    url = args.database_url or pg_schema_url("bench_linkage_speed" + ("_varied" if varied else ""))
    data_dir = args.work_dir / (f"default-{args.children}-{args.seed}" if not varied else "varied-brussels")
    if args.prepare_only:
        if varied:
            prepare_varied(url, data_dir)
        else:
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
            "--year",
            args.year,
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
    if varied:
        manifest = {"school_year": "2025-2026", "recommended_reference_date": "2025-10-01"}
    else:
        manifest = json.loads((data_dir / "manifest.json").read_text(encoding="utf-8"))
    before = peak_mb()
    load_before = os.getloadavg()
    cpu_before = cpu_seconds()
    marks: list[tuple[str, float, float]] = []
    start = time.perf_counter()

    def mark(done: int, total: int, message: str) -> None:
        marks.append((message, time.perf_counter() - start, cpu_seconds() - cpu_before))

    with db.session_scope() as session:
        server_before = server_cpu(session)
        run = run_linkage(
            session,
            manifest["school_year"],
            date.fromisoformat(manifest["recommended_reference_date"]),
            Actor.system("bench"),
            progress=mark,
        )
        wall = time.perf_counter() - start
        cpu = cpu_seconds() - cpu_before
        server = server_cpu(session, server_before[0])
        peak = peak_mb()
        load_after = os.getloadavg()
        counts = run.counts
        print(
            f"\n== whole run at {args.children:,} register children ({db.get_engine().dialect.name}), "
            f"{os.cpu_count()} cores =="
        )
        print(
            f"wall time {wall:.1f} s; CPU of this process {cpu:.1f} s (user+sys, all threads; the database "
            f"server's work is not in it); peak memory (ru_maxrss) {peak:,.0f} MB (before the run: "
            f"{before:,.0f} MB)"
        )
        if server_before[1] is not None and server[1] is not None:
            print(
                f"CPU of the PostgreSQL backend serving the run {server[1] - server_before[1]:.1f} s; "
                f"process + backend {cpu + server[1] - server_before[1]:.1f} s"
            )
        print(
            "machine load (1/5/15 min) before the run "
            + "/".join(f"{v:.2f}" for v in load_before)
            + ", after "
            + "/".join(f"{v:.2f}" for v in load_after)
        )
        linkage = counts["linkage"]
        print(
            f"records read {linkage['records']:,}; hash links {linkage['hash_links']:,}; stage-2 records "
            f"{linkage['stage2_records']:,}; candidate pairs {linkage['candidate_pairs']:,}; fuzzy links "
            f"{linkage['fuzzy_links']:,}; review pairs {linkage['review_pairs']:,}"
        )
        print("statuses: " + ", ".join(f"{k} {v:,}" for k, v in counts["statuses"].items()))
        print(f"  {'wall':>6} {'CPU':>6}  step")
        previous = ("start", 0.0, 0.0)
        for message, at, cpu_at in [*marks, ("end", wall, cpu)]:
            if at - previous[1] >= 0.05:
                print(f"  {at - previous[1]:6.1f} {cpu_at - previous[2]:6.1f}  {previous[0]}")
            previous = (message, at, cpu_at)
        if not args.no_splink:
            people, records = lq.load_inputs(session, run)
            from service.linkage import engine

            stage_marks: list[tuple[str, float, float]] = []
            t, c = time.perf_counter(), cpu_seconds()
            result = engine.link(
                records.copy(),
                people,
                progress=lambda d, n, m: stage_marks.append((m, time.perf_counter() - t, cpu_seconds() - c)),
            )
            ours = time.perf_counter() - t, cpu_seconds() - c
            at_stage2 = next((w, cc) for m, w, cc in stage_marks if m.startswith("stage 2: blocking"))
            ours_stage2 = ours[0] - at_stage2[0], ours[1] - at_stage2[1]
            c = cpu_seconds()
            _, _, seconds, links = lq.splink_stage2(
                records, people, result.stage2_records, run.model["settings"]["link_probability"]
            )
            splink_cpu = cpu_seconds() - c
            print(
                f"stage 2 on the same input ({len(result.stage2_records):,} records x {len(people):,} "
                f"children), in memory:"
            )
            print(
                f"  tandem stage 2 (blocking, comparisons, EM, decisions) {ours_stage2[0]:.1f} s wall, "
                f"{ours_stage2[1]:.1f} s CPU (stage 1 + 2: {ours[0]:.1f} s, {ours[1]:.1f} s CPU); "
                f"{len(result.links) - int((result.links['method'] == 'hash').sum()):,} fuzzy links"
            )
            print(
                f"  Splink (DuckDB, training + predict) {seconds:.1f} s wall, {splink_cpu:.1f} s CPU; "
                f"{links:,} links; peak memory of the process after Splink {peak_mb():,.0f} MB; load now "
                + "/".join(f"{v:.2f}" for v in os.getloadavg())
            )


if __name__ == "__main__":
    main()
