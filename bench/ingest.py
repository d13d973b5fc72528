"""Ingest a Brussels-scale generated year and print rows per second and peak memory.

    .venv/bin/python bench/ingest.py [--children 220000] [--database-url URL] [--no-variants]

Generates the year once (cached under var/bench/), then ingests every list into a fresh database
(a temporary SQLite file by default, or the PostgreSQL URL given) and prints one line per file:
wall seconds, CPU seconds of this process (on a shared machine the wall time mostly measures the
other processes), rows/s on each, and peak RSS. Then varied layouts of the same data (the first
200,000 rows of three files), each through
a profile of its own in a TANDEM_PROFILE_DIR: a list without postcode, one without sex (taken from
the national number), and the register with its columns in another order.
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
    parser.add_argument("--no-variants", action="store_true", help="skip the varied layouts")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="tandem-bench-"))
    os.environ.setdefault("TANDEM_DATA_DIR", str(work))
    os.environ["TANDEM_PROFILE_DIR"] = str(work / "profiles")
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

    variants = [] if args.no_variants else write_variants(data, work)
    create_dev_keys(get_settings().resolved_key_dir)
    migrate.upgrade()
    print(f"database: {get_engine().dialect.name}")
    print(
        f"{'file':<28} {'rows':>10} {'wall s':>7} {'cpu s':>6} {'rows/s wall':>12} {'rows/s cpu':>11} {'RSS MB':>7}"
    )
    files = [(data / name, kind, None) for name, kind in YEAR_LISTS]
    for title, group in (("the year's lists", files), ("varied layouts", variants)):
        total = [0, 0.0, 0.0]
        for path, kind, source in group:
            wall, cpu = time.perf_counter(), time.process_time()
            with session_scope() as session:
                report = ingest_file(
                    session, SourceKind(kind), path, "2025-2026", Actor.system("bench"), source=source
                )
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            _line(path.name, report.rows_total, wall, cpu)
            total = [total[0] + report.rows_total, total[1] + wall, total[2] + cpu]
        if group:
            _line(f"total ({title})", *total)
    with get_engine().connect() as conn:
        stored = conn.execute(text("SELECT count(*) FROM enrolments")).scalar()
    print(f"enrolment rows stored: {stored:,}")


def _line(name: str, rows: int, wall: float, cpu: float) -> None:
    print(
        f"{name:<28} {rows:>10,} {wall:>7.1f} {cpu:>6.1f} {rows / max(wall, 1e-9):>12,.0f} "
        f"{rows / max(cpu, 1e-9):>11,.0f} {peak_rss_mb():>7,.0f}",
        flush=True,
    )


VARIANT_ROWS = 200_000


def write_variants(data: Path, work: Path) -> list[tuple[Path, str, str]]:
    """Other layouts of the same rows, each with a profile of its own (cached beside the data)."""
    import pandas as pd
    import yaml

    from service.ingest.profiles import PROFILE_DIR, load_profile
    from service.ingest.readers import inspect

    (work / "profiles").mkdir()
    out = []
    for name, profile, kind, drop, shuffle in (
        ("enrolment_nl.csv", "discimus_export", "enrolment_nl", "postcode", False),
        ("enrolment_fr.csv", "siel_export", "enrolment_fr", "sex", False),
        ("register.csv", "rijksregister_extract", "register", None, True),
    ):
        base = load_profile(PROFILE_DIR / f"{profile}.yaml")
        spec = yaml.safe_load(base.path.read_text(encoding="utf-8"))
        spec["name"] = f"{profile}_variant"
        target = data / f"variant-{name}"
        if drop:
            header = spec["columns"].pop(drop)
            spec["optional"] = [f for f in spec.get("optional", []) if f != drop]
        if not target.exists():
            encoding = inspect(data / name, base.encodings).encoding
            with (data / name).open(encoding=encoding) as fh:
                sep = ";" if ";" in fh.readline() else ","
            frame = pd.read_csv(
                data / name, sep=sep, dtype=str, keep_default_na=False, encoding=encoding, nrows=VARIANT_ROWS
            )
            if drop:
                frame = frame.drop(columns=[header])
            if shuffle:
                frame = frame[list(reversed(frame.columns))]
            frame.to_csv(target, sep=sep, index=False, encoding="utf-8")
        (work / "profiles" / f"{spec['name']}.yaml").write_text(yaml.safe_dump(spec), encoding="utf-8")
        out.append((target, kind, f"variant-{kind}"))
    return out


if __name__ == "__main__":
    main()
