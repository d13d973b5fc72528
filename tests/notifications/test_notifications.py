"""Notifications per organisation: recorded with the change, readable through the API, e-mailed."""

from __future__ import annotations

import email
import socket
from collections.abc import Iterator
from email.policy import default as default_policy
from pathlib import Path

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from service.auth.models import Organisation, Role
from service.core.errors import ConfigurationError
from service.core.settings import reset_settings_cache
from service.notifications import service
from service.notifications.models import Notification


class Sink:
    """An aiosmtpd handler that keeps what it receives."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]  # noqa: N802
        self.messages.append(email.message_from_bytes(envelope.content, policy=default_policy))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_sink(monkeypatch: pytest.MonkeyPatch) -> Iterator[Sink]:
    from aiosmtpd.controller import Controller

    sink = Sink()
    port = _free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setenv("TANDEM_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("TANDEM_SMTP_PORT", str(port))
    monkeypatch.setenv("TANDEM_SMTP_SENDER", "tandem@cel.example.be")
    reset_settings_cache()
    try:
        yield sink
    finally:
        controller.stop()
        monkeypatch.delenv("TANDEM_SMTP_HOST")
        reset_settings_cache()


def _set_email(session: Session, code: str, address: str | None) -> None:
    session.execute(update(Organisation).where(Organisation.code == code).values(email=address))
    session.commit()


def _note(session: Session, code: str = "21004", ref: str = "2025-2026/000001") -> Notification:
    note = service.notify(
        session,
        code,
        "reminder",
        None,
        reference=ref,
        step_nl="huisbezoek",
        step_fr="visite à domicile",
        gemeente_nl="Brussel",
        gemeente_fr="Bruxelles",
        due_on="31/10/2025",
    )
    session.commit()
    return note


def test_email_arrives_at_the_smtp_sink_once(session, smtp_sink: Sink) -> None:  # type: ignore[no-untyped-def]
    _set_email(session, "21004", "leerplicht@brussel.example.be")
    note = _note(session)
    _note(session, "21015")  # Schaarbeek has no address: readable in the API only
    result = service.deliver_pending(session)
    session.commit()
    assert result.as_dict() == {"sent": 1, "failed": 0}
    (msg,) = smtp_sink.messages
    assert msg["To"] == "leerplicht@brussel.example.be" and msg["From"] == "tandem@cel.example.be"
    assert "Herinnering" in msg["Subject"] and "Rappel" in msg["Subject"]
    body = msg.get_content()
    assert "uiterlijk op 31/10/2025" in body and "au plus tard le 31/10/2025" in body
    assert session.get(Notification, note.id).emailed_at is not None
    assert service.deliver_pending(session).sent == 0 and len(smtp_sink.messages) == 1


def test_an_unreachable_server_keeps_the_message_queued(session, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("TANDEM_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("TANDEM_SMTP_PORT", str(_free_port()))  # nobody listens
    reset_settings_cache()
    _set_email(session, "21004", "leerplicht@brussel.example.be")
    note = _note(session)
    try:
        assert service.deliver_pending(session).failed == 1
    finally:
        monkeypatch.delenv("TANDEM_SMTP_HOST")
        reset_settings_cache()
    session.commit()
    stored = session.get(Notification, note.id)
    assert (
        stored.emailed_at is None and stored.email_attempts == 1 and stored.email_error.startswith("connect")
    )


def test_without_smtp_nothing_is_sent(session) -> None:  # type: ignore[no-untyped-def]
    _set_email(session, "21004", "leerplicht@brussel.example.be")
    _note(session)
    assert service.deliver_pending(session).as_dict() == {"sent": 0, "failed": 0}


def test_each_organisation_reads_only_its_own(session, client, make_user) -> None:  # type: ignore[no-untyped-def]
    ours, theirs = _note(session, "21004"), _note(session, "21015", "2025-2026/000002")
    _, headers = make_user(Role.GEMEENTE_USER, "21004")
    listed = client.get("/api/notifications", headers=headers).json()
    assert [n["id"] for n in listed] == [ours.id]
    assert listed[0]["subject_fr"].startswith("Rappel") and listed[0]["read_at"] is None
    assert client.post(f"/api/notifications/{theirs.id}/read", headers=headers).status_code == 404
    assert client.post(f"/api/notifications/{ours.id}/read", headers=headers).json()["read_at"] is not None
    assert client.get("/api/notifications?unread=true", headers=headers).json() == []
    _, parket = make_user(Role.PARKET_USER, "PARKET")
    assert client.get("/api/notifications", headers=parket).json() == []
    _, auditor = make_user(Role.AUDITOR, "AGODI")
    assert client.get("/api/notifications", headers=auditor).status_code == 403


def test_wording_file_is_checked(tmp_path: Path) -> None:
    broken = tmp_path / "messages.yaml"
    broken.write_text(
        "x:\n  subject_nl: '{reference}'\n  subject_fr: '{reference}'\n  body_nl: '{due_on}'\n  body_fr: 'rien'\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigurationError, match="different fields"):
        service.load_messages(broken)
    broken.write_text("x:\n  subject_nl: a\n  subject_fr: b\n  body_nl: c\n", encoding="utf-8")
    with pytest.raises(ConfigurationError, match="lacks body_fr"):
        service.load_messages(broken)
    assert "reminder" in service.messages()


def test_missing_field_is_a_clear_error(session) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ConfigurationError, match="needs the field"):
        service.notify(session, "21004", "reminder", None, reference="x")
    assert session.scalars(select(Notification)).all() == []


def test_workflow_notifications_are_emailed_to_the_gemeente(session, smtp_sink: Sink, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from service.core.clock import frozen
    from tests.gemeenten.helpers import START, children, open_case, to_gemeente

    _set_email(session, "21004", "leerplicht@brussel.example.be")
    with frozen(START):
        person, _ = children(session, tmp_path)
        case = to_gemeente(session, open_case(session, person, with_run=False))
        assert service.deliver_pending(session).sent == 1
    session.commit()
    (msg,) = smtp_sink.messages
    assert f"2025-2026/{case.id:06d}" in msg["Subject"] and "Nieuwe opdracht" in msg["Subject"]
    assert "Nouvelle mission" in msg["Subject"]
    body = msg.get_content()
    assert "Uiterste datum: 31/10/2025" in body and "Date limite : 31/10/2025" in body
    assert "Achternaam0" not in body and "Wetstraat" not in body  # no personal data by e-mail
