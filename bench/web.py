"""Time every page of the joint cell's web interface, and the case list with 20,000 cases.

    .venv/bin/python bench/web.py [--database-url URL] [--cases 20000] [--repeat 5]

Part 1 runs on the demo's database (`var/demo/tandem-demo.sqlite3` after `make demo`, or the URL
given); without one it builds the browser tests' small generated year in a temporary folder.
Part 2 builds a fresh SQLite file with `--cases` residual children and their open cases
(bench/_synthetic.py). Each part starts the app under uvicorn on a free port, signs in as a demo
operator over HTTP and requests every page `--repeat` times after one warm-up, printing the median
and the slowest answer in milliseconds (target: 300 ms on 2 cores).
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from sqlalchemy import select  # noqa: E402

from bench._synthetic import add_children, residual_run, use_database  # noqa: E402
from service.auth.service import Actor  # noqa: E402
from service.cases import service as cases  # noqa: E402
from service.core import db, migrate  # noqa: E402
from service.core.crypto import create_dev_keys  # noqa: E402
from service.core.settings import get_settings, reset_settings_cache  # noqa: E402
from service.wiring import wire  # noqa: E402

DEMO_DB = ROOT / "var" / "demo" / "tandem-demo.sqlite3"
TARGET_MS = 300


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def server(url: str) -> Iterator[str]:
    port = _free_port()
    env = {**os.environ, "TANDEM_DATABASE_URL": url}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "service.api.main:app",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(f"{base}/api/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def signed_in(base: str) -> httpx.Client:
    from service.web.demo import DEMO_PASSWORD

    client = httpx.Client(base_url=base, timeout=60)
    form = client.get("/login").text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)  # type: ignore[union-attr]
    client.post("/login", data={"username": "operator-agodi", "password": DEMO_PASSWORD, "csrf_token": csrf})
    return client


def time_pages(client: httpx.Client, paths: list[str], repeat: int) -> None:
    print(f"{'page':<52} {'median ms':>10} {'max ms':>8}  status")
    for path in paths:
        client.get(path)  # warm-up
        times, status = [], 0
        for _ in range(repeat):
            start = time.perf_counter()
            status = client.get(path).status_code
            times.append(1000 * (time.perf_counter() - start))
        flag = "" if max(times) <= TARGET_MS else "  (over target)"
        print(f"{path:<52} {statistics.median(times):>10.1f} {max(times):>8.1f}  {status}{flag}")


def _first(session, query) -> int | None:  # type: ignore[no-untyped-def]
    return session.scalar(query)


def demo_paths(url: str) -> list[str]:
    """Every page, with an object of each kind the database holds."""
    from service.ingest.models import SourceBatch
    from service.letters.models import LetterBatch
    from service.linkage.models import ChildStatus, LinkPair, Run

    engine = db.make_engine(url)
    with db.session_factory(engine)() as s:
        case = _first(s, select(cases.Case.id).order_by(cases.Case.id.desc()).limit(1))
        batch = _first(s, select(SourceBatch.id).limit(1))
        letters = _first(s, select(LetterBatch.id).order_by(LetterBatch.id.desc()).limit(1))
        run = _first(s, select(Run.id).order_by(Run.id.desc()).limit(1))
        child = (
            _first(s, select(ChildStatus.person_id).where(ChildStatus.run_id == run).limit(1))
            if run
            else None
        )
        pair = _first(s, select(LinkPair.id).limit(1))
    engine.dispose()
    paths = [
        "/today",
        "/cases",
        "/cases?state=letter_1_sent&status=open",
        "/cases?overdue=yes&sort=due_at&order=desc",
    ]
    paths += [f"/cases/{case}"] if case else []
    paths += ["/lists"] + ([f"/lists/batches/{batch}"] if batch else [])
    paths += ["/review", "/letters", "/letters/replies", "/letters/replies/new"]
    paths += [f"/letters/batches/{letters}"] if letters else []
    paths += (
        ["/runs"] + ([f"/runs/{run}"] if run else []) + ([f"/runs/{run}/children/{child}"] if child else [])
    )
    paths += ["/gemeenten", "/gemeenten/21004", "/gemeenten/21004?overdue=1"]
    del pair
    return paths


def ensure_users(url: str) -> None:
    from service.web.demo import ensure_demo_users

    engine = db.make_engine(url)
    with db.session_scope(engine) as session:
        ensure_demo_users(session)
    engine.dispose()


def part_demo(url: str | None, repeat: int, work: Path) -> None:
    if url is None and DEMO_DB.exists():
        url = f"sqlite:///{DEMO_DB}"
    if url is None:
        from tests.web.data import build_year

        print("no demo database (run `make demo` first for its figures): building a small generated year")
        url = build_year(work / "year", children=3000).url
    print(f"\n== every page, on {url}")
    migrate.upgrade(url)
    ensure_users(url)
    with server(url) as base:
        time_pages(signed_in(base), demo_paths(url), repeat)


def part_many_cases(n: int, repeat: int, work: Path) -> None:
    url = use_database(None, work, "bench_web")
    migrate.upgrade(url)
    actor = Actor.system("bench")
    people = [
        {
            "nn_status": "valid",
            "last_name": f"Bench{i:05d}",
            "first_names": "Kind",
            "birth_date": date(2012 + i % 8, 1 + i % 12, 1 + i % 28),
            "nis_code": f"210{1 + i % 19:02d}",
            "street": "Teststraat",
            "house_number": str(1 + i % 200),
            "postcode": "1000",
            "admin_language": "nl" if i % 2 else "fr",
        }
        for i in range(n)
    ]
    start = time.perf_counter()
    with db.session_scope() as session:
        year_id, ids = add_children(session, people, lambda i, p: [])
        run_id = residual_run(session, year_id, ids)
    with db.session_scope() as session:
        cases.open_cases_for_run(session, run_id, actor)
    print(f"\n== the case list with {n:,} cases (built in {time.perf_counter() - start:.0f} s)")
    ensure_users(url)
    paths = [
        "/cases",
        "/cases?sort=due_at&order=desc",
        f"/cases?page={n // 50}",
        "/cases?state=residual&community=nl&nis_code=21004",
        "/cases?overdue=yes",
        "/cases?reference=00042",
        "/today",
        "/gemeenten",
    ]
    with server(url) as base:
        time_pages(signed_in(base), paths, repeat)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="the demo's database (default var/demo/tandem-demo.sqlite3)")
    parser.add_argument("--cases", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    wire()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        os.environ.setdefault("TANDEM_DATA_DIR", str(work))
        reset_settings_cache()
        if create_dev_keys(get_settings().resolved_key_dir):
            print(f"created development keys in {get_settings().resolved_key_dir}")
        part_demo(args.database_url, args.repeat, work)
        part_many_cases(args.cases, args.repeat, work)


if __name__ == "__main__":
    main()
