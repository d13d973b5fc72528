"""Issue 12 items 11 and 12: `--days 0` stored a token that never expired and `--days -5` a dead
one; 20 wrong passwords in a row locked nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from service.audit.models import AuditEvent
from service.auth import service
from service.auth.models import ApiToken, Role
from service.cli.main import app
from service.core import clock
from service.core.db import session_scope
from service.core.errors import TandemError

PASSWORD = "a long passphrase"


def _login(client, username: str, password: str):  # type: ignore[no-untyped-def]
    return client.post("/api/auth/token", json={"username": username, "password": password})


@pytest.mark.parametrize("days", ["0", "-5", "3651", "99999999999"])
def test_a_token_validity_outside_1_to_3650_days_is_refused(engine, days: str) -> None:  # type: ignore[no-untyped-def]
    with session_scope() as s:
        service.create_user(s, "op", Role.CELL_OPERATOR, "AGODI", PASSWORD)
    result = CliRunner().invoke(app, ["users", "token", "op", "--days", days])
    assert result.exit_code != 0
    with session_scope() as s:
        assert s.scalars(select(ApiToken)).all() == []


def test_every_token_gets_an_expiry(session: Session) -> None:
    user = service.create_user(session, "op", Role.CELL_OPERATOR, "AGODI", PASSWORD)
    for ttl in (timedelta(0), timedelta(days=-5), timedelta(days=3651)):
        with pytest.raises(TandemError, match="validity"):
            service.issue_token(session, user, ttl=ttl)
    service.issue_token(session, user)
    (row,) = session.scalars(select(ApiToken))
    assert row.expires_at is not None and row.expires_at - row.created_at == timedelta(days=90)


def test_cli_token_of_one_day_expires_after_a_day(engine) -> None:  # type: ignore[no-untyped-def]
    with session_scope() as s:
        service.create_user(s, "op", Role.CELL_OPERATOR, "AGODI", PASSWORD)
    result = CliRunner().invoke(app, ["users", "token", "op", "--days", "1"])
    assert result.exit_code == 0, result.output
    with session_scope() as s:
        (row,) = s.scalars(select(ApiToken))
        assert row.expires_at - row.created_at == timedelta(days=1)


def test_wrong_passwords_throttle_the_user_with_retry_after_and_an_audit_event(client, engine) -> None:  # type: ignore[no-untyped-def]
    with session_scope() as s:
        service.create_user(s, "op", Role.CELL_OPERATOR, "AGODI", PASSWORD)
        service.create_user(s, "other", Role.CELL_OPERATOR, "AGODI", PASSWORD)
    with clock.frozen(clock.now()) as frozen:
        assert [_login(client, "op", "wrong").status_code for _ in range(5)] == [401] * 5
        refused = _login(client, "op", PASSWORD)  # even the right password waits
        assert refused.status_code == 429
        assert 0 < int(refused.headers["Retry-After"]) <= 900
        assert "op" not in refused.json()["detail"].split()
        assert _login(client, "other", PASSWORD).status_code == 200  # another user is not locked out
        frozen.advance(seconds=int(refused.headers["Retry-After"]))
        assert _login(client, "op", PASSWORD).status_code == 200
        assert _login(client, "op", "wrong").status_code == 401  # a success starts the count again
    with session_scope() as s:
        events = list(s.scalars(select(AuditEvent).where(AuditEvent.action == "throttle")))
        assert [(e.actor, e.entity, e.count) for e in events] == [("login:op", "user", 1)]
        assert events[0].purpose and events[0].hash is not None


def test_many_user_names_from_one_address_throttle_the_address(client, engine, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Guessing across user names (one try each) is stopped per address; the count lives in the
    database, so a second application (another worker) sees it too."""
    from fastapi.testclient import TestClient

    from service.api.app import create_app

    with session_scope() as s:
        service.create_user(s, "op", Role.CELL_OPERATOR, "AGODI", PASSWORD)
    with clock.frozen(clock.now()):
        assert {_login(client, f"guess{i}", "x").status_code for i in range(20)} == {401}
        with TestClient(create_app()) as other_worker:
            refused = _login(other_worker, "op", PASSWORD)
        assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
