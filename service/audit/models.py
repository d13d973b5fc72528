"""The audit trail: who read or changed which personal data, when, and why."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from service.core.db import Base, UTCDateTime


class AuditEvent(Base):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None, index=True)
    actor: Mapped[str] = mapped_column(String(120))  # username, or "cli:<os user>" for local commands
    action: Mapped[str] = mapped_column(String(20))  # read, export, change, decrypt
    entity: Mapped[str] = mapped_column(String(40))
    entity_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    count: Mapped[int] = mapped_column(Integer, default=0)
    purpose: Mapped[str] = mapped_column(String(200), default="")
    # The hash chain (service.audit.chain): position, the previous event's hash, this event's hash.
    # Filled when the transaction commits; NULL only for an event that never was committed.
    seq: Mapped[int | None] = mapped_column(BigInteger, unique=True, default=None)
    prev_hash: Mapped[str | None] = mapped_column(String(64), default=None)
    hash: Mapped[str | None] = mapped_column(String(64), default=None)


class AuditChainHead(Base):
    """The chain's head, one row (id 1): locked by every commit that appends to the chain, so
    concurrent writers link one after the other."""

    __tablename__ = "audit_chain_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, default=0)
    head_hash: Mapped[str] = mapped_column(String(64))
