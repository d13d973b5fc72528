"""The hand-overs at Brussels scale: assignments through the workflow, the cell's overview, work lists,
reminders, and parket case files.

    .venv/bin/python bench/handovers.py [--cases 5000] [--referrals 20] [--database-url URL]

Builds cases waiting for letter 2's reply window in a fresh database (a temporary SQLite file by
default), then times: the tick that moves them all to the gemeenten (one assignment and one
notification each, through the workflow's effects), the overview of which gemeenten are behind,
the work list (CSV + bilingual PDF) of the gemeente with the most open assignments, the reminder
tick, and complete referrals (visit report, refer_to_parket, ZIP with PDF dossier, JSON, manifest).
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
WEIGHTS = {  # rough share of Brussels children per gemeente (population), for a realistic spread
    "21001": 125,
    "21002": 35,
    "21003": 25,
    "21004": 196,
    "21005": 48,
    "21006": 43,
    "21007": 56,
    "21008": 25,
    "21009": 87,
    "21010": 53,
    "21011": 22,
    "21012": 98,
    "21013": 50,
    "21014": 27,
    "21015": 131,
    "21016": 85,
    "21017": 25,
    "21018": 59,
    "21019": 42,
}
MOTHER = {
    "relation": "mother",
    "last_name": "Ouder",
    "first_names": "Moeder",
    "street": "Wetstraat",
    "house_number": "1",
    "postcode": "1000",
    "municipality": "Brussel",
}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cases", type=int, default=5000)
    parser.add_argument("--referrals", type=int, default=20)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--database-url", default=None, help="default: a fresh temporary SQLite file")
    parser.add_argument(
        "--pg-schema", default="tandem_bench_handovers", help="PostgreSQL schema the bench owns"
    )
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="tandem-bench-handovers-"))
    os.environ["TANDEM_DATA_DIR"] = str(work)
    os.environ.setdefault("TANDEM_HMAC_KEY", "aGhoaGhoaGhoaGhoaGhoaGhoaGhoaGhoaGhoaGhoaGg=")
    os.environ.setdefault("TANDEM_AEAD_KEY", "YWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWE=")

    import _synthetic as synthetic
    from sqlalchemy import func, insert, select

    from service.auth.models import Role
    from service.auth.service import Actor
    from service.cases import service as cases
    from service.cases.models import Case, CaseEvent
    from service.core import clock, migrate
    from service.core.crypto import cached_keyring
    from service.core.db import session_scope
    from service.gemeenten import service as gemeenten
    from service.gemeenten.models import Assignment
    from service.notifications.models import Notification
    from service.parket.models import Referral
    from service.wiring import wire

    wire()  # the domains' hooks, as the API and the CLI register them at start-up

    synthetic.use_database(args.database_url, work, args.pg_schema)
    migrate.upgrade()
    rng = random.Random(args.seed)
    start = datetime(2025, 12, 1, 9, 0, tzinfo=UTC)
    system = Actor.system("bench")
    keys = cached_keyring()
    nis_codes = list(WEIGHTS)
    with clock.frozen(start), session_scope() as session:
        people = [
            {
                "nn_hash": f"bench{i:07d}",
                "nn_status": "valid",
                "nn_cipher": keys.encrypt_nn(f"{14 + i % 3:02d}0101{i % 997:03d}00"),
                "last_name": f"Naam{i}",
                "first_names": "Kind",
                "birth_date": date(2012, 1, 1) + timedelta(days=i % 1500),
                "sex": "MF"[i % 2],
                "postcode": "1000",
                "nis_code": rng.choices(nis_codes, weights=list(WEIGHTS.values()))[0],
                "street": "Wetstraat",
                "house_number": str(i),
            }
            for i in range(args.cases)
        ]
        year_id, ids = synthetic.add_children(session, people, lambda i, person: [MOTHER])
        by_id = {pid: p for pid, p in zip(ids, people, strict=True)}
        session.execute(
            insert(Case),
            [
                {
                    "school_year_id": year_id,
                    "person_id": pid,
                    "child_key": f"bench{pid}",
                    "state": "letter_2_sent",
                    "owner_community": "fr" if pid % 4 else "nl",
                    "nis_code": by_id[pid]["nis_code"],
                    "opened_at": start - timedelta(days=90),
                    "state_entered_at": start - timedelta(days=22),
                    "due_at": start - timedelta(hours=1),
                    "compulsory_ends_on": date(2030, 6, 30),
                    "version": 1,
                }
                for pid in ids
            ],
        )

    def timed(label: str, fn):  # type: ignore[no-untyped-def]
        t0 = time.perf_counter()
        result = fn()
        print(f"{label:<62} {time.perf_counter() - t0:8.2f} s")
        return result

    print(
        f"{args.cases:,} cases, {len(nis_codes)} gemeenten, database {os.environ['TANDEM_DATABASE_URL'][:40]}"
    )
    with clock.frozen(start), session_scope() as session:
        report = timed(
            "tick: letter 2 expired -> gemeente (assignment + notification)",
            lambda: cases.tick(session, system),
        )
        made = session.scalar(select(func.count()).select_from(Assignment))
        notes = session.scalar(select(func.count()).select_from(Notification))
        print(f"  fired {dict(report.fired)}; {made:,} assignments, {notes:,} notifications")
    with clock.frozen(start + timedelta(days=24)) as c, session_scope() as session:
        timed("tick: reminders 7 days before the 30-day deadline", lambda: cases.tick(session, system))
        c.advance(days=10)
        timed("tick: overdue flags", lambda: cases.tick(session, system))
        loads = timed(
            "overview: open/overdue/age for the 19 gemeenten", lambda: gemeenten.overview(session, system)
        )
        biggest = max(loads, key=lambda x: x.open)
        rows = timed(
            f"work list rows of {biggest.nis_code} ({biggest.open:,} open)",
            lambda: gemeenten.worklist_rows(session, system, biggest.nis_code),
        )
        csv_bytes = timed("  as CSV", lambda: gemeenten.worklist_csv(rows))
        pdf = timed("  as bilingual PDF", lambda: gemeenten.worklist_pdf(session, biggest.nis_code, rows))
        print(f"  CSV {len(csv_bytes) / 1024:,.0f} KiB, PDF {len(pdf) / 1024:,.0f} KiB")
    with clock.frozen(start + timedelta(days=34)), session_scope() as session:
        chosen = list(
            session.scalars(
                select(Case)
                .where(Case.state == "gemeente_register_check")
                .order_by(Case.id)
                .limit(args.referrals)
            )
        )
        cell = Actor("bench-operator", Role.CELL_OPERATOR, None, "SCOS", "fr")
        for case in chosen:  # the procedure's letters as events, the gemeente's answers through the engine
            for kind in ("send_letter_1", "send_letter_2"):
                session.add(
                    CaseEvent(
                        case_id=case.id,
                        at=start - timedelta(days=60),
                        actor="bench",
                        kind="transition",
                        transition=kind,
                        from_state="",
                        to_state="",
                        reason="",
                        payload={},
                    )
                )
            officer = Actor("bench-officer", Role.GEMEENTE_USER, None, case.nis_code, None, case.nis_code)
            cases.fire(session, case, "register_check_still_registered", officer)
            cases.fire(
                session,
                case,
                "record_visit",
                officer,
                {
                    "visited_on": clock.now().date().isoformat(),
                    "visitor_kind": "municipal_staff",
                    "family_found": True,
                    "parents_said": "no_education",
                    "remarks": "bench",
                },
            )
            case.owner_community = "fr"
        session.flush()
        t0 = time.perf_counter()
        for case in chosen:
            cases.fire(session, case, "refer_to_parket", cell)
        spent = time.perf_counter() - t0
        sizes = [
            Path(work / "output" / "case-files" / r.zip_path).stat().st_size
            for r in session.scalars(select(Referral))
        ]
        print(
            f"{'referrals (PDF dossier + JSON + schema + manifest, ZIP)':<62} {spent:8.2f} s for {len(chosen)}: "
            f"{spent / max(len(chosen), 1):.2f} s each, ZIP {sum(sizes) / max(len(sizes), 1) / 1024:,.0f} KiB"
        )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {peak:,.0f} MiB; files under {work}")


if __name__ == "__main__":
    main()
