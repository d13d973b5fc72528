"""The print room and the families' replies in the demo's simulated weeks.

Each week the print room hands last week's prepared batches to the post (at noon, after the morning
tick), pulling any letter that late information cancelled meanwhile, then prepares this week's
batches dated for next week's posting. The PDFs go under the demo's output folder. Families answer
(or the post returns the letters), and operators record and verify the replies through the same
service functions the API and the CLI use, so every reply is on record as in real use.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

from rich.table import Table
from sqlalchemy import select
from sqlalchemy.orm import Session

from service.auth.service import Actor
from service.cases.models import Case
from service.cli.common import console
from service.core import clock
from service.core.db import session_scope
from service.letters import service
from service.letters.models import BatchStatus, LetterBatch, LetterReply, LetterStatus, ReplyOutcome
from sim.procedure.weeks import OPERATORS, SimWeek, attempt, cases_in, pick, simulated_actor

PRINT_ROOM = Actor.system("sim-print-room")
POSTING_HOUR = timedelta(hours=3)  # the post collects the letters three hours after the tick

# Weekly chances, chosen to give a plausible funnel (the report gives no figures per stage).
REPLY = {"letter_1_sent": 0.14, "letter_2_sent": 0.10}
RETURNED_MAIL = 0.04  # checked in the first week after sending
ANSWERS = [
    ("enrolled", 55),
    ("home_education", 5),
    ("moved_out_of_region", 12),
    ("moved_abroad", 13),
    ("other", 15),
]
SCHOOL_COMMUNITY = [("fr", 55), ("nl", 20), ("other_region", 15), ("abroad", 10)]
INSUFFICIENT = 0.08  # an answer the operator cannot confirm
CLOSABLE = ("enrolled", "home_education", "moved_out_of_region", "moved_abroad")


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


@simulated_actor
def family_replies(session: Session, week: SimWeek) -> None:
    """Families answer the letters (or the post returns them); an operator records it."""
    for case in cases_in(session, "letter_1_sent", "letter_2_sent"):
        operator = OPERATORS[case.owner_community]
        if case.state_entered_at > week.now - timedelta(days=7) and week.rng.random() < RETURNED_MAIL:
            step = "letter_1" if case.state == "letter_1_sent" else "letter_2"
            posted = service.list_letters(session, case_id=case.id, status=LetterStatus.POSTED)
            for letter in [x for x in posted if x.kind == step]:
                if (
                    attempt(
                        session,
                        week,
                        "returned_mail",
                        service.record_returned_mail,
                        session,
                        letter.id,
                        operator,
                    )
                    is None
                ):
                    week.counters["letters: envelope returned"] += 1
            continue
        if week.rng.random() >= REPLY[case.state]:
            continue
        form = _answer(week)
        if (
            attempt(session, week, "record_reply", service.record_reply, session, case.id, form, operator)
            is None
        ):
            week.counters[f"letters: reply ({form.answer})"] += 1


def _answer(week: SimWeek) -> service.ReplyForm:
    """A family's answer on the reply form, drawn with the weights above."""
    answer = pick(week.rng, ANSWERS)
    form = service.ReplyForm(
        answer=answer, received_on=week.date, channel=week.rng.choice(["post", "email", "phone"])
    )
    if answer == "enrolled":
        form.school_community = pick(week.rng, SCHOOL_COMMUNITY)
        form.school_name = f"School {week.rng.randint(100, 999)}"
    elif answer in ("moved_out_of_region", "moved_abroad"):
        form.moved_on = week.date - timedelta(days=week.rng.randint(30, 300))
        form.new_address = "(new address)"
    else:
        form.text = "(free text)"
    return form


@simulated_actor
def verify_replies(session: Session, week: SimWeek) -> None:
    """An operator of the owning community checks each reply recorded."""
    pending = session.scalars(
        select(LetterReply).where(LetterReply.outcome == ReplyOutcome.PENDING).order_by(LetterReply.id)
    ).all()
    for reply in pending:
        case = session.get(Case, reply.case_id)
        if case is None or case.closed_at is not None:
            continue
        sufficient = reply.answer in CLOSABLE and week.rng.random() >= INSUFFICIENT
        reason = "" if sufficient else "answer could not be confirmed / réponse non confirmée"
        operator = OPERATORS[case.owner_community]
        if (
            attempt(
                session,
                week,
                "verify_reply",
                service.verify_reply,
                session,
                reply.id,
                operator,
                sufficient=sufficient,
                reason=reason,
            )
            is None
        ):
            week.counters["letters: reply verified" if sufficient else "letters: reply insufficient"] += 1


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


def demo_summary(ctx: Any) -> None:
    """`tandem demo`: where the print room's batches of the simulated year are, and what they hold."""
    with session_scope() as session:
        found, counts = summary(session, ctx.output_dir)
        if not found:
            console.print("letters: no batch was printed in this demo (no case reached a letter)")
            return
        table = Table(
            "batch", "letter", "dated", "status", "letters", "cases", "pages", title="Letter batches"
        )
        for b in found:
            table.add_row(
                str(b.id),
                b.kind,
                str(b.letter_date),
                b.status,
                str(b.letter_count),
                str(b.case_count),
                str(b.page_count),
            )
        folder = Path(found[0].directory).parent
        last = {b.kind: b for b in found}
    console.print(table)
    console.print(
        f"letters: {counts['letter_1 letters']:,} letter 1 ({counts['letter_1 pages']:,} pages) and "
        f"{counts['letter_2 letters']:,} letter 2 ({counts['letter_2 pages']:,} pages) in {len(found)} batches"
    )
    console.print(
        f"letters: the print files and one PDF per letter are in [bold]{folder}[/bold]", soft_wrap=True
    )
    for kind, b in sorted(last.items()):
        console.print(f"  latest {kind} print file: {b.print_file}", soft_wrap=True)
