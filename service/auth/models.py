"""Organisations, users and API tokens."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from service.core.db import Base, UTCDateTime


class OrgKind(StrEnum):
    AGODI = "agodi"  # Dutch-language community control service
    SCOS = "scos"  # French-language community control service
    GEMEENTE = "gemeente"
    PARKET = "parket"


class Role(StrEnum):
    CELL_OPERATOR = "cell_operator"  # joint-cell operator of one community (AGODI or SCOS)
    CELL_ADMIN = "cell_admin"
    GEMEENTE_USER = "gemeente_user"
    PARKET_USER = "parket_user"
    AUDITOR = "auditor"


class Organisation(Base):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)  # AGODI, SCOS, PARKET, or a NIS code
    kind: Mapped[str] = mapped_column(String(20))
    name_nl: Mapped[str] = mapped_column(String(120))
    name_fr: Mapped[str] = mapped_column(String(120))
    nis_code: Mapped[str | None] = mapped_column(ForeignKey("gemeenten.nis_code"), default=None)
    community: Mapped[str | None] = mapped_column(String(2), default=None)  # nl for AGODI, fr for SCOS
    email: Mapped[str | None] = mapped_column(String(200), default=None)
    default_visitor: Mapped[str | None] = mapped_column(String(40), default=None)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    full_name: Mapped[str] = mapped_column(String(160), default="")
    password_hash: Mapped[str | None] = mapped_column(String(200), default=None)
    role: Mapped[str] = mapped_column(String(20))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    language: Mapped[str] = mapped_column(String(2), default="nl")  # nl / fr: the web interface's

    organisation: Mapped[Organisation] = relationship(lazy="joined")

    @property
    def community(self) -> str | None:
        return self.organisation.community

    @property
    def nis_code(self) -> str | None:
        return self.organisation.nis_code


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(80), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)

    user: Mapped[User] = relationship(lazy="joined")


class LoginAttempt(Base):
    """One login attempt, for throttling per user name and per address: a table rather than process
    memory, so the limit holds across API workers and restarts."""

    __tablename__ = "login_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    username: Mapped[str] = mapped_column(String(80), index=True)
    address: Mapped[str] = mapped_column(String(64), index=True)
    succeeded: Mapped[bool] = mapped_column(Boolean, default=False)


class WebSession(Base):
    """A signed-in browser: the cookie holds a random token, the table only its SHA-256.

    Kept server-side so that signing out, the idle time-out and disabling a user end it at once.
    """

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    flash: Mapped[str | None] = mapped_column(String(400), default=None)  # a message key for the next page

    user: Mapped[User] = relationship(lazy="joined")
