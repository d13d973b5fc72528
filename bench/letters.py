"""Render a print batch of 2,000 letters and print letters per second and peak memory.

    .venv/bin/python bench/letters.py [--letters 2000] [--kind letter_1] [--workers N] [--database-url URL]

Builds children due for a letter in a fresh database (a temporary SQLite file by default, or the
PostgreSQL URL given): register rows with hard names (diacritics, long compound names), one child
in four with guardians living apart (two envelopes), cases opened by the engine and ticked to
"letter 1 due". Then times the real batch path: `prepare_batch` (plan, render one PDF per envelope,
store it with its SHA-256, merge the duplex print file, record the letters) and `post_batch` (fire
`send_letter_1` per case). Peak memory is the resident set size of this process and of the largest
rendering worker.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

FIRST = (
    "Çağla",
    "Anaïs",
    "Zoë",
    "François-Xavier",
    "Łucja",
    "Ştefan",
    "Ionuţ",
    "Mărgărit",
    "Noëlle",
    "Ñuño",
    "Mehmet Şükrü",
    "Ayşe",
    "Jan",
    "Marie-Thérèse",
    "Youssef",
    "Fatima-Zahra",
    "Oğuz",
    "Björn",
    "Chloé",
    "Maëlys",
    "Grégoire",
    "Wojciech",
    "Ádám",
    "Dženana",
)
LAST = (
    "Van den Heuvel-Vermeersch",
    "Dağlı",
    "Wałęsa-Krzyżanowska",
    "Lefèbvre",
    "Ğüneş-Ibáñez",
    "de Saint-Exupéry y Muñoz",
    "Peeters",
    "El Idrissi",
    "Yıldırım-Öztürk",
    "Mărgărit",
    "Dubois",
    "Vanden Bossche",
    "Nowak",
    "Kabongo Mutombo",
    "Çelik",
    "Ferreira da Conceição",
    "Østergård",
)
STREETS = (
    "Chaussée de Gand",
    "Haachtsesteenweg",
    "Rue de la Loi",
    "Boulevard Adolphe Max",
    "Kerkstraat",
    "Avenue Jean Dubrucq",
    "Rue du Progrès",
    "Steenweg op Gent",
    "Rue Émile Féron",
)
NIS_POST = [("21001", "1070"), ("21004", "1000"), ("21012", "1080"), ("21013", "1060"), ("21015", "1030")]


def _name(rng: random.Random, parts: tuple[str, ...], most: int) -> str:
    return " ".join(rng.sample(parts, rng.randint(1, most)))


def build(children: int, apart_every: int, seed: int) -> None:
    """Register children with guardians, a run with all of them residual, cases ticked to letter 1 due."""
    import _synthetic as synthetic

    from service.auth.service import Actor
    from service.cases import service as cases
    from service.core import clock
    from service.core.db import session_scope
    from service.wiring import wire

    wire()  # the domains' hooks, as the API and the CLI register them at start-up
    rng = random.Random(seed)
    system = Actor.system("bench-letters")
    start = datetime(2025, 10, 6, 9, tzinfo=UTC)

    def guardians_of(i: int, person: dict[str, Any]) -> list[dict[str, Any]]:
        apart = i % apart_every == 0
        return [
            {"first_names": _name(rng, FIRST, 2), "last_name": person["last_name"]},
            {
                "first_names": _name(rng, FIRST, 2),
                "last_name": _name(rng, LAST, 2),
                "street": rng.choice(STREETS) if apart else "",
                "house_number": str(rng.randint(1, 99)) if apart else "",
                "postcode": "1050" if apart else "",
                "municipality": "Elsene" if apart else "",
            },
        ]

    with clock.frozen(start) as frozen:
        with session_scope() as session:
            people = []
            for i in range(children):
                nis, post = rng.choice(NIS_POST)
                last = _name(rng, LAST, 2)
                people.append(
                    {
                        "nn_hash": f"bench-{i}",
                        "nn_status": "valid",
                        "last_name": last,
                        "first_names": _name(rng, FIRST, 3),
                        "birth_date": date(2008 + rng.randint(0, 11), rng.randint(1, 12), rng.randint(1, 28)),
                        "sex": rng.choice("MF"),
                        "postcode": post,
                        "nis_code": nis,
                        "street": rng.choice(STREETS),
                        "house_number": str(rng.randint(1, 400)),
                        "box": rng.choice(["", "", "3", "12B"]),
                        "admin_language": rng.choice(["nl", "fr", "fr", None]),
                    }
                )
            year_id, ids = synthetic.add_children(session, people, guardians_of)
            run_id = synthetic.residual_run(session, year_id, ids)
            cases.open_cases_for_run(session, run_id, system)
        for days in (0, 22, 15):  # cross-check, then the late-information round, then letter 1 due
            frozen.advance(days=days)
            with session_scope() as session:
                cases.tick(session, system)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--letters", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=None, help="rendering processes (default: up to 4)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--database-url", default=None, help="default: a fresh temporary SQLite file")
    parser.add_argument(
        "--pg-schema", default="tandem_bench_letters", help="PostgreSQL schema the bench owns"
    )
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="tandem-bench-letters-"))
    os.environ.setdefault("TANDEM_DATA_DIR", str(work))

    import _synthetic as synthetic
    from sqlalchemy import func, select

    from service.auth.service import Actor
    from service.cases.models import Case
    from service.core import clock, migrate
    from service.core.db import get_engine, session_scope
    from service.letters import service as letters

    synthetic.use_database(args.database_url, work, args.pg_schema)
    engine = get_engine()
    migrate.upgrade()

    apart_every = 4  # one child in four: guardians apart, two envelopes
    children = round(args.letters * apart_every / (apart_every + 1))
    t0 = time.perf_counter()
    build(children, apart_every, args.seed)
    with session_scope() as session:
        due = session.scalar(select(func.count()).select_from(Case).where(Case.state == "letter_1_due"))
    print(
        f"setup: {children:,} children, {due:,} cases due for letter 1 in {time.perf_counter() - t0:.1f} s "
        f"({engine.dialect.name})"
    )

    workers = args.workers if args.workers is not None else min(4, os.cpu_count() or 1)
    system = Actor.system("bench-print-room")

    def cpu() -> float:
        return sum(
            r.ru_utime + r.ru_stime
            for r in (resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN))
        )

    cpu0 = cpu()
    with clock.frozen(datetime(2025, 11, 10, 9, tzinfo=UTC)):
        t0 = time.perf_counter()
        with session_scope() as session:
            batch = letters.prepare_batch(
                session, "letter_1", system, output_dir=work / "output", workers=workers
            )
            assert batch is not None
            made, pages, print_file = batch.letter_count, batch.page_count, Path(batch.print_file)
            batch_id, directory = batch.id, Path(batch.directory)
        prepared = time.perf_counter() - t0
        t0 = time.perf_counter()
        with session_scope() as session:
            report = letters.post_batch(session, batch_id, system)
        posted = time.perf_counter() - t0

    letters.shutdown_workers()  # reap the rendering processes so their peak memory can be read
    cpu_used = cpu() - cpu0
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    stored = sum(p.stat().st_size for p in (directory / "letters").glob("*.pdf"))
    print(
        f"prepare: {made:,} letters ({pages:,} pages in the duplex print file) in {prepared:.1f} s "
        f"= {made / prepared:.1f} letters/s with {workers} rendering process(es)"
    )
    print(
        f"post: {report.posted_letters:,} letters, {len(report.moved_cases):,} cases moved to letter_1_sent "
        f"in {posted:.1f} s"
    )
    print(
        f"files: {stored / made / 1024:.1f} KiB per letter, print file {print_file.stat().st_size / 2**20:.1f} MiB"
    )
    print(f"peak memory (RSS): {own:.0f} MiB this process, {children_rss:.0f} MiB largest rendering worker")
    print(
        f"total: {made / (prepared + posted):.1f} letters/s from due cases to posted letters; "
        f"CPU {cpu_used / made:.2f} s per letter over all processes (load average now "
        f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)"
    )


if __name__ == "__main__":
    main()
