"""`tandem letters ...`: preview, print batches, posting, replies and returned mail."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import typer
from rich.table import Table

from service.audit import service as audit
from service.cli.common import cli_actor, console, count_progress, ensure_schema_current, fail
from service.core.case_reference import case_id_from
from service.core.db import session_scope
from service.core.errors import TandemError
from service.core.settings import get_settings
from service.letters import service
from service.letters.models import LetterBatch
from service.letters.service import PostReport

letters_app = typer.Typer(
    help="Letters 1 and 2 to families (Dutch and French): preview, print batches, replies.",
    no_args_is_help=True,
)

KIND = typer.Option(..., "--kind", help="letter_1 or letter_2")


def _date(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        raise typer.BadParameter(f"'{text}' is not a date (YYYY-MM-DD)") from None


def print_batch(batch: LetterBatch, report: PostReport | None = None) -> None:
    console.print(
        f"batch {batch.id}: {batch.letter_count} letter(s) for {batch.case_count} case(s), "
        f"{batch.page_count} pages, {batch.kind} by {batch.channel.replace('_', ' ')}, dated {batch.letter_date}"
    )
    console.print(f"  print file: {batch.print_file}", soft_wrap=True)
    console.print(f"  letters and manifest: {batch.directory}", soft_wrap=True)
    if batch.skipped:
        console.print(f"  [yellow]{len(batch.skipped)} case(s) skipped:[/yellow]")
        for s in batch.skipped:
            console.print(f"    case {s['case_id']}: {s['reason']}")
    if report is not None:
        print_post(report)


def print_post(report: PostReport) -> None:
    console.print(f"  posted: {report.posted_letters} letter(s); {len(report.moved_cases)} case(s) moved on")
    if report.pulled:
        console.print(f"  [yellow]take out of the stack, do not post ({len(report.pulled)}):[/yellow]")
        for p in report.pulled:
            console.print(f"    letter {p['letter_id']} {p['reference']}: {p['why']}")


def _case_id(text: str) -> int:
    try:
        return case_id_from(text)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--case") from None


@letters_app.command("preview")
def preview(
    kind: str = KIND,
    case: str = typer.Option(..., "--case", help="Case id or the reference on the letter (2025-2026/000021)"),
    out: Path = typer.Option(
        None, "--out", help="PDF file to write (default: <output dir>/previews/preview-<kind>-case-<id>.pdf)"
    ),
    envelope: int = typer.Option(None, help="Only this envelope (guardians living apart)"),
    letter_date: str = typer.Option(None, "--date", help="Date printed on the letter (default today)"),
) -> None:
    """Render one case's letter without recording anything (only the audit of the read)."""
    ensure_schema_current()
    case_id = _case_id(case)
    out = out or get_settings().resolved_output_dir / "previews" / f"preview-{kind}-case-{case_id}.pdf"
    out.parent.mkdir(parents=True, exist_ok=True)
    try:
        with session_scope() as session:
            data = service.preview(
                session, case_id, kind, cli_actor(), letter_date=_date(letter_date), recipient_no=envelope
            )
    except TandemError as exc:
        raise fail(exc) from None
    out.write_bytes(data)
    console.print(f"preview written to {out} ({len(data):,} bytes)")


@letters_app.command("batch")
def batch(
    kind: str = KIND,
    post: bool = typer.Option(False, "--post", help="Record the batch as posted at once"),
    channel: str = typer.Option(None, help="post, registered_post or email (default per letter kind)"),
    letter_date: str = typer.Option(None, "--date", help="Date printed on the letters (default today)"),
    limit: int = typer.Option(None, help="At most this many cases"),
    output_dir: Path = typer.Option(None, help="Where the PDFs go (default: the output dir)"),
    workers: int = typer.Option(None, help="Rendering processes (default: up to 4)"),
    past_school_year: bool = typer.Option(
        False, "--past-school-year", help="Prepare letters even for cases of a school year that is over"
    ),
) -> None:
    """Render every case due for the letter into a print batch (then `tandem letters post ID`).

    Cases of a school year that is over on the letter date stop the batch unless
    --past-school-year; with it, each such year is shown as a warning."""
    ensure_schema_current()

    def warn(text: str) -> None:
        console.print(f"[yellow]warning: {text}[/yellow]")

    try:
        with session_scope() as session, count_progress(f"rendering {kind}") as progress:
            task = progress.add_task(f"rendering {kind}", total=1)

            def tick(done: int, total: int) -> None:
                progress.update(task, completed=done, total=total)

            made, report = service.run_batch(
                session,
                kind,
                cli_actor(),
                post=post,
                channel=channel,
                letter_date=_date(letter_date),
                limit=limit,
                output_dir=output_dir,
                workers=workers,
                progress=tick,
                allow_past_school_year=past_school_year,
                warn=warn,
            )
    except TandemError as exc:
        raise fail(exc) from None
    if made is None:
        console.print(f"no case is due for {kind}")
        return
    print_batch(made, report)
    if report is None:
        console.print(f"  when the letters are posted: tandem letters post {made.id}")


