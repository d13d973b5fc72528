"""Letters as PDF: one envelope at a time, a large batch over worker processes, and the preview.

Rendering goes through the one PDF stack (`service.core.pdf`); the letters' own part is the
checked template set (`templates.py`) and the worker pool a print run of thousands needs.
"""

from __future__ import annotations

import atexit
import os
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from datetime import date
from multiprocessing import get_context
from typing import Any

from sqlalchemy.orm import Session

from service.audit import service as audit
from service.auth.service import Actor
from service.cases import service as cases
from service.core import clock, pdf
from service.core.errors import NotFound
from service.letters.planning import plan_letters
from service.letters.templates import MissingVariable, templates

POOL_MIN_LETTERS = 48  # below this, starting worker processes costs more than it saves


def render_letter(kind: str, context: dict[str, Any]) -> bytes:
    """One envelope's letter and reply form as PDF bytes."""
    t = templates()
    html = t.render_html(kind, context)
    return pdf.html_to_pdf(
        html, t.manifest.directory, stylesheet=t.manifest.stylesheet, identifier=b"tandem-letter"
    )


def _render_job(job: tuple[str, dict[str, Any]]) -> bytes:
    return render_letter(*job)


_pools: dict[int, ProcessPoolExecutor] = {}


def _pool(workers: int) -> ProcessPoolExecutor:
    """Worker processes kept for the life of the process (starting them costs about a second)."""
    if workers not in _pools:
        # spawn, not fork: the parent holds database connections a forked child must never touch
        _pools[workers] = ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn"))
        atexit.register(_pools[workers].shutdown, cancel_futures=True)
    return _pools[workers]


def shutdown_workers() -> None:
    """Stop the rendering processes (they restart on the next large batch)."""
    while _pools:
        _, pool = _pools.popitem()
        pool.shutdown()


def render_many(kind: str, contexts: Sequence[dict[str, Any]], workers: int | None = None) -> Iterator[bytes]:
    """PDFs in the order of `contexts`; large batches are spread over worker processes."""
    workers = workers if workers is not None else min(4, os.cpu_count() or 1)
    if workers <= 1 or len(contexts) < POOL_MIN_LETTERS:
        for context in contexts:
            yield render_letter(kind, context)
        return
    yield from _pool(workers).map(_render_job, [(kind, c) for c in contexts], chunksize=4)


def preview(
    session: Session,
    case_id: int,
    kind: str,
    actor: Actor,
    *,
    letter_date: date | None = None,
    recipient_no: int | None = None,
    channel: str | None = None,
) -> bytes:
    """Render a case's letter (every envelope, or one) without recording anything but the audit."""
    spec = templates().manifest.kind(kind)
    case = cases.get_case(session, case_id, actor)
    planned, skipped = plan_letters(
        session,
        [case],
        kind,
        letter_date=letter_date or clock.now().date(),
        channel=channel or spec.default_channel,
        preview=True,
    )
    if skipped:
        raise MissingVariable(skipped[0]["reason"])
    if recipient_no is not None:
        planned = [p for p in planned if p.recipient.no == recipient_no]
        if not planned:
            raise NotFound(f"case {case_id} has no envelope {recipient_no} for {kind}")
    audit.record(session, actor, "preview", "letter", [case.id], purpose=f"preview of {kind}")
    documents = [render_letter(kind, p.context) for p in planned]
    if len(documents) == 1:
        return documents[0]
    return pdf.merge_bytes(documents)
