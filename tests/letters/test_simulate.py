"""The demo's print room: prepares a batch one week, posts it the next, pulling cancelled letters."""

from __future__ import annotations

import random
from collections import Counter
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.cases import service as cases
from service.cases.models import Case
from service.letters.models import LetterBatch
from sim.procedure.letters import print_room, summary
from sim.procedure.weeks import SIMULATED_ACTORS, SimWeek
from tests.letters.conftest import SYSTEM, MakeDue


def test_the_print_room_posts_last_weeks_batch_and_pulls_what_was_cancelled(
    session: Session,
    due_cases: MakeDue,
    clock_at,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    assert print_room in SIMULATED_ACTORS
    found = due_cases()
    counters: Counter[str] = Counter()
    ctx = SimpleNamespace(output_dir=tmp_path)

    def week(n: int) -> SimWeek:
        now = clock_at.now()
        return SimWeek(n, now.date(), now, random.Random(n), ctx, counters)

    print_room(session, week(1))
    batch = session.scalars(select(LetterBatch)).one()
    assert batch.status == "prepared" and batch.letter_date == clock_at.now().date() + timedelta(days=7)
    assert {c.state for c in session.scalars(select(Case))} == {"letter_1_due"}
    cases.fire(
        session,
        found[0],
        "late_list_match",
        SYSTEM,
        {"record_kind": "enrolment", "record_id": 9, "batch_id": 9},
    )
    session.commit()

    clock_at.advance(days=7)
    print_room(session, week(2))
    session.expire_all()
    assert session.get(LetterBatch, batch.id).status == "posted"
    assert [session.get(Case, c.id).state for c in found] == ["closed", "letter_1_sent", "letter_1_sent"]
    assert (
        counters["print room: letter_1 posted"] == 2
        and counters["print room: letter_1 pulled before posting"] == 2
    )
    assert counters["print room: letter_1 prepared"] == 4
    batches, counts = summary(session, tmp_path)
    assert [b.id for b in batches] == [batch.id] and counts["letter_1 letters"] == 4
    assert Path(batch.print_file).is_file() and Path(batch.print_file).is_relative_to(tmp_path)
