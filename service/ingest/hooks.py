"""Reactions to a landed batch (for example: re-link open cases against a late list).

Ingest sits below the case procedure; other domains subscribe here instead of ingest importing them.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from service.auth.service import Actor

BatchHook = Callable[[Session, int, Actor], None]
_after_batch: list[BatchHook] = []


def on_batch_ingested(fn: BatchHook) -> BatchHook:
    """Register `fn(session, batch_id, actor)`, called in its own transaction after a batch lands."""
    if fn not in _after_batch:
        _after_batch.append(fn)
    return fn


def after_batch_hooks() -> list[BatchHook]:
    return list(_after_batch)
