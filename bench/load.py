"""Bounded load: 50 concurrent simulated users against a uvicorn server on 127.0.0.1 with PostgreSQL.

    .venv/bin/python bench/load.py [--users 50] [--requests 3000] [--children 2000] [--workers 2]
                                   [--database-url postgresql://postgres@127.0.0.1:5432/test]

Builds a residual of `--children` open cases in a PostgreSQL schema of the bench's own, starts
`uvicorn service.api.main:app` on a free local port, and lets `--users` simulated users send
`--requests` requests in all, in the proportions of a working day: cell operators (60 %: case lists,
a case, the gemeenten overview, the `start_cross_check` transition on a case of their community),
gemeente users (30 %: their assignments, notifications) and the parket (10 %: referrals,
notifications). Prints throughput, p50/p95/p99 latency per route and every error, and checks that
no transition was lost or applied twice (each 200 is exactly one event; a 409 is a lost race, not
an error). Targets: p95 <= 200 ms for reads and <= 500 ms for transitions, zero errors.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cases import NIS, PARENT  # bench/cases.py: the same synthetic gemeenten and parent  # noqa: E402

GEMEENTEN = ["21004", "21001", "21015"]


@dataclass
class Tally:
    latency: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: Counter[tuple[str, int]] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    fired: Counter[int] = field(default_factory=Counter)  # case id -> transitions answered 200


def build(args: argparse.Namespace, work: Path) -> tuple[str, dict[str, dict[str, str]]]:
    """The database (migrated, a residual of open cases) and a token per simulated role."""
    import _synthetic as synthetic

    from service.auth import service as auth
    from service.auth.models import Role
    from service.auth.service import Actor
    from service.cases.service import open_cases_for_run
    from service.core import clock, migrate
    from service.core.db import session_scope
    from service.wiring import wire

    url = synthetic.use_database(args.database_url, work, "tandem_bench_load")
    migrate.upgrade()
    wire()
    rng = random.Random(7)
    with clock.frozen(datetime(2025, 10, 8, 9, 0, tzinfo=UTC)), session_scope() as session:
        people = [
            {
                "nn_hash": f"load{i:07d}",
                "nn_status": "valid",
                "last_name": "Bench",
                "first_names": f"Kind {i}",
                "birth_date": date(2008, 1, 1) + timedelta(days=rng.randint(0, 365 * 12)),
                "sex": "MF"[i % 2],
                "postcode": "1000",
                "nis_code": rng.choice(NIS),
                "street": "Wetstraat",
                "house_number": str(i),
                "admin_language": rng.choice(["fr", "nl"]),
            }
            for i in range(args.children)
        ]
        year_id, ids = synthetic.add_children(session, people, lambda i, person: [PARENT])
        run_id = synthetic.residual_run(session, year_id, ids)
        open_cases_for_run(session, run_id, Actor.system("bench"))
    tokens: dict[str, dict[str, str]] = {}
    with session_scope() as session:
        users = [
            ("cell-nl", Role.CELL_OPERATOR, "AGODI"),
            ("cell-fr", Role.CELL_OPERATOR, "SCOS"),
            ("parket", Role.PARKET_USER, "PARKET"),
            *((f"gemeente-{g}", Role.GEMEENTE_USER, g) for g in GEMEENTEN),
        ]
        for name, role, org in users:
            user = auth.create_user(session, name, role, org, password="load bench passphrase")
            tokens[name] = {"Authorization": f"Bearer {auth.issue_token(session, user)}"}
    return url, tokens


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port: int, workers: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "uvicorn", "service.api.main:app", "--host", "127.0.0.1"]
    command += ["--port", str(port), "--workers", str(workers), "--log-level", "warning"]
    server = subprocess.Popen(command, cwd=ROOT, env=env)
    for _ in range(300):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    server.kill()
    raise SystemExit("the server did not become ready in 30 s")


async def call(
    client: httpx.AsyncClient, tally: Tally, route: str, method: str, url: str, **kw
) -> httpx.Response | None:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    try:
        answer = await client.request(method, url, **kw)
    except httpx.HTTPError as exc:
        tally.errors.append(f"{method} {route}: {type(exc).__name__}")
        return None
    tally.latency[f"{method} {route}"].append(time.perf_counter() - started)
    tally.statuses[(f"{method} {route}", answer.status_code)] += 1
    expected = answer.status_code < 400 or (
        route.endswith("/transitions/{name}") and answer.status_code == 409
    )
    if not expected:
        tally.errors.append(f"{method} {route}: {answer.status_code}")
    return answer


async def cell_user(client, tally, headers, cases: list[int]) -> None:  # type: ignore[no-untyped-def]
    action = random.random()
    if action < 0.35:
        offset = random.randrange(0, max(1, len(cases) - 50))
        await call(
            client, tally, "/api/cases", "GET", f"/api/cases?limit=50&offset={offset}", headers=headers
        )
    elif action < 0.65:
        case_id = random.choice(cases)
        await call(client, tally, "/api/cases/{id}", "GET", f"/api/cases/{case_id}", headers=headers)
    elif action < 0.8:
        await call(
            client, tally, "/api/gemeenten/overview", "GET", "/api/gemeenten/overview", headers=headers
        )
    else:
        case_id = random.choice(cases)
        body = {"payload": {}, "reason": "load bench"}
        answer = await call(
            client, tally, "/api/cases/{id}/transitions/{name}", "POST",
            f"/api/cases/{case_id}/transitions/start_cross_check", headers=headers, json=body,
        )  # fmt: skip
        if answer is not None and answer.status_code == 200:
            tally.fired[case_id] += 1


async def gemeente_user(client, tally, headers) -> None:  # type: ignore[no-untyped-def]
    if random.random() < 0.6:
        await call(client, tally, "/api/assignments", "GET", "/api/assignments?limit=50", headers=headers)
    else:
        await call(client, tally, "/api/notifications", "GET", "/api/notifications?limit=50", headers=headers)


async def parket_user(client, tally, headers) -> None:  # type: ignore[no-untyped-def]
    if random.random() < 0.5:
        await call(client, tally, "/api/referrals", "GET", "/api/referrals", headers=headers)
    else:
        await call(client, tally, "/api/notifications", "GET", "/api/notifications?limit=50", headers=headers)


async def simulate(base: str, args: argparse.Namespace, tokens, by_community) -> tuple[Tally, float]:  # type: ignore[no-untyped-def]
    tally = Tally()
    remaining = [args.requests]
    limits = httpx.Limits(max_connections=args.users, max_keepalive_connections=args.users)

    async def user(n: int) -> None:
        role = "cell" if n < args.users * 0.6 else ("gemeente" if n < args.users * 0.9 else "parket")
        async with httpx.AsyncClient(base_url=base, timeout=30, limits=limits) as client:
            while remaining[0] > 0:
                remaining[0] -= 1
                if role == "cell":
                    community = "nl" if n % 2 else "fr"
                    await cell_user(client, tally, tokens[f"cell-{community}"], by_community[community])
                elif role == "gemeente":
                    await gemeente_user(client, tally, tokens[f"gemeente-{GEMEENTEN[n % len(GEMEENTEN)]}"])
                else:
                    await parket_user(client, tally, tokens["parket"])

    started = time.perf_counter()
    await asyncio.gather(*(user(n) for n in range(args.users)))
    return tally, time.perf_counter() - started


def check_transitions(tally: Tally) -> list[str]:
    """Every 200 is one `start_cross_check` event; no case has two."""
    from sqlalchemy import func, select

    from service.cases.models import CaseEvent
    from service.core.db import session_scope

    with session_scope() as session:
        events = dict(
            session.execute(
                select(CaseEvent.case_id, func.count())
                .where(CaseEvent.transition == "start_cross_check")
                .group_by(CaseEvent.case_id)
            ).all()
        )
    problems = [f"case {c}: {n} events" for c, n in events.items() if n != 1]
    problems += [f"case {c}: answered 200 {n} times" for c, n in tally.fired.items() if n != 1]
    problems += [f"case {c}: 200 without an event" for c in tally.fired if c not in events]
    problems += [f"case {c}: event without a 200" for c in events if c not in tally.fired]
    return problems


def report(tally: Tally, seconds: float, problems: list[str]) -> None:
    total = sum(tally.statuses.values())
    print(f"{total} requests in {seconds:.1f} s: {total / seconds:.0f} requests/s")
    print(f"{'route':<48} {'n':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}  statuses")
    for route, values in sorted(tally.latency.items()):
        ms = np.array(values) * 1000
        statuses = ", ".join(f"{s}: {n}" for (r, s), n in sorted(tally.statuses.items()) if r == route)
        p50, p95, p99 = np.percentile(ms, [50, 95, 99])
        print(f"{route:<48} {len(ms):>6} {p50:>8.1f} {p95:>8.1f} {p99:>8.1f}  {statuses}")
    print(f"transitions: {sum(tally.fired.values())} applied; lost or duplicated: {len(problems)}")
    for p in problems[:10]:
        print(f"  {p}")
    print(f"errors: {len(tally.errors)}")
    for e, n in Counter(tally.errors).most_common(10):
        print(f"  {n} x {e}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--children", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="tandem-bench-load-"))
    os.environ.setdefault("TANDEM_DATA_DIR", str(work))
    from service.core.crypto import create_dev_keys

    create_dev_keys(work / "keys")
    os.environ["TANDEM_KEY_DIR"] = str(work / "keys")
    url, tokens = build(args, work)
    from sqlalchemy import select

    from service.cases.models import Case
    from service.core.db import session_scope

    with session_scope() as session:
        by_community = {
            c: list(session.scalars(select(Case.id).where(Case.owner_community == c))) for c in ("nl", "fr")
        }
    port = free_port()
    env = {**os.environ, "TANDEM_DATABASE_URL": url, "PYTHONPATH": str(ROOT)}
    server = start_server(port, args.workers, env)
    try:
        tally, seconds = asyncio.run(simulate(f"http://127.0.0.1:{port}", args, tokens, by_community))
    finally:
        server.terminate()
        server.wait(timeout=30)
    report(tally, seconds, check_transitions(tally))


if __name__ == "__main__":
    main()
