"""The print room in the demo's simulated weeks (registered with `service.cases.simulate`).

Each week the print room hands last week's prepared batches to the post (at noon, after the morning
tick), pulling any letter that late information cancelled meanwhile, then prepares this week's
batches dated for next week's posting. The PDFs go under the demo's output folder.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.auth.service import Actor
from service.cases.simulate import SimWeek, simulated_actor
from service.core import clock
from service.letters import service
from service.letters.models import BatchStatus, LetterBatch

PRINT_ROOM = Actor.system("sim-print-room")
POSTING_HOUR = timedelta(hours=3)  # the post collects the letters three hours after the tick


@simulated_actor
def print_room(session: Session, week: SimWeek) -> None:
    output_dir: Path | None = week.ctx.output_dir if week.ctx is not None else None
    with clock.frozen(week.now + POSTING_HOUR):
        prepared = session.scalars(
            select(LetterBatch)
            .where(LetterBatch.status == BatchStatus.PREPARED, LetterBatch.letter_date <= week.date)
            .order_by(LetterBatch.id)
        ).all()
        for batch in prepared:
            report = service.post_batch(session, batch.id, PRINT_ROOM)
            session.commit()
            week.counters[f"print room: {batch.kind} posted"] += report.posted_letters
            week.counters[f"print room: {batch.kind} pulled before posting"] += len(report.pulled)
        for kind in ("letter_1", "letter_2"):
            made = service.prepare_batch(
                session, kind, PRINT_ROOM, output_dir=output_dir, letter_date=week.date + timedelta(days=7)
            )
            session.commit()
            if made is not None:
                week.counters[f"print room: {kind} batches"] += 1
                week.counters[f"print room: {kind} prepared"] += made.letter_count
                if made.skipped:
                    week.counters[f"print room: {kind} cases skipped"] += len(made.skipped)


def summary(session: Session, output_dir: Path) -> tuple[list[LetterBatch], Counter[str]]:
    """The batches written under `output_dir`, with letter counts per kind and status."""
    root = str(output_dir.resolve())
    found = [
        b
        for b in session.scalars(select(LetterBatch).order_by(LetterBatch.id))
        if str(Path(b.directory).resolve()).startswith(root)
    ]
    counts: Counter[str] = Counter()
    for b in found:
        counts[f"{b.kind} letters"] += b.letter_count
        counts[f"{b.kind} pages"] += b.page_count
    return found, counts