@letters_app.command("post")
def post(
    batch_id: int = typer.Argument(..., help="The prepared batch handed to the post"),
    posted_on: str = typer.Option(None, "--on", help="Posting date (default today)"),
) -> None:
    """Record a prepared batch as posted: the cases move on; cancelled letters are listed to pull."""
    ensure_schema_current()
    try:
        with session_scope() as session:
            report = service.post_batch(session, batch_id, cli_actor(), posted_on=_date(posted_on))
    except TandemError as exc:
        raise fail(exc) from None
    console.print(f"batch {batch_id}:")
    print_post(report)


@letters_app.command("batches")
def batches(limit: int = typer.Option(30)) -> None:
    """The latest print batches."""
    ensure_schema_current()
    with session_scope() as session:
        rows = service.list_batches(session, limit)
        table = Table("id", "kind", "channel", "status", "dated", "letters", "cases", "pages", "print file")
        for b in rows:
            table.add_row(
                str(b.id),
                b.kind,
                b.channel,
                b.status,
                str(b.letter_date),
                str(b.letter_count),
                str(b.case_count),
                str(b.page_count),
                b.print_file,
            )
    console.print(table)


@letters_app.command("reply")
def reply(
    case: str = typer.Option(
        ..., "--case", help="Case id or the reference on the reply form (2025-2026/000021)"
    ),
    answer: str = typer.Option(
        ..., help="enrolled, home_education, moved_out_of_region, moved_abroad, other"
    ),
    school_name: str = typer.Option(None),
    school_address: str = typer.Option(None),
    school_community: str = typer.Option(None, help="nl, fr, other_region or abroad"),
    new_address: str = typer.Option(None),
    moved_on: str = typer.Option(None, help="YYYY-MM-DD"),
    text: str = typer.Option("", help="Free text ('other', or remarks)"),
    received_on: str = typer.Option(None, help="YYYY-MM-DD (default today)"),
    channel: str = typer.Option("post", help="post, email, phone or counter"),
) -> None:
    """Record the family's answer; an operator then runs `tandem letters verify`."""
    ensure_schema_current()
    form = service.ReplyForm(
        answer=answer,
        school_name=school_name,
        school_address=school_address,
        school_community=school_community,
        new_address=new_address,
        moved_on=_date(moved_on),
        text=text,
        received_on=_date(received_on),
        channel=channel,
    )
    try:
        with session_scope() as session:
            made = service.record_reply(session, _case_id(case), form, cli_actor())
            reply_id = made.id
    except TandemError as exc:
        raise fail(exc) from None
    console.print(
        f"reply {reply_id} recorded on case {_case_id(case)}; verify it with: tandem letters verify {reply_id}"
    )


@letters_app.command("verify")
def verify(
    reply_id: int = typer.Argument(...),
    insufficient: bool = typer.Option(
        False, "--insufficient", help="The answer does not account for the child"
    ),
    reason: str = typer.Option("", help="Why (required when insufficient)"),
) -> None:
    """Verify a reply: sufficient closes the case, insufficient moves it on as if unanswered."""
    ensure_schema_current()
    try:
        with session_scope() as session:
            done = service.verify_reply(
                session, reply_id, cli_actor(), sufficient=not insufficient, reason=reason
            )
            outcome, case_id = done.outcome, done.case_id
    except TandemError as exc:
        raise fail(exc) from None
    console.print(f"reply {reply_id}: {outcome} (case {case_id})")


@letters_app.command("returned")
def returned(
    letter_id: int = typer.Argument(..., help="The letter id (on the manifest and the letter list)"),
    reason: str = typer.Option(service.RETURNED_REASON),
) -> None:
    """A letter came back undelivered; with every envelope back, the case goes to the gemeente."""
    ensure_schema_current()
    try:
        with session_scope() as session:
            made = service.record_returned_mail(session, letter_id, cli_actor(), reason=reason)
            case_id = made.case_id
    except TandemError as exc:
        raise fail(exc) from None
    console.print(f"letter {letter_id} recorded as returned (case {case_id})")


@letters_app.command("replies")
def replies(outcome: str = typer.Option("pending", help="pending, verified, insufficient, recorded")) -> None:
    """Replies waiting for verification (or with another outcome)."""
    ensure_schema_current()
    actor = cli_actor()
    with session_scope() as session:
        found = service.list_replies(session, outcome=outcome)
        audit.record(
            session, actor, "read", "letter_reply", [r.id for r in found], purpose="reply list (CLI)"
        )
        table = Table("id", "case", "letter", "step", "received", "answer", "school / new address")
        for r in found:
            table.add_row(
                str(r.id),
                str(r.case_id),
                str(r.letter_id or "-"),
                r.step,
                str(r.received_on),
                r.answer or r.kind,
                r.school_name or r.new_address or r.text[:40],
            )
    console.print(table)
