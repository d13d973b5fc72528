"""The audit trail as a hash chain: one chain over every event, in commit order.

Each event carries its position (`seq`, 1, 2, ...), the hash of the event before it (`prev_hash`;
64 zeros for the first) and its own `hash`: SHA-256 of the previous hash and the event's fields in a
canonical JSON form. Editing an event changes its hash; deleting or inserting one breaks the link
of the next and the run of positions; cutting the tail leaves the head (`audit_chain_head`) pointing
past the last event. Somebody able to rewrite the whole table could recompute the chain, which is
what the anchors are for: `tandem audit anchor` prints the head (position and hash) to keep outside
the database (a daily e-mail, a printout, a write-once store), and `tandem audit verify --anchor`
checks that the chain still passes through it.

Linking happens just before the transaction commits (`before_commit`), under a row lock on the
head, so concurrent writers on PostgreSQL append one after the other, and the head lock is the last
lock a transaction takes (no deadlock with the locks it took before). An event is visible in its
own transaction at once; its chain fields are filled when it commits.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import event, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from service.audit.models import AuditChainHead, AuditEvent

GENESIS = "0" * 64
HEAD_ID = 1
_PENDING = "audit_chain_pending"


def link_hash(prev_hash: str, seq: int, e: AuditEvent) -> str:
    """The hash of one event: its fields and the previous hash, in a canonical JSON form."""
    at = e.at.astimezone(UTC).isoformat(timespec="microseconds")
    fields = [seq, prev_hash, at, e.user_id, e.actor, e.action, e.entity, list(e.entity_ids or [])]
    fields += [e.count, e.purpose]
    canonical = json.dumps(fields, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def pending(session: Session) -> list[AuditEvent]:
    """The events this transaction added, waiting to be linked at commit."""
    return session.info.setdefault(_PENDING, [])


def _locked_head(session: Session) -> AuditChainHead:
    query = select(AuditChainHead).where(AuditChainHead.id == HEAD_ID).with_for_update()
    head = session.scalar(query)
    if head is None:  # an empty database: create the head once, whoever gets there first
        dialect = session.get_bind().dialect.name
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        values = {"id": HEAD_ID, "seq": 0, "head_hash": GENESIS}
        session.execute(insert(AuditChainHead).values(**values).on_conflict_do_nothing())
        head = session.scalar(query.execution_options(populate_existing=True))
    assert head is not None
    return head


def _link_pending(session: Session) -> None:
    events = session.info.pop(_PENDING, None)
    if not events:
        return
    session.flush()  # every other write first: the head lock is the transaction's last lock
    head = _locked_head(session)
    for e in events:
        head.seq += 1
        e.seq, e.prev_hash = head.seq, head.head_hash
        e.hash = head.head_hash = link_hash(e.prev_hash, e.seq, e)


def _forget_pending(session: Session, *_args: object) -> None:
    session.info.pop(_PENDING, None)


event.listen(Session, "before_commit", _link_pending)
event.listen(Session, "after_rollback", _forget_pending)


# -- checking the chain -------------------------------------------------------------------------


@dataclass(frozen=True)
class ChainReport:
    events: int
    head_seq: int
    head_hash: str
    broken: str | None  # the first broken link, described; None when the chain holds


def _walk(session: Session) -> Iterator[str | None]:
    """Yield None per sound event and a description at the first broken link (then stop)."""
    unlinked = session.scalar(select(AuditEvent.id).where(AuditEvent.seq.is_(None)).limit(1))
    if unlinked is not None:
        yield f"event {unlinked}: not linked into the chain (inserted outside the service)"
        return
    prev_hash, prev_seq = GENESIS, 0
    rows = session.scalars(select(AuditEvent).order_by(AuditEvent.seq).execution_options(yield_per=2000))
    for e in rows:
        where = f"event {e.id} (position {e.seq})"
        if e.seq != prev_seq + 1:
            yield f"{where}: positions {prev_seq + 1}..{e.seq - 1} are missing (events deleted)"
            return
        if e.prev_hash != prev_hash:
            yield f"{where}: does not link to the event before it (deleted, inserted or reordered)"
            return
        if e.hash != link_hash(prev_hash, e.seq, e):
            yield f"{where}: its content does not match its hash (edited)"
            return
        prev_hash, prev_seq = e.hash, e.seq
        yield None


def verify(session: Session) -> ChainReport:
    """Walk the whole chain from the first event; report the first broken link."""
    count, broken = 0, None
    for problem in _walk(session):
        if problem is not None:
            broken = problem
            break
        count += 1
    head = session.get(AuditChainHead, HEAD_ID)
    head_seq, head_hash = (head.seq, head.head_hash) if head else (0, GENESIS)
    if broken is None:
        last = session.scalar(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1))
        last_seq, last_hash = (last.seq, last.hash) if last else (0, GENESIS)
        if (last_seq, last_hash) != (head_seq, head_hash):
            broken = (
                f"the chain's last event is at position {last_seq} but its head says {head_seq} "
                "(events deleted, or added outside the service)"
            )
    return ChainReport(count, head_seq, head_hash, broken)


def anchor(session: Session, until: datetime | None = None) -> dict[str, object]:
    """The chain's head (or its last event recorded before `until`), to keep outside the database."""
    query = select(AuditEvent).where(AuditEvent.seq.is_not(None)).order_by(AuditEvent.seq.desc()).limit(1)
    if until is not None:
        query = query.where(AuditEvent.at < until)
    last = session.scalar(query)
    return {
        "seq": last.seq if last else 0,
        "hash": last.hash if last else GENESIS,
        "at": last.at.isoformat() if last else None,
        "until": until.isoformat() if until else None,
    }


def anchor_problem(session: Session, seq: int, expected_hash: str) -> str | None:
    """None when the chain still passes through an anchor exported earlier."""
    if seq == 0:
        return None
    found = session.scalar(select(AuditEvent.hash).where(AuditEvent.seq == seq))
    if found is None:
        return f"the anchored position {seq} is no longer in the chain"
    if found != expected_hash:
        return f"the chain no longer passes through the anchor at position {seq} (rewritten)"
    return None
