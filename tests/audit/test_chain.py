"""The audit trail is a hash chain: an edited, deleted or inserted event is found by
`tandem audit verify` (exit 1, the first broken link named), and concurrent writers link correctly."""

from __future__ import annotations

import json
import threading
from pathlib import Path

from sqlalchemy import Engine, select, text, update
from typer.testing import CliRunner

from service.audit import chain
from service.audit import service as audit
from service.audit.models import AuditChainHead, AuditEvent
from service.auth.service import Actor
from service.cli.main import app
from service.core.db import session_scope

READER = Actor.system("cli:reader")


def _trail(transactions: int = 4, per_transaction: int = 2) -> list[int]:
    for t in range(transactions):
        with session_scope() as s:
            for i in range(per_transaction):
                audit.record(s, READER, "read", "case", [t, i], f"test read {t}.{i}")
    with session_scope() as s:
        return list(s.scalars(select(AuditEvent.id).order_by(AuditEvent.seq)))


def _verify(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(app, ["audit", "verify", *args])


def _broken() -> str | None:
    with session_scope() as s:
        return chain.verify(s).broken


def test_a_sound_chain_verifies(engine: Engine) -> None:
    ids = _trail()
    result = _verify()
    assert result.exit_code == 0 and f"{len(ids)} events" in result.stdout
    with session_scope() as s:
        rows = list(s.scalars(select(AuditEvent).order_by(AuditEvent.seq)))
    assert [e.seq for e in rows] == list(range(1, len(ids) + 1))
    assert rows[0].prev_hash == chain.GENESIS and all(
        b.prev_hash == a.hash for a, b in zip(rows, rows[1:], strict=False)
    )


def test_an_edited_event_is_found(engine: Engine) -> None:
    ids = _trail()
    with engine.begin() as conn:
        conn.execute(update(AuditEvent).where(AuditEvent.id == ids[3]).values(purpose="nothing to see"))
    result = _verify()
    assert result.exit_code == 1
    assert f"event {ids[3]} (position 4): its content does not match its hash (edited)" in result.stderr


def test_a_deleted_event_is_found_in_the_middle_and_at_the_end(engine: Engine) -> None:
    ids = _trail()
    with engine.begin() as conn:
        conn.execute(AuditEvent.__table__.delete().where(AuditEvent.id == ids[2]))
    assert _broken() == f"event {ids[3]} (position 4): positions 3..3 are missing (events deleted)"
    assert _verify().exit_code == 1
    with engine.begin() as conn:
        conn.execute(AuditEvent.__table__.delete().where(AuditEvent.id.in_(ids[2:])))
    assert "head says 8" in (_broken() or "")


def test_an_inserted_event_is_found(engine: Engine) -> None:
    _trail()
    columns = "at, actor, action, entity, entity_ids, count, purpose"
    insert = f"INSERT INTO audit_events ({columns}) VALUES ('2025-01-01 00:00:00', 'x', 'read', 'case', '[]', 0, 'x')"
    with engine.begin() as conn:
        conn.execute(text(insert))
    assert "not linked into the chain" in (_broken() or "")
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_events WHERE seq IS NULL"))
        # an event slipped in at position 3, the later ones renumbered, without the key to the hashes
        conn.execute(update(AuditEvent).where(AuditEvent.seq >= 3).values(seq=AuditEvent.seq + 100))
        conn.execute(update(AuditEvent).where(AuditEvent.seq >= 103).values(seq=AuditEvent.seq - 99))
        conn.execute(
            text(
                insert.replace("(at,", "(seq, prev_hash, hash, at,").replace(
                    "VALUES (", "VALUES (3, 'a', 'b', "
                )
            )
        )
    with session_scope() as s:
        slipped = s.scalar(select(AuditEvent.id).where(AuditEvent.seq == 3))
    assert (
        _broken()
        == f"event {slipped} (position 3): does not link to the event before it (deleted, inserted or reordered)"
    )
    assert _verify().exit_code == 1


def test_a_rewritten_chain_is_caught_by_an_earlier_anchor(engine: Engine, tmp_path: Path) -> None:
    _trail()
    kept = tmp_path / "anchor.json"
    exported = CliRunner().invoke(app, ["audit", "anchor", "--out", str(kept)])
    assert exported.exit_code == 0 and json.loads(kept.read_text())["seq"] == 8
    with session_scope() as s:  # someone with the database (not the anchor) recomputes every hash
        rows = list(s.scalars(select(AuditEvent).order_by(AuditEvent.seq)))
        rows[1].purpose = "edited"
        prev = chain.GENESIS
        for e in rows:
            e.prev_hash, e.hash = prev, chain.link_hash(prev, e.seq, e)
            prev = e.hash
        s.get(AuditChainHead, chain.HEAD_ID).head_hash = prev
    assert _verify().exit_code == 0  # the chain alone cannot tell
    result = _verify("--anchor", str(kept))
    assert result.exit_code == 1 and "anchor at position 8" in result.stderr


def test_concurrent_writers_link_one_after_the_other(engine: Engine) -> None:
    """Eight writers commit at once (on PostgreSQL really in parallel): no position is taken twice,
    none is skipped, and every link holds."""
    start = threading.Barrier(8)
    failures: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            start.wait()
            for t in range(4):
                with session_scope() as s:
                    audit.record(s, READER, "read", "case", [n, t], "concurrent read")
                    audit.record(s, READER, "read", "letter", [n, t], "concurrent read")
        except BaseException as exc:  # reported below, in the test's thread
            failures.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert failures == []
    with session_scope() as s:
        report = chain.verify(s)
        assert (report.broken, report.events, report.head_seq) == (None, 64, 64)


def test_an_event_without_a_purpose_is_refused(session) -> None:  # type: ignore[no-untyped-def]
    import pytest

    with pytest.raises(ValueError, match="purpose"):
        audit.record(session, READER, "read", "case", [1], " ")
