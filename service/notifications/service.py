"""Raise notifications for an organisation and deliver them by e-mail (an outbox drained after commit).

A notification is written in the same transaction as the change it reports, so a rolled-back
transition leaves no notification behind. E-mail goes out later, from `deliver_pending` (run by
`tandem notifications send`, by the tick and by the demo), so an SMTP failure never undoes a
transition and a message is never sent for a change that did not happen.
"""

from __future__ import annotations

import logging
import smtplib
import string
from dataclasses import dataclass
from email.message import EmailMessage
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from service.auth import service as auth
from service.auth.service import Actor
from service.core import clock
from service.core.errors import ConfigurationError, NotFound
from service.core.settings import get_settings
from service.notifications.models import Notification
from service.notifications.schemas import NotificationOut

log = logging.getLogger(__name__)
_MESSAGES = Path(__file__).with_name("messages.yaml")
_FIELDS = ("subject_nl", "subject_fr", "body_nl", "body_fr")
MAX_ATTEMPTS = 5


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def _lang_neutral(names: set[str]) -> set[str]:
    """`step_nl` and `step_fr` are the same placeholder in two languages."""
    return {n.removesuffix("_nl").removesuffix("_fr") for n in names}


def load_messages(path: Path) -> dict[str, dict[str, str]]:
    """A wording file, checked: every kind has four texts and both languages use the same fields."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    for kind, texts in data.items():
        missing = [f for f in _FIELDS if not texts.get(f)]
        if missing:
            raise ConfigurationError(f"notification '{kind}' lacks {', '.join(missing)} in {path.name}")
        nl = _lang_neutral(_placeholders(texts["subject_nl"]) | _placeholders(texts["body_nl"]))
        fr = _lang_neutral(_placeholders(texts["subject_fr"]) | _placeholders(texts["body_fr"]))
        if nl != fr:
            raise ConfigurationError(
                f"notification '{kind}': Dutch and French use different fields ({sorted(nl ^ fr)})"
            )
    return data


@lru_cache
def messages() -> dict[str, dict[str, str]]:
    return load_messages(_MESSAGES)


def _organisation_id(session: Session, code: str) -> int:
    """Organisation ids do not change: remembered for the session (a tick notifies thousands)."""
    cache = session.info.setdefault("notification_org_ids", {})
    if code not in cache:
        cache[code] = auth.organisation_by_code(session, code).id
    return cache[code]


def notify(
    session: Session, org_code: str, kind: str, case_id: int | None = None, **values: Any
) -> Notification:
    """Record a notification for organisation `org_code` (AGODI, SCOS, PARKET or a NIS code)."""
    try:
        texts = messages()[kind]
    except KeyError as exc:
        raise ConfigurationError(f"no wording for notification kind '{kind}'") from exc
    try:
        rendered = {f: texts[f].format(**values) for f in _FIELDS}
    except KeyError as exc:  # a caller forgot a field: a bug, say which
        raise ConfigurationError(f"notification '{kind}' needs the field {exc}") from None
    note = Notification(
        organisation_id=_organisation_id(session, org_code),
        kind=kind,
        case_id=case_id,
        created_at=clock.now(),
        email_attempts=0,
        **rendered,
    )
    session.add(note)
    session.flush()
    return note


def _org_id(session: Session, actor: Actor) -> int:
    if not actor.organisation_code:
        raise NotFound("notification not found")
    return _organisation_id(session, actor.organisation_code)


def for_actor(
    session: Session, actor: Actor, *, unread_only: bool = False, limit: int = 100, offset: int = 0
) -> list[Notification]:
    """The notifications of the actor's own organisation, newest first."""
    query = select(Notification).where(Notification.organisation_id == _org_id(session, actor))
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    query = query.order_by(Notification.id.desc()).limit(min(limit, 1000)).offset(offset)
    return list(session.scalars(query))


def mark_read(session: Session, actor: Actor, notification_id: int) -> Notification:
    note = session.get(Notification, notification_id)
    if note is None or note.organisation_id != _org_id(session, actor):
        raise NotFound("notification not found")  # another organisation's: not even its existence
    if note.read_at is None:
        note.read_at = clock.now()
    return note


@dataclass
class Delivery:
    sent: int = 0
    failed: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"sent": self.sent, "failed": self.failed}


def _message(note: Notification, to: str, sender: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = f"{note.subject_nl} / {note.subject_fr}"
    msg.set_content(
        f"{note.body_nl}\n\n-- Nederlands hierboven, français ci-dessous --\n\n{note.body_fr}\n\n"
        f"Tandem, melding/notification #{note.id}\n"
    )
    return msg


def deliver_pending(session: Session, limit: int = 500) -> Delivery:
    """E-mail every undelivered notification whose organisation has an address; no-op without SMTP."""
    settings = get_settings()
    result = Delivery()
    if not settings.smtp_host:
        return result
    emails = auth.organisation_emails(session)
    rows = session.scalars(
        select(Notification)
        .where(
            Notification.emailed_at.is_(None),
            Notification.email_attempts < MAX_ATTEMPTS,
            Notification.organisation_id.in_(list(emails)),
        )
        .order_by(Notification.id)
        .limit(limit)
    )
    pending = [(n, emails[n.organisation_id]) for n in rows]
    if not pending:
        return result
    try:
        smtp = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=15)
    except OSError as exc:
        for note, _ in pending:
            note.email_attempts += 1
            note.email_error = f"connect: {type(exc).__name__}"
        result.failed = len(pending)
        log.warning("SMTP server unreachable; %d notifications stay queued", len(pending))
        return result
    with smtp:
        for note, email in pending:
            note.email_attempts += 1
            try:
                smtp.send_message(_message(note, email, settings.smtp_sender))
            except smtplib.SMTPException as exc:
                note.email_error = type(exc).__name__
                result.failed += 1
                log.warning("notification %s not e-mailed (%s)", note.id, type(exc).__name__)
                continue
            note.emailed_at, note.email_error = clock.now(), None
            result.sent += 1
    session.flush()
    return result


def read_models(session: Session, notes: list[Notification]) -> list[NotificationOut]:
    """Notifications as the API shows them, each with its organisation's code."""
    codes = auth.organisation_codes(session, (n.organisation_id for n in notes))
    return [
        NotificationOut.model_validate({**_columns(n), "organisation": codes[n.organisation_id]})
        for n in notes
    ]


def _columns(note: Notification) -> dict[str, Any]:
    return {c.key: getattr(note, c.key) for c in Notification.__table__.columns}
